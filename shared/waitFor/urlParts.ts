/** The parts of a target URL every probe needs, validated with messages that never show a password. */
import { TargetError } from './errors';
import { redactUrl } from './redact';

/**
 * The host to connect to: required; IPv6 brackets removed.
 *
 * @example
 * hostOf(new URL('postgres://app@[::1]:5432/app')); // '::1'
 */
export function hostOf(url: URL): string {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new TargetError(`${redactUrl(url)}: no host`);
  return host;
}

/**
 * The port: the URL's, else `defaultPort` (http and https imply theirs); a target without either is refused.
 *
 * @example
 * portOf(new URL('redis://cache'), 6379); // 6379
 */
export function portOf(url: URL, defaultPort?: number): number {
  // The URL parser already refused anything but 0-65535.
  if (url.port === '0') throw new TargetError(`${redactUrl(url)}: port 0 is not a port one can connect to`);
  if (url.port !== '') return Number(url.port);
  // http(s) URLs drop their scheme's default port from `port`.
  const implied = defaultPort ?? { 'http:': 80, 'https:': 443 }[url.protocol];
  if (implied === undefined) throw new TargetError(`${redactUrl(url)}: no port (${url.protocol}//HOST:PORT)`);
  return implied;
}

/** A percent-decoded URL component (`p%40ss` → `p@ss`); a malformed escape is refused. */
export function decoded(url: URL, part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new TargetError(`${redactUrl(url)}: the ${what} is not valid percent-encoding`);
  }
}
