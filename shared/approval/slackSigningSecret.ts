/**
 * The Slack app's signing secret (Slack app settings, "Basic Information" > "App Credentials"),
 * read from Secrets Manager or SSM like the Slack credential (shared/notify/slackCredentials.ts)
 * and cached five minutes. Stored as the bare secret, or `{"signingSecret": "..."}`.
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { TransientAwsError } from '../errors';
import { isTransientAwsError } from '../aws/transient';
import { SlackConfigError } from '../notify/errors';
import { SLACK_SECRET_MAX_AGE_SECONDS, type SlackSecretSource } from '../notify/slackCredentials';

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
  return async () => {
    const { source } = options;
    const where = source.kind === 'secretsmanager' ? `secret ${source.secretId}` : `SSM parameter ${source.parameterName}`;
    let value: unknown;
    try {
      value =
        source.kind === 'secretsmanager'
          ? await options.secrets.get(source.secretId, { maxAge })
          : await options.ssm.get(source.parameterName, { maxAge, decrypt: true });
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      const reason = (cause as { name?: string }).name ?? 'error';
      if (isTransientAwsError(cause)) throw new TransientAwsError(`reading the Slack signing ${where} failed (${reason}); retry`);
      throw new SlackConfigError(`cannot read the Slack signing ${where} (${reason})`);
    }
    if (value instanceof Uint8Array) value = new TextDecoder().decode(value);
    if (typeof value !== 'string' || value.trim() === '') throw new SlackConfigError(`the Slack signing ${where} is empty`);
    return parseSigningSecret(value);
  };
}
