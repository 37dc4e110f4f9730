/**
 * Exponential backoff with full jitter (the AWS Architecture Blog's "full jitter"): the n-th
 * retry sleeps a uniformly random time in [0, min(cap, base * factor^n)]. Many CI jobs
 * waiting on one service do not retry in lockstep, and a slow service is not hammered.
 * Pure: the randomness is a parameter, so tests pass a seeded generator.
 */

export interface BackoffPolicy {
  /** The ceiling of the first retry, in ms. */
  baseMs: number;
  /** How much the ceiling grows per retry. */
  factor: number;
  /** The ceiling never exceeds this, in ms. */
  capMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = { baseMs: 250, factor: 2, capMs: 5_000 };

/**
 * The ceiling of retry `retry` (0-based): `min(capMs, baseMs * factor^retry)`.
 *
 * @example
 * [0, 1, 2, 3, 4, 5, 6].map((n) => backoffCeilingMs(n)); // [250, 500, 1000, 2000, 4000, 5000, 5000]
 */
export function backoffCeilingMs(retry: number, policy: Readonly<BackoffPolicy> = DEFAULT_BACKOFF): number {
  return Math.min(policy.capMs, policy.baseMs * policy.factor ** retry);
}

/**
 * How long to sleep before retry `retry` (0-based): full jitter, an integer in [0, ceiling].
 *
 * @param random a uniform generator over [0, 1) (`Math.random`, or a seeded one in tests)
 * @example
 * backoffDelayMs(3, () => 0.5); // 1000: half of min(5000, 250 * 2^3)
 */
export function backoffDelayMs(retry: number, random: () => number, policy: Readonly<BackoffPolicy> = DEFAULT_BACKOFF): number {
  // Uniform over the integers 0..ceiling: both ends included, never above the ceiling.
  return Math.floor(random() * (Math.floor(backoffCeilingMs(retry, policy)) + 1));
}

/**
 * The first `count` delays of a wait: what a target that never becomes ready sleeps between attempts.
 *
 * @example
 * backoffSchedule(4, () => 1); // [250, 500, 1000, 2000]
 */
export function backoffSchedule(count: number, random: () => number, policy: Readonly<BackoffPolicy> = DEFAULT_BACKOFF): number[] {
  return Array.from({ length: count }, (_, retry) => backoffDelayMs(retry, random, policy));
}
