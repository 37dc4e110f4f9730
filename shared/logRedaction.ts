/**
 * Keeps secrets out of the logs. The shared Powertools logger (shared/observability.ts) uses
 * {@link redactingReplacer} as its JSON replacer, so every line every Lambda and the CLI write
 * goes through it: messages, attributes, nested objects and error stacks alike.
 *
 * Two rules:
 *  - the value under a key that names a secret (`token`, `botToken`, `password`, `Authorization`,
 *    `X-Amz-Signature`, `webhookUrl`, `SecretString` ...) is replaced whole, whatever it is;
 *    keys that only *identify* a secret (`secretId`, `SecretArn`, `slackParameterName`) or are
 *    not secret at all (`clientRequestToken`, `nextToken`) are kept, because they are what an
 *    operator needs to find the secret;
 *  - inside any string, Slack webhook URLs and tokens, bearer headers, passwords in URLs and
 *    secret-named query parameters or `key=value` pairs are masked, wherever they appear
 *    (an error message quoting the URL it failed to POST to, a connection string).
 */

/** Keys whose value is a secret (case-insensitive, anywhere in the key). */
const SECRET_KEY = /token|secret|passw(?:or)?d|\bpwd\b|authorization|signature|webhook|api[-_]?key|credential|cookie|private[-_]?key/i;

/**
 * Keys that name or point at a secret without holding it: `secretId`, `SecretArn`,
 * `slackParameterName`, `tokenSource`; and the AWS tokens that are identifiers, not secrets
 * (`ClientRequestToken` - deploy-medic's own `deploy-medic-...` tokens must stay readable -,
 * `NextToken`). Case-sensitive on purpose: `Id` after a lower-case letter is a camelCase word
 * boundary, where `valid` is not.
 */
const IDENTIFIER_KEY =
  /(?:[a-z0-9](?:Id|ID|Ids|Arn|ARN|Arns|Name|Names|Source|Path|Type|Count|Length)|_(?:id|arn|name|source|path|type)|^(?:id|arn|name))$|(?:[Rr]equest|[Nn]ext|[Cc]ontinuation|[Ii]dempotency)_?[Tt]oken$/;

const REDACTED = '[redacted]';

const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // An Authorization header value.
  [/\bBearer\s+[A-Za-z0-9._~+/-]+=*/g, `Bearer ${REDACTED}`],
  [/\bBasic\s+[A-Za-z0-9+/]{8,}=*/g, `Basic ${REDACTED}`],
  // Incoming webhooks: https://hooks.slack.com/services/T000/B000/XXXX (also workflows/triggers).
  [/https:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>|)]+/g, `https://hooks.slack.com/${REDACTED}`],
  // Bot, user, app and refresh tokens: xoxb-..., xoxp-..., xoxe-..., xapp-...
  [/\bxox[abeoprs]-[A-Za-z0-9-]+/g, `xox?-${REDACTED}`],
  [/\bxapp-[A-Za-z0-9-]+/g, `xapp-${REDACTED}`],
  // A password in a URL: postgres://app:s3cret@db:5432/app -> postgres://app:[redacted]@db:5432/app
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:)[^\s@/"']+@/gi, `$1${REDACTED}@`],
  // Secret-named query parameters: ?X-Amz-Signature=..., &X-Amz-Security-Token=..., &token=...
  [/([?&][^=&\s"']*(?:token|secret|signature|password|credential|api[-_]?key)[^=&\s"']*=)[^&\s"'<>]+/gi, `$1${REDACTED}`],
  // key=value and "key": "value" pairs inside text: DB_PASSWORD=..., "secret":"...", api_key: ...
  [/\b([A-Za-z0-9_-]*?(?:password|passwd|pwd|secret|api[-_]?key|access[-_]?key|token)["']?\s*[=:]\s*["']?)(?!\[redacted\])[^\s"',;&}]+/gi, `$1${REDACTED}`],
];

/**
 * Masks secrets inside a string.
 *
 * @example
 * redactSecrets('posting to https://hooks.slack.com/services/T0/B0/abc failed');
 * // 'posting to https://hooks.slack.com/[redacted] failed'
 */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/**
 * Whether the value under this key is a secret.
 *
 * @example
 * isSecretKey('botToken'); // true
 * isSecretKey('slackSecretId'); // false: it names the secret, an operator needs it
 */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !IDENTIFIER_KEY.test(key);
}

/**
 * A `JSON.stringify` replacer (and Powertools `jsonReplacerFn`) that redacts secrets.
 *
 * @example
 * JSON.stringify({ webhookUrl: 'https://hooks.slack.com/services/T0/B0/x', phase: 'opened' }, redactingReplacer);
 * // '{"webhookUrl":"[redacted]","phase":"opened"}'
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && value !== undefined && value !== null && isSecretKey(key)) return REDACTED;
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
