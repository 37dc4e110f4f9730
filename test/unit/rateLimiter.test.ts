import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../shared/notify/rateLimiter';

describe('Notify: rate limiter', () => {
  it('lets one call per interval through, queueing the rest in order', async () => {
    let clock = 10_000;
    const waits: number[] = [];
    const limiter = createRateLimiter({ minIntervalMs: 1000, now: () => clock, sleep: async (ms) => void waits.push(ms) });
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    expect(waits).toEqual([1000, 2000]);

    clock += 5000; // idle long enough: the next call goes at once
    await limiter.acquire();
    expect(waits).toEqual([1000, 2000]);
    clock += 300;
    await limiter.acquire();
    expect(waits).toEqual([1000, 2000, 700]);
  });
});
