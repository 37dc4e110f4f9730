/**
 * Durations as people read them in a CI log.
 *
 * @example
 * [250, 2000, 12_345, 90_000].map(formatDuration); // ['0.25s', '2s', '12.3s', '1m30s']
 */
export function formatDuration(ms: number): string {
  if (ms < 60_000) {
    const seconds = ms / 1000;
    return `${seconds < 10 ? Number(seconds.toFixed(2)) : Number(seconds.toFixed(1))}s`;
  }
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms - minutes * 60_000) / 1000);
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}
