/**
 * The probe registry: scheme → probe. Adding a kind of target is one module in ./probes plus
 * one entry here; the registry test walks every entry (its example parses, docs/wait-for.md
 * names its schemes), and an unknown scheme is refused with the list of known ones.
 */
import { TargetError } from './errors';
import { httpProbe } from './probes/http';
import { postgresProbe } from './probes/postgres';
import { redisProbe } from './probes/redis';
import { tcpProbe } from './probes/tcp';
import { redactText, redactUrl, secretsOf } from './redact';
import type { Probe, Target } from './types';

export const PROBES: readonly Probe[] = [postgresProbe, redisProbe, httpProbe, tcpProbe];

/** Every scheme a target may use, in registry order. */
export function knownSchemes(probes: readonly Probe[] = PROBES): string[] {
  return probes.flatMap((p) => p.schemes);
}

const FORMS = 'postgres://USER:PASS@HOST:PORT/DB, redis://[:PASS@]HOST:PORT, http(s)://HOST[:PORT]/PATH, tcp://HOST:PORT';

/**
 * Parses and validates one target: its probe by scheme, its URL by that probe. Throws a
 * {@link TargetError} (redacted, one line) for anything that cannot be waited for.
 *
 * @example
 * const target = parseTarget('postgres://app:s3cret@127.0.0.1:5432/app');
 * target.display; // 'postgres://app:***@127.0.0.1:5432/app'
 * await target.check({ signal: AbortSignal.timeout(2000), timeoutMs: 2000 }); // resolves when ready
 */
export function parseTarget(text: string, probes: readonly Probe[] = PROBES): Target {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) throw new TargetError(`"${redactText(text)}" is not a target URL (${FORMS})`);
  const probe = probes.find((p) => p.schemes.includes(scheme));
  if (probe === undefined) {
    throw new TargetError(`unknown scheme "${scheme}" in ${redactText(text)} (schemes: ${knownSchemes(probes).join(', ')})`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TargetError(`"${redactText(text)}" is not a valid URL`);
  }
  // The parser ends the authority at the first "/", "?" or "#": an unencoded one in a password
  // would leave the rest of it in the path, printed with the target. Refuse rather than guess.
  const afterAuthority = text.slice(scheme.length + 3).replace(/^[^/?#]*/, '');
  if (afterAuthority.includes('@')) {
    throw new TargetError(`"${redactText(text)}": an "@" after the host; percent-encode "/", "?", "#" and "@" in a password (%2F %3F %23 %40), and an "@" in a path or query (%40)`);
  }
  if (url.hash !== '') throw new TargetError(`"${redactText(text)}": a #fragment means nothing to wait-for (a "#" in a password is %23)`);
  return { display: redactUrl(url), scheme, check: probe.parse(url), secrets: secretsOf(url) };
}
