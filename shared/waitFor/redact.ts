/**
 * Never print a password: every target is shown through {@link redactUrl}, any text that
 * may quote one (a URL that did not parse) through {@link redactText}, and any error text a
 * server or the network produced through {@link scrubSecrets}.
 */

/** Query parameters whose values are credentials (libpq's `?password=`, `?token=`, signed URLs). */
const SECRET_PARAM = /pass|pwd|secret|token|key|sig|auth|credential/i;

const MASK = '***';

/**
 * The URL with the password and secret-looking query values replaced by `***`.
 *
 * @example
 * redactUrl(new URL('postgres://app:s3cret@db:5432/app?sslmode=require')); // 'postgres://app:***@db:5432/app?sslmode=require'
 */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = MASK;
  for (const key of new Set(copy.searchParams.keys())) {
    if (SECRET_PARAM.test(key)) copy.searchParams.set(key, MASK);
  }
  // URLSearchParams re-encodes `***` as `%2A%2A%2A`; show the mask as typed.
  return copy.href.replaceAll('%2A%2A%2A', MASK);
}

/**
 * Redacts URL-shaped text that may not parse as a URL, for messages that quote the user's
 * input (one URL). Everything between `scheme://USER:` and the last `@` is masked (a password
 * with an unencoded `/`, `?`, `#`, `@` or a space stays hidden), and secret-looking query values too.
 *
 * @example
 * redactText('postgres://app:p@ss/w#rd@db:notaport/app'); // 'postgres://app:***@db:notaport/app'
 */
export function redactText(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^@]*@)+/gi, (whole, scheme: string) => {
      const userinfo = whole.slice(scheme.length, -1);
      const colon = userinfo.indexOf(':');
      return `${scheme}${colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:${MASK}`}@`;
    })
    .replace(/([?&]([^=&#\s]*)=)([^&#\s]*)/g, (whole, prefix: string, key: string) => (SECRET_PARAM.test(key) ? `${prefix}${MASK}` : whole));
}

/** The credentials a URL carries, raw and decoded, for {@link scrubSecrets}. */
export function secretsOf(url: URL): string[] {
  const raw = [url.password, ...[...url.searchParams].filter(([key]) => SECRET_PARAM.test(key)).map(([, value]) => value)];
  const all = raw.flatMap((s) => [s, safeDecode(s)]);
  return [...new Set(all.filter((s) => s !== ''))];
}

/** Replaces every occurrence of each secret in `text` by `***` (longest first, so none leaks in part). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  return [...secrets].sort((a, b) => b.length - a.length).reduce((out, secret) => out.replaceAll(secret, MASK), text);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
