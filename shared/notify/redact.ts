/**
 * Keeps Slack credentials out of logs. The notify Lambda logs through {@link notifyLogger}, a
 * child of the shared Powertools logger whose JSON replacer rewrites every string that looks
 * like a Slack webhook URL or token, and every value under a key that names a secret - in
 * messages, attributes and error stacks alike.
 */
import { logger } from '../observability';

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  // An Authorization header value.
  [/\bBearer\s+[A-Za-z0-9._~+/-]+=*/g, 'Bearer [redacted]'],
  // Incoming webhooks: https://hooks.slack.com/services/T000/B000/XXXX (also workflows/triggers).
  [/https:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>|)]+/g, 'https://hooks.slack.com/[redacted]'],
  // Bot, user, app and refresh tokens: xoxb-..., xoxp-..., xapp-..., xoxe-...
  [/\bxox[abeoprs]-[A-Za-z0-9-]+/g, 'xox?-[redacted]'],
  [/\bxapp-[A-Za-z0-9-]+/g, 'xapp-[redacted]'],
];

const SECRET_KEYS = /^(webhook_?url|bot_?token|token|authorization|secret|secret_?string|slack_?secret)$/i;

/**
 * @example
 * redactSecrets('posting to https://hooks.slack.com/services/T0/B0/abc failed');
 * // 'posting to https://hooks.slack.com/[redacted] failed'
 */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** A `JSON.stringify` replacer (and Powertools `jsonReplacerFn`) that redacts Slack secrets. */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && SECRET_KEYS.test(key) && value !== undefined && value !== null) return '[redacted]';
  if (typeof value === 'string') return redactSecrets(value);
  if (value instanceof Error) {
    // Powertools formats errors after the replacer ran: hand it a redacted copy.
    const copy = new Error(redactSecrets(value.message), value.cause === undefined ? undefined : { cause: value.cause });
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redactSecrets(value.stack);
    return copy;
  }
  return value;
}

/** The notify Lambda's logger: the shared one, with secrets redacted. */
export const notifyLogger = logger.createChild({ jsonReplacerFn: redactingReplacer });
