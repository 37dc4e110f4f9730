/**
 * The Slack approval endpoint's settings (functions/approvalWebhook), read and checked in one
 * place.
 *
 * | variable                        | meaning                                                                     |
 * |---------------------------------|-----------------------------------------------------------------------------|
 * | LEDGER_TABLE                    | the ledger table holding the pending approvals                              |
 * | SLACK_SIGNING_SECRET_ID         | Secrets Manager secret holding the Slack app's signing secret               |
 * | SLACK_SIGNING_SECRET_PARAMETER  | or: SSM SecureString parameter holding it (not both)                        |
 * | APPROVAL_SLACK_USER_IDS         | optional: only these Slack user ids (comma-separated) may approve or deny   |
 */
import { ConfigError } from '../errors';
import type { SlackSecretSource } from '../notify/slackCredentials';

export interface ApprovalWebhookConfig {
  ledgerTable: string;
  /** Absent: Slack approvals are not set up; the endpoint refuses every request (503). */
  signingSecret?: SlackSecretSource;
  /** Absent: anyone in the workspace who sees the message may decide (Slack proved who they are). */
  allowedSlackUsers?: string[];
}

type Env = Record<string, string | undefined>;

/**
 * @example
 * loadApprovalWebhookConfig({ LEDGER_TABLE: 'deploy-medic-prod-ledger', SLACK_SIGNING_SECRET_ID: 'deploy-medic/prod/slack-signing-secret' });
 * // { ledgerTable: 'deploy-medic-prod-ledger', signingSecret: { kind: 'secretsmanager', secretId: 'deploy-medic/prod/slack-signing-secret' } }
 */
export function loadApprovalWebhookConfig(env: Env = process.env): ApprovalWebhookConfig {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const ledgerTable = value('LEDGER_TABLE');
  if (ledgerTable === undefined) throw new ConfigError('missing required setting LEDGER_TABLE');
  const secretId = value('SLACK_SIGNING_SECRET_ID');
  const parameterName = value('SLACK_SIGNING_SECRET_PARAMETER');
  if (secretId !== undefined && parameterName !== undefined) throw new ConfigError('set SLACK_SIGNING_SECRET_ID or SLACK_SIGNING_SECRET_PARAMETER, not both');
  const users = value('APPROVAL_SLACK_USER_IDS')
    ?.split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const user of users ?? []) {
    if (!/^[UW][A-Z0-9]{2,}$/.test(user)) throw new ConfigError(`APPROVAL_SLACK_USER_IDS: "${user}" is not a Slack user id (U0123ABCD)`);
  }
  const signingSecret: SlackSecretSource | undefined =
    secretId !== undefined ? { kind: 'secretsmanager', secretId } : parameterName !== undefined ? { kind: 'ssm', parameterName } : undefined;
  return { ledgerTable, ...(signingSecret ? { signingSecret } : {}), ...(users && users.length > 0 ? { allowedSlackUsers: users } : {}) };
}
