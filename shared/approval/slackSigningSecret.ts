/**
 * The Slack app's signing secret (Slack app settings, "Basic Information" > "App Credentials"),
 * read from Secrets Manager or SSM like the Slack credential (shared/notify/slackCredentials.ts)
 * and cached five minutes. Stored as the bare secret, or `{"signingSecret": "..."}`.
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SlackConfigError } from '../notify/errors';
import { readSlackSecret, SLACK_SECRET_MAX_AGE_SECONDS, type SlackSecretSource } from '../notify/slackCredentials';

/**
 * @example
 * parseSigningSecret('{"signingSecret":"8f742231b10e8888abcd99yyyzzz85a5"}'); // '8f742231b10e8888abcd99yyyzzz85a5'
 */
export function parseSigningSecret(value: string): string {
  const raw = value.trim();
  let secret: unknown = raw;
  if (raw.startsWith('{')) {
    try {
      secret = (JSON.parse(raw) as { signingSecret?: unknown }).signingSecret;
    } catch {
      throw new SlackConfigError('the Slack signing secret starts like JSON but is not valid JSON');
    }
  }
  // Slack's signing secrets are 32 hex-like characters; anything short cannot be one (the value is never shown).
  if (typeof secret !== 'string' || secret.length < 16 || /\s/.test(secret)) throw new SlackConfigError('the stored value is not a Slack signing secret; the value is not shown');
  return secret;
}

export function slackSigningSecretLoader(options: {
  source: SlackSecretSource;
  secrets: Pick<SecretsProvider, 'get'>;
  ssm: Pick<SSMProvider, 'get'>;
  maxAgeSeconds?: number;
}): () => Promise<string> {
  const maxAge = options.maxAgeSeconds ?? SLACK_SECRET_MAX_AGE_SECONDS;
  return async () => parseSigningSecret(await readSlackSecret(options.source, options, maxAge, 'Slack signing'));
}
