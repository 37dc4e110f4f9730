/**
 * Small text helpers for alerts: visible truncation (a cut message says so, and how much is
 * missing), Slack mrkdwn escaping, durations for people.
 */

/**
 * Cuts `text` to at most `max` characters. A cut text ends with `marker` (default `...`), so a
 * reader always sees that something is missing.
 *
 * @example
 * truncate('deploy-medic', 8); // 'depl...'
 */
export function truncate(text: string, max: number, marker = '...'): string {
  if (text.length <= max) return text;
  if (max <= marker.length) return marker.slice(0, max);
  return `${text.slice(0, max - marker.length)}${marker}`;
}

/**
 * Cuts `text` to `max` characters and says how many were left out, for message bodies.
 *
 * @example
 * truncateVisibly('x'.repeat(5000), 3000); // 'xx…x\n… (truncated: 2041 more characters)'
 */
export function truncateVisibly(text: string, max: number, hint = ''): string {
  if (text.length <= max) return text;
  // The marker names the missing count; sized for the largest count it can show.
  const marker = (missing: number) => `\n… (truncated: ${missing} more characters${hint ? `; ${hint}` : ''})`;
  const keep = Math.max(0, max - marker(text.length).length);
  return `${text.slice(0, keep)}${marker(text.length - keep)}`.slice(0, max);
}

const FENCE = '```';

/**
 * {@link truncateVisibly} for markdown: a code fence the cut leaves open is closed before the
 * marker, so the marker (and whatever follows the text) is not swallowed by a code block.
 */
export function truncateMarkdown(text: string, max: number, hint = ''): string {
  if (text.length <= max) return text;
  const cut = truncateVisibly(text, max - FENCE.length - 1, hint);
  if ((cut.split(FENCE).length - 1) % 2 === 0) return cut;
  const marker = cut.lastIndexOf("\n… (truncated");
  if (marker < 0) return `${cut}\n${FENCE}`;
  return `${cut.slice(0, marker)}\n${FENCE}${cut.slice(marker)}`;
}

/** Dynamic text inside markdown: it cannot open a code block. */
export function noFences(text: string): string {
  return text.replaceAll(FENCE, "'''");
}

/**
 * Lines inside a code fence: as many whole lines as fit in `max` characters, each line cut to
 * `maxLineChars`, the fence always closed; the lines left out are counted after it.
 *
 * @example
 * codeBlock(['a', 'b', 'c'], 30); // '```\na\nb\n```\n… and 1 more line'
 */
export function codeBlock(lines: readonly string[], max: number, options: { maxLineChars?: number; hint?: string } = {}): string {
  const { maxLineChars = 500, hint = '' } = options;
  // Fence characters inside a line would close the block early.
  const safe = lines.map((line) => truncate(line.replaceAll(FENCE, "'''"), maxLineChars));
  const more = (n: number) => (n === 0 ? '' : `… and ${n} more line${n === 1 ? '' : 's'}${hint ? ` (${hint})` : ''}`);
  for (let n = safe.length; n > 0; n--) {
    const rest = more(safe.length - n);
    const out = `${FENCE}\n${safe.slice(0, n).join('\n')}\n${FENCE}${rest ? `\n${rest}` : ''}`;
    if (out.length <= max) return out;
  }
  return truncate(more(safe.length), max);
}

/** Slack mrkdwn reserves `&`, `<` and `>` (links and mentions): dynamic text must escape them. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * A duration for people: `42s`, `3m 05s`, `1h 04m`, `2d 03h`. Negative durations (clock skew
 * between AWS and us) read as `0s`.
 *
 * @example
 * formatDuration(185_000); // '3m 05s'
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** Milliseconds from `from` to `to` (ISO-8601), or `undefined` when either is missing or unreadable. */
export function between(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isNaN(a) || Number.isNaN(b) ? undefined : b - a;
}
