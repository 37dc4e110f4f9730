import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redactingReplacer, redactSecrets } from '../../shared/notify/redact';

const WEBHOOK = 'https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopqrstuvwx';

describe('Notify: secrets never reach the logs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('webhook URLs, tokens and bearer headers are redacted wherever they appear', () => {
    expect(redactSecrets(`posting to ${WEBHOOK} failed`)).toBe('posting to https://hooks.slack.com/[redacted] failed');
    expect(redactSecrets('token xoxb-1234-5678-AbCdEf and xoxp-1-2-3')).toBe('token xox?-[redacted] and xox?-[redacted]');
    expect(redactSecrets('authorization: Bearer xoxb-1-2-3')).toBe('authorization: Bearer [redacted]');
    expect(redactSecrets('nothing secret here')).toBe('nothing secret here');
  });

  it('the replacer redacts secret-named keys, strings and error stacks', () => {
    const out = JSON.parse(
      JSON.stringify({ webhookUrl: 'anything', nested: { botToken: 'anything', note: `see ${WEBHOOK}` }, phase: 'opened' }, redactingReplacer),
    ) as Record<string, unknown>;
    expect(out).toEqual({ webhookUrl: '[redacted]', nested: { botToken: '[redacted]', note: 'see https://hooks.slack.com/[redacted]' }, phase: 'opened' });
    const error = redactingReplacer('error', new Error(`POST ${WEBHOOK} failed`)) as Error;
    expect(error.message).toBe('POST https://hooks.slack.com/[redacted] failed');
    expect(error.stack).not.toContain('abcdefghijklmnopqrstuvwx');
  });

  it('a Powertools logger with the replacer prints no secret, in messages, attributes or errors', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const logger = new Logger({ serviceName: 'test', logLevel: 'DEBUG', jsonReplacerFn: redactingReplacer });
    logger.info(`delivering to ${WEBHOOK}`, { slack: { webhookUrl: WEBHOOK, token: 'xoxb-1-2-3' }, error: new Error(`timeout on ${WEBHOOK}`) });
    const printed = lines.join('');
    expect(printed).toContain('hooks.slack.com/[redacted]');
    expect(printed).not.toContain('abcdefghijklmnopqrstuvwx');
    expect(printed).not.toContain('xoxb-1-2-3');
  });
});
