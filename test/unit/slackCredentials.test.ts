import { describe, expect, it } from 'vitest';
import { ConfigError, TransientAwsError } from '../../shared/errors';
import { SlackConfigError } from '../../shared/notify/errors';
import { loadNotifyConfig } from '../../shared/notify/notifyConfig';
import { parseSlackCredentials, SLACK_SECRET_MAX_AGE_SECONDS, slackCredentialsLoader } from '../../shared/notify/slackCredentials';

const WEBHOOK = 'https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopqrstuvwx';

describe('Notify: Slack credentials', () => {
  describe('parse', () => {
    it('reads a webhook URL, a bot token, or either as JSON', () => {
      expect(parseSlackCredentials(`  ${WEBHOOK}\n`)).toEqual({ kind: 'webhook', webhookUrl: WEBHOOK });
      expect(parseSlackCredentials(JSON.stringify({ webhookUrl: WEBHOOK }))).toEqual({ kind: 'webhook', webhookUrl: WEBHOOK });
      expect(parseSlackCredentials('xoxb-1-2-secret', 'C0ALERTS')).toEqual({ kind: 'bot', token: 'xoxb-1-2-secret', channel: 'C0ALERTS' });
      expect(parseSlackCredentials(JSON.stringify({ botToken: 'xoxb-1-2-secret', channel: 'C0OWN' }), 'C0ALERTS')).toEqual({ kind: 'bot', token: 'xoxb-1-2-secret', channel: 'C0OWN' });
    });

    it('a bot token needs a channel', () => {
      expect(() => parseSlackCredentials('xoxb-1-2-secret')).toThrow(new SlackConfigError('a Slack bot token needs a channel: set SLACK_CHANNEL, or store {"botToken": "...", "channel": "C..."}'));
    });

    it('refuses plain http except on the loopback interface', () => {
      expect(() => parseSlackCredentials('http://hooks.slack.com/services/T/B/x')).toThrow('must be https');
      expect(parseSlackCredentials('http://127.0.0.1:8080/hook')).toEqual({ kind: 'webhook', webhookUrl: 'http://127.0.0.1:8080/hook' });
    });

    it('never quotes the stored value when it cannot read it', () => {
      for (const value of ['not-a-credential-s3cr3t', '{"webhook": "s3cr3t"', '{"token": "s3cr3t"}']) {
        let message = '';
        try {
          parseSlackCredentials(value);
        } catch (error) {
          message = (error as Error).message;
          expect(error).toBeInstanceOf(SlackConfigError);
        }
        expect(message).not.toBe('');
        expect(message).not.toContain('s3cr3t');
      }
    });
  });

  describe('loader', () => {
    const fakeProvider = (answer: () => Promise<unknown>) => {
      const calls: Array<[string, unknown]> = [];
      return { calls, provider: { get: async (name: string, options?: unknown) => (calls.push([name, options]), answer()) } as never };
    };

    it('reads Secrets Manager with a five-minute cache', async () => {
      const secrets = fakeProvider(async () => WEBHOOK);
      const load = slackCredentialsLoader({ source: { kind: 'secretsmanager', secretId: 'deploy-medic/prod/slack' }, secrets: secrets.provider, ssm: fakeProvider(async () => '').provider });
      expect(await load()).toEqual({ kind: 'webhook', webhookUrl: WEBHOOK });
      expect(secrets.calls).toEqual([['deploy-medic/prod/slack', { maxAge: SLACK_SECRET_MAX_AGE_SECONDS }]]);
      expect(SLACK_SECRET_MAX_AGE_SECONDS).toBe(300);
    });

    it('reads an SSM SecureString decrypted, with the same cache', async () => {
      const ssm = fakeProvider(async () => 'xoxb-1-2-secret');
      const load = slackCredentialsLoader({ source: { kind: 'ssm', parameterName: '/deploy-medic/prod/slack' }, defaultChannel: 'C0ALERTS', secrets: fakeProvider(async () => '').provider, ssm: ssm.provider });
      expect(await load()).toEqual({ kind: 'bot', token: 'xoxb-1-2-secret', channel: 'C0ALERTS' });
      expect(ssm.calls).toEqual([['/deploy-medic/prod/slack', { maxAge: 300, decrypt: true }]]);
    });

    it('throttling is transient (the ASL retries); a missing secret is a configuration error', async () => {
      const failing = (name: string, status: number) =>
        slackCredentialsLoader({
          source: { kind: 'secretsmanager', secretId: 's' },
          secrets: fakeProvider(async () => {
            throw Object.assign(new Error('wrapped'), { name: 'GetParameterError', cause: Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } }) });
          }).provider,
          ssm: fakeProvider(async () => '').provider,
        });
      await expect(failing('ThrottlingException', 400)()).rejects.toBeInstanceOf(TransientAwsError);
      await expect(failing('ResourceNotFoundException', 400)()).rejects.toThrow(new SlackConfigError('cannot read the Slack secret s (ResourceNotFoundException)'));
    });
  });
});

describe('Notify: configuration', () => {
  it('everything optional: no Slack, no reports, no runbook links', () => {
    expect(loadNotifyConfig({})).toEqual({ region: 'us-east-1' });
  });

  it('reads the Slack source, channel, docs base, reports bucket and region', () => {
    expect(
      loadNotifyConfig({ SLACK_PARAMETER_NAME: '/deploy-medic/prod/slack', SLACK_CHANNEL: 'C0ALERTS', DOCS_BASE_URL: 'https://github.com/acme/deploy-medic/blob/main/', REPORTS_BUCKET: 'medic-reports', AWS_REGION: 'eu-west-1' }),
    ).toEqual({
      slack: { source: { kind: 'ssm', parameterName: '/deploy-medic/prod/slack' }, channel: 'C0ALERTS' },
      docsBaseUrl: 'https://github.com/acme/deploy-medic/blob/main/',
      reportsBucket: 'medic-reports',
      region: 'eu-west-1',
    });
  });

  it('refuses two Slack sources and a docs base that is not a URL', () => {
    expect(() => loadNotifyConfig({ SLACK_SECRET_ID: 'a', SLACK_PARAMETER_NAME: 'b' })).toThrow(new ConfigError('set SLACK_SECRET_ID or SLACK_PARAMETER_NAME, not both'));
    expect(() => loadNotifyConfig({ DOCS_BASE_URL: 'docs/' })).toThrow('DOCS_BASE_URL must be an http(s) URL; got "docs/"');
  });
});
