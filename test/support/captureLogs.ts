/**
 * Captures what the shared Powertools logger prints, as parsed JSON lines, for tests that read
 * the logs the way CloudWatch Logs Insights would. The logger writes through its own
 * `Console` on process.stdout/stderr, so the capture sits on the streams themselves.
 */
import { vi } from 'vitest';
import { logger } from '../../shared/observability';

export interface LogLine {
  level: string;
  message: string;
  correlation_id?: string;
  handler?: string;
  [key: string]: unknown;
}

export interface CapturedLogs {
  /** Every JSON line printed so far. */
  lines: () => LogLine[];
  /** Everything printed, raw (to check what must never appear). */
  raw: () => string;
  stop: () => void;
}

/**
 * @example
 * const logs = captureLogs();
 * await handler(input);
 * logs.stop();
 * expect(logs.lines().every((line) => line.correlation_id === KEY)).toBe(true);
 */
export function captureLogs(level: 'DEBUG' | 'INFO' = 'INFO'): CapturedLogs {
  const chunks: string[] = [];
  const keep = (chunk: string | Uint8Array) => (chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')), true);
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  const before = logger.getLevelName();
  logger.setLogLevel(level);
  return {
    raw: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"level"'))
        .map((line) => JSON.parse(line) as LogLine),
    stop: () => {
      logger.setLogLevel(before);
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}
