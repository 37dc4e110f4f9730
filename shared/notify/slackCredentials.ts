/**
 * Where the Slack credential lives and how it is read: a Secrets Manager secret or an SSM
 * SecureString parameter, read through Powertools Parameters and cached for five minutes
 * (a rotated secret reaches every container within that time; a warm container makes one
 * read per five minutes, not one per alert).
 *
 * The stored value is one of:
 *   https://hooks.slack.com/services/T.../B.../...              an incoming webhook
 *   xoxb-...                                                    a bot token (channel: SLACK_CHANNEL)
 *   {"webhookUrl": "https://hooks.slack.com/services/..."}
 *   {"botToken": "xoxb-...", "channel": "C0123456789"}
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { TransientAwsError } from '../errors';
import { isTransientAwsError } from '../aws/transient';
import { SlackConfigError } from './errors';

export type SlackCredentials = { kind: 'webhook'; webhookUrl: string } | { kind: 'bot'; token: string; channel: string };

export type SlackSecretSource = { kind: 'secretsmanager'; secretId: string } | { kind: 'ssm'; parameterName: string };

/** Five minutes, in seconds (Powertools' `maxAge` unit). */
export const SLACK_SECRET_MAX_AGE_SECONDS = 300;

/**
 * Reads the credential from a stored value. Errors never quote the value.
 *
 * @example
 * parseSlackCredentials('{"botToken":"xoxb-1-2-abc","channel":"C0123"}');
 * // { kind: 'bot', token: 'xoxb-1-2-abc', channel: 'C0123' }
 */
export function parseSlackCredentials(value: string, defaultChannel?: string): SlackCredentials {
  const raw = value.trim();
  let webhookUrl: unknown;
  let token: unknown;
  let channel: unknown = defaultChannel;
  if (raw.startsWith('{')) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new SlackConfigError('the Slack secret starts like JSON but is not valid JSON');
    }
    webhookUrl = parsed.webhookUrl;
    token = parsed.botToken;
    if (typeof parsed.channel === 'string' && parsed.channel !== '') channel = parsed.channel;
  } else if (/^https?:\/\//.test(raw)) {
    webhookUrl = raw;
  } else if (/^xox[bp]-/.test(raw)) {
    token = raw;
  }

  if (typeof webhookUrl === 'string' && webhookUrl !== '') return { kind: 'webhook', webhookUrl: checkWebhookUrl(webhookUrl) };
  if (typeof token === 'string' && /^xox[bp]-/.test(token)) {
    if (typeof channel !== 'string' || channel === '') {
      throw new SlackConfigError('a Slack bot token needs a channel: set SLACK_CHANNEL, or store {"botToken": "...", "channel": "C..."}');
    }
    return { kind: 'bot', token, channel };
  }
  throw new SlackConfigError('the Slack secret holds neither a webhook URL nor a bot token (xoxb-...); the value is not shown');
}

/** https only - except on the loopback interface, where the tests' local Slack listens. */
function checkWebhookUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SlackConfigError('the Slack webhook URL in the secret is not a URL');
  }
  const loopback = parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost' || parsed.hostname === '[::1]';
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new SlackConfigError('the Slack webhook URL in the secret must be https');
  }
  return url;
}

export interface SlackCredentialsLoaderOptions {
  source: SlackSecretSource;
  /** The channel for a bare bot token (`SLACK_CHANNEL`). */
  defaultChannel?: string;
  /** Built once per container, with the traced SDK client (functions/notify/handler.ts). */
  secrets: Pick<SecretsProvider, 'get'>;
  ssm: Pick<SSMProvider, 'get'>;
  maxAgeSeconds?: number;
}

/**
 * @example
 * const credentials = slackCredentialsLoader({ source: { kind: 'secretsmanager', secretId: 'deploy-medic/prod/slack' }, secrets, ssm });
 * await credentials(); // { kind: 'webhook', webhookUrl: 'https://hooks.slack.com/services/...' } - read once per 5 minutes
 */
export function slackCredentialsLoader(options: SlackCredentialsLoaderOptions): () => Promise<SlackCredentials> {
  const maxAge = options.maxAgeSeconds ?? SLACK_SECRET_MAX_AGE_SECONDS;
  return async () => parseSlackCredentials(await readSlackSecret(options.source, options, maxAge, 'Slack'), options.defaultChannel);
}

/**
 * One Slack secret's text, from Secrets Manager or an SSM SecureString (cached by Powertools for
 * `maxAge` seconds). Throttling is transient (the state machine retries); a wrong name or a
 * missing permission is a configuration error; an empty value too. `noun` names it in errors.
 *
 * @example
 * await readSlackSecret({ kind: 'ssm', parameterName: '/deploy-medic/prod/slack-signing' }, { secrets, ssm }, 300, 'Slack signing'); // '8f742231b...'
 */
export async function readSlackSecret(
  source: SlackSecretSource,
  providers: { secrets: Pick<SecretsProvider, 'get'>; ssm: Pick<SSMProvider, 'get'> },
  maxAge: number,
  noun: string,
): Promise<string> {
  const where = source.kind === 'secretsmanager' ? `secret ${source.secretId}` : `SSM parameter ${source.parameterName}`;
  let value: unknown;
  try {
    value = source.kind === 'secretsmanager' ? await providers.secrets.get(source.secretId, { maxAge }) : await providers.ssm.get(source.parameterName, { maxAge, decrypt: true });
  } catch (error) {
    // Powertools wraps the SDK error (GetParameterError); its cause tells throttling from a wrong name.
    const cause = (error as { cause?: unknown }).cause ?? error;
    const reason = (cause as { name?: string }).name ?? 'error';
    if (isTransientAwsError(cause)) throw new TransientAwsError(`reading the ${noun} ${where} failed (${reason}); retry`);
    throw new SlackConfigError(`cannot read the ${noun} ${where} (${reason})`);
  }
  if (value instanceof Uint8Array) value = new TextDecoder().decode(value);
  if (typeof value !== 'string' || value.trim() === '') throw new SlackConfigError(`the ${noun} ${where} is empty`);
  return value;
}
