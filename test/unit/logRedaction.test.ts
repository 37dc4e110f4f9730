/**
 * Secrets never reach CloudWatch Logs: the shared logger's replacer, with values shaped like the
 * real ones (Slack's documented webhook and token formats, a presigned S3 URL, a PostgreSQL URL).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isSecretKey, redactingReplacer, redactSecrets } from '../../shared/logRedaction';
import { logger } from '../../shared/observability';
import { captureLogs, type CapturedLogs } from '../support/captureLogs';

const WEBHOOK = 'https://hooks.slack.com/services/T024BE7LD/B01ABCDEF2G/EXAMPLEsecretPart0123456789';
const BOT_TOKEN = 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy';
const APP_TOKEN = 'xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789';
const PRESIGNED =
  'https://medic-reports.s3.us-east-1.amazonaws.com/reports/abc.md?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20260314%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLETOKEN&X-Amz-Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41';

describe('Logs: secret redaction', () => {
  describe('inside strings', () => {
    it('masks Slack webhook URLs and bot, user and app tokens wherever they appear', () => {
      expect(redactSecrets(`POST ${WEBHOOK} answered 404 no_service`)).toBe('POST https://hooks.slack.com/[redacted] answered 404 no_service');
      expect(redactSecrets(`chat.postMessage with ${BOT_TOKEN}: invalid_auth`)).toBe('chat.postMessage with xox?-[redacted]: invalid_auth');
      expect(redactSecrets(`socket mode ${APP_TOKEN}`)).toBe('socket mode xapp-[redacted]');
      expect(redactSecrets('Authorization: Bearer xoxp-2-3-4-deadbeef')).toBe('Authorization: Bearer [redacted]');
    });

    it('masks the password of a connection URL, and keeps where it points', () => {
      expect(redactSecrets('waiting for postgres://medic:Pa55w0rd!x@db.internal:5432/ledger')).toBe(
        'waiting for postgres://medic:[redacted]@db.internal:5432/ledger',
      );
      expect(redactSecrets('redis://default:s3cr3t@cache:6379/0 not ready')).toBe('redis://default:[redacted]@cache:6379/0 not ready');
    });

    it('masks the signature and session token of a presigned URL, and keeps the object it names', () => {
      const out = redactSecrets(PRESIGNED);
      expect(out).toContain('https://medic-reports.s3.us-east-1.amazonaws.com/reports/abc.md?X-Amz-Algorithm=AWS4-HMAC-SHA256');
      expect(out).toContain('X-Amz-Signature=[redacted]');
      expect(out).toContain('X-Amz-Security-Token=[redacted]');
      expect(out).not.toContain('f0e8bdb87c96');
      expect(out).not.toContain('IQoJb3JpZ2luX2Vj');
    });

    it('masks secret-named key=value and JSON pairs inside text', () => {
      expect(redactSecrets('DB_PASSWORD=hunter2 PORT=5432')).toBe('DB_PASSWORD=[redacted] PORT=5432');
      expect(redactSecrets('body {"api_key":"AKIAEXAMPLE123","region":"us-east-1"}')).toBe('body {"api_key":"[redacted]","region":"us-east-1"}');
    });

    it('leaves AWS texts deploy-medic reads and reports alone', () => {
      const reason = 'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/payments-api:v2.8.0: not found';
      expect(redactSecrets(reason)).toBe(reason);
      const arn = 'arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api';
      expect(redactSecrets(arn)).toBe(arn);
    });
  });

  describe('by key', () => {
    it('treats keys that hold a secret as secret, whatever their case or prefix', () => {
      for (const key of ['token', 'botToken', 'SLACK_BOT_TOKEN', 'password', 'dbPassword', 'Authorization', 'X-Amz-Signature', 'webhookUrl', 'SecretString', 'client_secret', 'apiKey']) {
        expect(isSecretKey(key), key).toBe(true);
      }
    });

    it('keeps keys that name or point at a secret, and AWS tokens that are identifiers', () => {
      for (const key of ['secretId', 'SecretArn', 'slackSecretId', 'slackParameterName', 'tokenSource', 'ClientRequestToken', 'clientRequestToken', 'NextToken', 'webhookType']) {
        expect(isSecretKey(key), key).toBe(false);
      }
    });

    it('replaces the whole value under a secret key, nested objects included', () => {
      const out = JSON.parse(
        JSON.stringify(
          { slack: { source: 'secretsmanager', secretId: 'deploy-medic/prod/slack', botToken: BOT_TOKEN, webhookUrl: WEBHOOK }, headers: { Authorization: `Bearer ${BOT_TOKEN}` }, phase: 'opened' },
          redactingReplacer,
        ),
      ) as unknown;
      expect(out).toEqual({
        slack: { source: 'secretsmanager', secretId: 'deploy-medic/prod/slack', botToken: '[redacted]', webhookUrl: '[redacted]' },
        headers: { Authorization: '[redacted]' },
        phase: 'opened',
      });
    });
  });

  describe('the shared logger', () => {
    let logs: CapturedLogs;
    afterEach(() => logs.stop());

    it('prints no secret in the message, the attributes or an error, and keeps the rest of the line', () => {
      logs = captureLogs();
      const error = new Error(`request to ${WEBHOOK} failed: ECONNRESET`);
      logger.info(`delivering to ${WEBHOOK}`, { slack: { token: BOT_TOKEN, channel: 'C0123456789' }, presigned: PRESIGNED, error });

      const raw = logs.raw();
      for (const secret of ['EXAMPLEsecretPart0123456789', BOT_TOKEN, 'f0e8bdb87c96', 'IQoJb3JpZ2luX2Vj']) expect(raw).not.toContain(secret);
      const [line] = logs.lines();
      expect(line).toMatchObject({
        level: 'INFO',
        message: 'delivering to https://hooks.slack.com/[redacted]',
        slack: { token: '[redacted]', channel: 'C0123456789' },
        service: 'deploy-medic',
      });
      expect((line?.error as { message: string }).message).toBe('request to https://hooks.slack.com/[redacted] failed: ECONNRESET');
    });
  });
});
