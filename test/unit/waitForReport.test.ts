/**
 * What `medic wait-for` prints: the diagnostic line per failed attempt, the summary, the
 * timeout verdict, the --json shape, and the terminal's one updating status line.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createProgressReporter,
  formatAttemptFailure,
  formatStatusLine,
  formatSummary,
  formatTimedOut,
  resultJson,
} from '../../shared/waitFor/report';
import type { Target, WaitResult } from '../../shared/waitFor/types';

const target = (display: string): Target => ({ display, scheme: display.split(':')[0]!, check: async () => {}, secrets: [] });
const pg = target('postgres://app:***@db:5432/app');
const redis = target('redis://cache:6379');

const timedOut: WaitResult = {
  ready: false,
  elapsedMs: 1_990,
  timeoutMs: 2_000,
  targets: [
    { target: pg.display, ready: false, attempts: 6, elapsedMs: 1_990, lastError: 'connect ECONNREFUSED 10.0.0.5:5432' },
    { target: redis.display, ready: true, attempts: 1, elapsedMs: 12 },
  ],
};

describe('wait-for report', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('one diagnostic line per failed attempt: target, attempt, elapsed, the error, the next try', () => {
    expect(formatAttemptFailure({ target: pg, attempt: 3, elapsedMs: 1_240, error: 'FATAL 57P03: the database system is starting up', nextDelayMs: 410 })).toBe(
      'wait-for: postgres://app:***@db:5432/app attempt 3 at 1.24s: FATAL 57P03: the database system is starting up (next in 0.41s)',
    );
    expect(formatAttemptFailure({ target: redis, attempt: 9, elapsedMs: 59_800, error: '-LOADING Redis is loading the dataset in memory', nextDelayMs: undefined })).toBe(
      'wait-for: redis://cache:6379 attempt 9 at 59.8s: -LOADING Redis is loading the dataset in memory (no time left)',
    );
  });

  it('the summary names each target with its time to ready', () => {
    const result: WaitResult = {
      ready: true,
      elapsedMs: 3_204,
      timeoutMs: 90_000,
      targets: [
        { target: pg.display, ready: true, attempts: 5, elapsedMs: 3_204 },
        { target: redis.display, ready: true, attempts: 1, elapsedMs: 8 },
      ],
    };
    expect(formatSummary(result)).toBe('ready in 3.2s: postgres://app:***@db:5432/app 3.2s (5 attempts), redis://cache:6379 0.01s (1 attempt)');
  });

  it('the timeout verdict names the last error of each target not ready', () => {
    expect(formatTimedOut(timedOut)).toEqual([
      'medic wait-for: timed out after 2s, 1 of 2 targets not ready',
      '  postgres://app:***@db:5432/app not ready after 6 attempts, last error: connect ECONNREFUSED 10.0.0.5:5432',
      '  redis://cache:6379 ready after 0.01s (1 attempt)',
    ]);
  });

  it('--json: {ready, targets: [{target, ready, attempts, elapsedMs, lastError?}]}, lastError only when not ready', () => {
    expect(JSON.stringify(resultJson(timedOut))).toBe(
      '{"ready":false,"targets":[{"target":"postgres://app:***@db:5432/app","ready":false,"attempts":6,"elapsedMs":1990,"lastError":"connect ECONNREFUSED 10.0.0.5:5432"},{"target":"redis://cache:6379","ready":true,"attempts":1,"elapsedMs":12}]}',
    );
  });

  it('the status line fits the terminal', () => {
    const line = formatStatusLine(4_200, [[pg, { state: 'waiting', attempt: 5, error: 'connect ECONNREFUSED 10.0.0.5:5432' }], [redis, { state: 'ready', elapsedMs: 12 }]], 60);
    expect(line).toBe('waiting 4.2s | postgres://app:***@db:5432/app #5 connect ...');
    expect(line).toHaveLength(60);
  });

  it('not a terminal (a CI log): plain lines, no escape codes, no status line', () => {
    const written: string[] = [];
    const progress = createProgressReporter([pg, redis], { write: (t) => written.push(t), isTTY: false }, { elapsedMs: () => 0 });

    progress.observer.attemptFailed?.({ target: pg, attempt: 1, elapsedMs: 30, error: 'connect ECONNREFUSED 10.0.0.5:5432', nextDelayMs: 120 });
    progress.observer.ready?.(redis, { target: redis.display, ready: true, attempts: 1, elapsedMs: 12 });
    progress.stop();

    expect(written).toEqual([
      'wait-for: postgres://app:***@db:5432/app attempt 1 at 0.03s: connect ECONNREFUSED 10.0.0.5:5432 (next in 0.12s)\n',
      'wait-for: redis://cache:6379 ready after 0.01s (1 attempt)\n',
    ]);
  });

  it('a terminal: lines scroll above one status line that is redrawn in place, and cleared at the end', () => {
    vi.useFakeTimers();
    const written: string[] = [];
    let elapsed = 0;
    const progress = createProgressReporter([pg], { write: (t) => written.push(t), isTTY: true, columns: 100 }, { elapsedMs: () => elapsed, tickMs: 250 });

    progress.observer.attemptFailed?.({ target: pg, attempt: 1, elapsedMs: 30, error: 'connect ECONNREFUSED 10.0.0.5:5432', nextDelayMs: 120 });
    elapsed = 1_500;
    vi.advanceTimersByTime(250);
    progress.stop();

    expect(written).toEqual([
      'waiting 0s | postgres://app:***@db:5432/app #1',
      '\r\x1b[2Kwait-for: postgres://app:***@db:5432/app attempt 1 at 0.03s: connect ECONNREFUSED 10.0.0.5:5432 (next in 0.12s)\nwaiting 0s | postgres://app:***@db:5432/app #2 connect ECONNREFUSED 10.0.0.5:5432',
      '\r\x1b[2Kwaiting 1.5s | postgres://app:***@db:5432/app #2 connect ECONNREFUSED 10.0.0.5:5432',
      '\r\x1b[2K',
    ]);
    vi.advanceTimersByTime(1_000);
    expect(written).toHaveLength(4); // stopped: no more redraws
  });

  it('a pseudo-terminal that reports 0 columns gets 80', () => {
    const written: string[] = [];
    const progress = createProgressReporter([pg], { write: (t) => written.push(t), isTTY: true, columns: 0 }, { elapsedMs: () => 0 });
    progress.stop();
    expect(written[0]).toBe('waiting 0s | postgres://app:***@db:5432/app #1');
  });
});
