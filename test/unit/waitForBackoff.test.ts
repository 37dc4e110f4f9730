/**
 * The backoff between wait-for attempts: exponential (250 ms, doubling, capped at 5 s) with
 * full jitter. Randomness is a parameter, so these run on a seeded generator and the
 * numbers are the same on every run.
 */
import { seededRandom } from '../../cli/local/seededRandom';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, backoffDelayMs, backoffSchedule, DEFAULT_BACKOFF } from '../../shared/waitFor/backoff';


describe('wait-for backoff', () => {
  describe('ceiling', () => {
    it('starts at 250 ms, doubles, and stops growing at 5 s', () => {
      expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeilingMs(n))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
      expect(DEFAULT_BACKOFF).toEqual({ baseMs: 250, factor: 2, capMs: 5000 });
    });

    it('stays at the cap however many retries (no Infinity, no NaN after 2^1024)', () => {
      expect(backoffCeilingMs(10_000)).toBe(5000);
      expect(backoffDelayMs(10_000, () => 0.5)).toBe(2500);
    });
  });

  describe('full jitter', () => {
    it('is the random fraction of the ceiling: 0 at one end, the ceiling at the other', () => {
      expect(backoffSchedule(7, () => 0)).toEqual([0, 0, 0, 0, 0, 0, 0]);
      expect(backoffSchedule(7, () => 0.5)).toEqual([125, 250, 500, 1000, 2000, 2500, 2500]);
      expect(backoffSchedule(7, () => 0.999_999_9)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    });

    it('with a seeded generator, the schedule is the same every time (what the loop tests rely on)', () => {
      expect(backoffSchedule(8, seededRandom(42))).toEqual(backoffSchedule(8, seededRandom(42)));
      expect(backoffSchedule(8, seededRandom(42))).not.toEqual(backoffSchedule(8, seededRandom(43)));
    });

    it('every delay is an integer in [0, ceiling] (1000 seeds x 20 retries)', () => {
      for (let seed = 1; seed <= 1000; seed++) {
        backoffSchedule(20, seededRandom(seed)).forEach((delay, retry) => {
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(backoffCeilingMs(retry));
        });
      }
    });

    it('spreads retries over the whole range: at the cap, the mean is near 2.5 s and both halves are used', () => {
      const random = seededRandom(7);
      const delays = Array.from({ length: 10_000 }, () => backoffDelayMs(12, random));
      const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
      expect(mean).toBeGreaterThan(2400);
      expect(mean).toBeLessThan(2600);
      expect(delays.filter((d) => d < 500).length).toBeGreaterThan(800); // ~10% expected
      expect(delays.filter((d) => d > 4500).length).toBeGreaterThan(800);
    });

    it('holds for any policy and any generator value (property)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 200 }),
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
          fc.integer({ min: 1, max: 10_000 }),
          fc.double({ min: 1, max: 4, noNaN: true }),
          fc.integer({ min: 1, max: 600_000 }),
          (retry, r, baseMs, factor, capMs) => {
            const policy = { baseMs, factor, capMs };
            const delay = backoffDelayMs(retry, () => r, policy);
            const ceiling = backoffCeilingMs(retry, policy);
            return delay >= 0 && delay <= ceiling && ceiling <= capMs && Number.isInteger(delay);
          },
        ),
      );
    });
  });
});
