/**
 * The waiting loop of `medic wait-for`: every target concurrently, each attempt under its own
 * deadline (a black-holed port costs 2 s, not the whole budget), full-jitter exponential
 * backoff between attempts, and one overall deadline. Time is injected (clock, sleep, random),
 * so the unit tests run the loop on a fake clock.
 */
import { backoffDelayMs, type BackoffPolicy, DEFAULT_BACKOFF } from './backoff';
import { formatDuration } from './duration';
import { oneLine, ProbeError } from './errors';
import { scrubSecrets } from './redact';
import type { Check, Target, TargetResult, WaitObserver, WaitResult } from './types';

export const DEFAULT_TIMEOUT_MS = 60_000;
/** Per attempt: a port that swallows SYNs, or a server that accepts and never answers, costs this much. */
export const ATTEMPT_TIMEOUT_MS = 2_000;
/** No attempt starts with less time than this left: it could not succeed, only print a timeout. */
export const MIN_ATTEMPT_MS = 250;
/** GNU timeout's exit code, what CI scripts already know as "timed out". */
export const EXIT_TIMED_OUT = 124;

/** Monotonic milliseconds. */
export interface Clock {
  now(): number;
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects); clears its timer either way. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface WaitOptions {
  /** The whole wait. Default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Each attempt, capped by the time left. Default {@link ATTEMPT_TIMEOUT_MS}. */
  attemptTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Uniform over [0, 1): the jitter. Default `Math.random`. */
  random?: () => number;
  clock?: Clock;
  sleep?: Sleep;
  observer?: WaitObserver;
}

export const systemClock: Clock = { now: () => performance.now() };

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Waits until every target is ready or the time is up; never throws for a target that is not
 * ready (its last error is in the result).
 *
 * @example
 * const result = await waitForTargets([parseTarget('postgres://app@127.0.0.1:5432/app'), parseTarget('redis://127.0.0.1:6379')], { timeoutMs: 90_000 });
 * result.ready; // true
 * result.targets; // [{ target: 'postgres://app@127.0.0.1:5432/app', ready: true, attempts: 3, elapsedMs: 2140 }, ...]
 */
export async function waitForTargets(targets: readonly Target[], options: WaitOptions = {}): Promise<WaitResult> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const startedAt = clock.now();
  const loop: Loop = {
    clock,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    attemptTimeoutMs: options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS,
    observer: options.observer ?? {},
    startedAt,
    deadline: startedAt + timeoutMs,
  };
  const results = await Promise.all(targets.map((target) => waitForOne(target, loop)));
  return { ready: results.every((r) => r.ready), elapsedMs: Math.round(clock.now() - startedAt), timeoutMs, targets: results };
}

interface Loop {
  clock: Clock;
  sleep: Sleep;
  random: () => number;
  backoff: BackoffPolicy;
  attemptTimeoutMs: number;
  observer: WaitObserver;
  startedAt: number;
  deadline: number;
}

async function waitForOne(target: Target, loop: Loop): Promise<TargetResult> {
  const { clock, observer } = loop;
  const elapsed = (): number => Math.round(clock.now() - loop.startedAt);
  const minAttempt = Math.min(MIN_ATTEMPT_MS, loop.attemptTimeoutMs);
  let lastError = '';
  let attempts = 0;
  // The first attempt always runs; the next ones while one still has minAttempt before the deadline.
  for (;;) {
    attempts++;
    const budget = Math.max(1, Math.min(loop.attemptTimeoutMs, loop.deadline - clock.now()));
    try {
      await attempt(target.check, budget, loop.sleep);
      const result: TargetResult = { target: target.display, ready: true, attempts, elapsedMs: elapsed() };
      observer.ready?.(target, result);
      return result;
    } catch (error) {
      lastError = scrubSecrets(oneLine(error instanceof Error ? error.message || error.name : String(error)), target.secrets);
    }
    // Full jitter, but never past the point where one last attempt still has MIN_ATTEMPT_MS.
    const spare = loop.deadline - clock.now() - minAttempt;
    const delay = spare > 0 ? Math.min(backoffDelayMs(attempts - 1, loop.random, loop.backoff), spare) : undefined;
    observer.attemptFailed?.({ target, attempt: attempts, elapsedMs: elapsed(), error: lastError, nextDelayMs: delay });
    if (delay === undefined) break;
    await loop.sleep(delay);
  }
  const result: TargetResult = { target: target.display, ready: false, attempts, elapsedMs: elapsed(), lastError };
  observer.gaveUp?.(target, result);
  return result;
}

/**
 * One attempt under its own deadline. The probe gets a signal that aborts at the deadline and
 * must reject then (saying what it was doing); should one not, the attempt still ends.
 */
async function attempt(check: Check, budgetMs: number, sleep: Sleep): Promise<void> {
  const deadline = new AbortController();
  const done = new AbortController();
  void sleep(budgetMs, done.signal).then(() => {
    if (!done.signal.aborted) deadline.abort();
  });
  const overdue = new Promise<never>((_, reject) => {
    // A macrotask later: a probe that honours the signal reports first, with its own words.
    deadline.signal.addEventListener('abort', () => setTimeout(() => reject(new ProbeError(`timeout after ${formatDuration(budgetMs)}`)), 0), { once: true });
  });
  overdue.catch(() => {});
  try {
    await Promise.race([check({ signal: deadline.signal, timeoutMs: budgetMs }), overdue]);
  } finally {
    done.abort();
  }
}
