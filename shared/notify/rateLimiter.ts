/**
 * Spaces calls out: at most one per `minIntervalMs` in this process. Slack allows about one
 * message per second per channel (and per incoming webhook); bursts beyond it are answered
 * with HTTP 429.
 *
 * This waits inside the Lambda, which the handbook otherwise leaves to Step Functions: the
 * waits are at most a second, and there is no state to hand back.
 */
export interface RateLimiter {
  /** Resolves when the next call may go. */
  acquire(): Promise<void>;
}

export interface RateLimiterOptions {
  minIntervalMs: number;
  /** Injectable for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @example
 * const limiter = createRateLimiter({ minIntervalMs: 1000 });
 * await limiter.acquire(); // at once
 * await limiter.acquire(); // about a second later
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  let nextFree = Number.NEGATIVE_INFINITY;
  return {
    async acquire() {
      const at = now();
      const slot = Math.max(at, nextFree);
      // Reserve the slot before waiting, so concurrent callers queue behind each other.
      nextFree = slot + options.minIntervalMs;
      if (slot > at) await wait(slot - at);
    },
  };
}
