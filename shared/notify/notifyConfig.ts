/**
 * The notify Lambda's settings, read and checked in one place (the rest of the code receives
 * this object). Everything here is optional: without Slack settings there is no Slack, without
 * a reports bucket no stored report - and the alert says so.
 *
 * | variable              | meaning                                                            |
 * |-----------------------|--------------------------------------------------------------------|
 * | SLACK_SECRET_ID       | Secrets Manager secret (name or ARN) holding the Slack credential  |
 * | SLACK_PARAMETER_NAME  | or: SSM SecureString parameter holding it (not both)               |
 * | SLACK_CHANNEL         | channel id for a bare bot token (`C0123456789`)                    |
 * | DOCS_BASE_URL         | base URL runbook paths resolve against (the repo's `blob/main/`)   |
 * | REPORTS_BUCKET        | S3 bucket for incident reports                                     |
 * | AWS_REGION            | set by Lambda: the bucket's region, for console links              |
 */
import { ConfigError } from '../errors';
import type { SlackSecretSource } from './slackCredentials';

export interface NotifyConfig {
  slack?: { source: SlackSecretSource; channel?: string };
  docsBaseUrl?: string;
  reportsBucket?: string;
  region: string;
}

type Env = Record<string, string | undefined>;

/**
 * @example
 * loadNotifyConfig({ SLACK_SECRET_ID: 'deploy-medic/prod/slack', REPORTS_BUCKET: 'medic-reports', AWS_REGION: 'eu-west-1' });
 * // { slack: { source: { kind: 'secretsmanager', secretId: 'deploy-medic/prod/slack' } }, reportsBucket: 'medic-reports', region: 'eu-west-1' }
 */
export function loadNotifyConfig(env: Env = process.env): NotifyConfig {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const secretId = value('SLACK_SECRET_ID');
  const parameterName = value('SLACK_PARAMETER_NAME');
  if (secretId !== undefined && parameterName !== undefined) {
    throw new ConfigError('set SLACK_SECRET_ID or SLACK_PARAMETER_NAME, not both');
  }
  const channel = value('SLACK_CHANNEL');
  const source: SlackSecretSource | undefined =
    secretId !== undefined ? { kind: 'secretsmanager', secretId } : parameterName !== undefined ? { kind: 'ssm', parameterName } : undefined;

  const docsBaseUrl = value('DOCS_BASE_URL');
  if (docsBaseUrl !== undefined && !/^https?:\/\/[^/]+/.test(docsBaseUrl)) {
    throw new ConfigError(`DOCS_BASE_URL must be an http(s) URL; got "${docsBaseUrl}"`);
  }
  const reportsBucket = value('REPORTS_BUCKET');
  return {
    ...(source ? { slack: { source, ...(channel ? { channel } : {}) } } : {}),
    ...(docsBaseUrl ? { docsBaseUrl } : {}),
    ...(reportsBucket ? { reportsBucket } : {}),
    region: value('AWS_REGION') ?? value('AWS_DEFAULT_REGION') ?? 'us-east-1',
  };
}
