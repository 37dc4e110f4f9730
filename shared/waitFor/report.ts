/**
 * What `medic wait-for` prints. The lines are pure functions of the loop's events and result;
 * {@link createProgressReporter} writes them to stderr: plain lines in a CI log, and on a
 * terminal the same lines scrolling above one status line that updates in place.
 */
import { formatDuration } from './duration';
import type { AttemptFailure, Target, TargetResult, WaitObserver, WaitResult } from './types';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * @example
 * formatAttemptFailure({ target, attempt: 3, elapsedMs: 1240, error: 'connect ECONNREFUSED 127.0.0.1:5432', nextDelayMs: 410 });
 * // 'wait-for: postgres://app:***@127.0.0.1:5432/app attempt 3 at 1.24s: connect ECONNREFUSED 127.0.0.1:5432 (next in 0.41s)'
 */
export function formatAttemptFailure(failure: AttemptFailure): string {
  const next = failure.nextDelayMs === undefined ? ' (no time left)' : ` (next in ${formatDuration(failure.nextDelayMs)})`;
  return `wait-for: ${failure.target.display} attempt ${failure.attempt} at ${formatDuration(failure.elapsedMs)}: ${failure.error}${next}`;
}

/** @example formatReady(result); // 'wait-for: redis://127.0.0.1:6379 ready after 0.01s (1 attempt)' */
export function formatReady(result: TargetResult): string {
  return `wait-for: ${result.target} ready after ${formatDuration(result.elapsedMs)} (${plural(result.attempts, 'attempt')})`;
}

/**
 * The closing line when every target is ready, each with its time to ready.
 *
 * @example
 * formatSummary(result);
 * // 'ready in 3.2s: postgres://app:***@db:5432/app 3.2s (5 attempts), redis://db:6379 0.01s (1 attempt)'
 */
export function formatSummary(result: WaitResult): string {
  const each = result.targets.map((t) => `${t.target} ${formatDuration(t.elapsedMs)} (${plural(t.attempts, 'attempt')})`);
  return `ready in ${formatDuration(result.elapsedMs)}: ${each.join(', ')}`;
}

/**
 * The verdict when time ran out: a headline, then one line per target, the ones not ready
 * with their last error.
 *
 * @example
 * formatTimedOut(result).join('\n');
 * // medic wait-for: timed out after 2s, 1 of 2 targets not ready
 * //   tcp://127.0.0.1:1 not ready after 4 attempts, last error: connect ECONNREFUSED 127.0.0.1:1
 * //   redis://127.0.0.1:6379 ready after 0.01s (1 attempt)
 */
export function formatTimedOut(result: WaitResult): string[] {
  const notReady = result.targets.filter((t) => !t.ready);
  return [
    `medic wait-for: timed out after ${formatDuration(result.timeoutMs)}, ${notReady.length} of ${plural(result.targets.length, 'target')} not ready`,
    ...result.targets.map((t) =>
      t.ready
        ? `  ${t.target} ready after ${formatDuration(t.elapsedMs)} (${plural(t.attempts, 'attempt')})`
        : `  ${t.target} not ready after ${plural(t.attempts, 'attempt')}, last error: ${t.lastError}`,
    ),
  ];
}

/** The stdout JSON of `--json`: exactly these fields, in this order. */
export function resultJson(result: WaitResult): { ready: boolean; targets: TargetResult[] } {
  return {
    ready: result.ready,
    targets: result.targets.map(({ target, ready, attempts, elapsedMs, lastError }) => ({ target, ready, attempts, elapsedMs, ...(lastError === undefined ? {} : { lastError }) })),
  };
}

/** Where a target stands, for the status line. */
export type TargetState = { state: 'waiting'; attempt: number; error?: string } | { state: 'ready'; elapsedMs: number } | { state: 'gave up'; error: string };

/**
 * The one status line of a terminal, cut to its width.
 *
 * @example
 * formatStatusLine(4200, [[target, { state: 'waiting', attempt: 5, error: 'connect ECONNREFUSED 127.0.0.1:5432' }]], 80);
 * // 'waiting 4.2s | postgres://app:***@127.0.0.1:5432/app #5 connect ECONNREFUSED 127.0.0.1:5432'
 */
export function formatStatusLine(elapsedMs: number, states: ReadonlyArray<readonly [Target, TargetState]>, width: number): string {
  const parts = states.map(([target, s]) => {
    if (s.state === 'ready') return `${target.display} ready ${formatDuration(s.elapsedMs)}`;
    if (s.state === 'gave up') return `${target.display} not ready: ${s.error}`;
    return `${target.display} #${s.attempt}${s.error ? ` ${s.error}` : ''}`;
  });
  const line = `waiting ${formatDuration(elapsedMs)} | ${parts.join(' | ')}`;
  return line.length > width ? `${line.slice(0, Math.max(0, width - 3))}...` : line;
}

/** The part of a stream the reporter uses (process.stderr, or a fake in tests). */
export interface ReportStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressReporterOptions {
  /** Milliseconds since the wait started, for the status line. */
  elapsedMs(): number;
  /** How often the status line's clock is redrawn on a terminal. Default 250 ms. */
  tickMs?: number;
}

export interface ProgressReporter {
  observer: WaitObserver;
  /** Clears the status line and stops its timer; call once the wait is over. */
  stop(): void;
}

const CLEAR_LINE = '\r\x1b[2K';

/**
 * Diagnostic lines on `stream` for every failed attempt and every target that becomes ready.
 * When `stream` is a terminal, one status line stays at the bottom and updates in place.
 *
 * @example
 * const progress = createProgressReporter(targets, process.stderr, { elapsedMs: () => performance.now() - started });
 * const result = await waitForTargets(targets, { observer: progress.observer });
 * progress.stop();
 */
export function createProgressReporter(targets: readonly Target[], stream: ReportStream, options: ProgressReporterOptions): ProgressReporter {
  const tty = stream.isTTY === true;
  const states = new Map<Target, TargetState>(targets.map((t) => [t, { state: 'waiting', attempt: 1 }]));
  // A pseudo-terminal without a size reports 0 columns.
  const width = (): number => Math.max(20, (stream.columns || 80) - 1);
  const status = (): string => formatStatusLine(options.elapsedMs(), [...states], width());
  const print = (line: string): void => {
    stream.write(tty ? `${CLEAR_LINE}${line}\n${status()}` : `${line}\n`);
  };
  const timer = tty ? setInterval(() => stream.write(`${CLEAR_LINE}${status()}`), options.tickMs ?? 250) : undefined;
  timer?.unref();
  if (tty) stream.write(status());

  return {
    observer: {
      attemptFailed(failure) {
        states.set(failure.target, { state: 'waiting', attempt: failure.attempt + 1, error: failure.error });
        print(formatAttemptFailure(failure));
      },
      ready(target, result) {
        states.set(target, { state: 'ready', elapsedMs: result.elapsedMs });
        print(formatReady(result));
      },
      gaveUp(target, result) {
        states.set(target, { state: 'gave up', error: result.lastError ?? '' });
      },
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      if (tty) stream.write(CLEAR_LINE);
    },
  };
}
