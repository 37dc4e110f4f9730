/**
 * The waiting loop on a fake clock: attempts, backoff, per-attempt deadlines and the overall
 * timeout, with scripted probes. No real time passes; the numbers are exact.
 */
import { seededRandom } from '../../cli/local/seededRandom';
import { describe, expect, it } from 'vitest';
import { backoffSchedule } from '../../shared/waitFor/backoff';
import { ProbeError } from '../../shared/waitFor/errors';
import { formatTimedOut } from '../../shared/waitFor/report';
import type { AttemptFailure, Check, Target } from '../../shared/waitFor/types';
import { EXIT_TIMED_OUT, type Sleep, waitForTargets } from '../../shared/waitFor/waitForTargets';


/**
 * Virtual time: `sleep` registers a timer; `run` lets every pending promise settle, then jumps
 * the clock to the next timer, until the awaited promise settles.
 */
class FakeTime {
  now = 0;
  private timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  private seq = 0;
  readonly clock = { now: () => this.now };
  readonly sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = { at: this.now + ms, seq: this.seq++, fire: resolve };
      this.timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      });
    });

  async run<T>(promise: Promise<T>): Promise<T> {
    let outcome: { value: T } | { error: unknown } | undefined;
    promise.then(
      (value) => (outcome = { value }),
      (error: unknown) => (outcome = { error }),
    );
    for (let steps = 0; steps < 100_000; steps++) {
      // A real macrotask: every microtask (and the loop's setTimeout(0) safety net) has run.
      await new Promise((r) => setTimeout(r, 0));
      if (outcome !== undefined) {
        if ('error' in outcome) throw outcome.error;
        return outcome.value;
      }
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (next === undefined) continue; // something real is pending (the safety net's setTimeout)
      this.now = next.at;
      next.fire();
    }
    throw new Error('the loop never settled');
  }
}

/** A probe that takes `tookMs` per attempt and answers from a script (an Error: not ready; 'ready'). */
function scripted(time: FakeTime, script: Array<string | 'ready'>, tookMs = 10): Check & { calls: number } {
  const check = Object.assign(
    async () => {
      const step = script[Math.min(check.calls, script.length - 1)]!;
      check.calls++;
      await time.sleep(tookMs);
      if (step !== 'ready') throw new ProbeError(step);
    },
    { calls: 0 },
  );
  return check;
}

/** A server that accepts and never answers: the probe waits until its signal says time is up. */
const blackHole: Check = ({ signal, timeoutMs }) =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(new ProbeError(`timeout after ${timeoutMs / 1000}s waiting for the answer to SSLRequest`))));

const target = (display: string, check: Check, secrets: string[] = []): Target => ({ display, scheme: display.split(':')[0]!, check, secrets });

describe('wait-for loop', () => {
  it('is ready after the third attempt; it slept the seeded backoff schedule in between', async () => {
    const time = new FakeTime();
    const check = scripted(time, ['connect ECONNREFUSED 127.0.0.1:5432', 'FATAL 57P03: the database system is starting up', 'ready']);
    const failures: AttemptFailure[] = [];

    const result = await time.run(
      waitForTargets([target('postgres://app@db:5432/app', check)], {
        clock: time.clock,
        sleep: time.sleep,
        random: seededRandom(1),
        timeoutMs: 60_000,
        observer: { attemptFailed: (f) => failures.push(f) },
      }),
    );

    const [first, second] = backoffSchedule(2, seededRandom(1));
    expect(result).toEqual({
      ready: true,
      elapsedMs: 30 + first! + second!,
      timeoutMs: 60_000,
      targets: [{ target: 'postgres://app@db:5432/app', ready: true, attempts: 3, elapsedMs: 30 + first! + second! }],
    });
    expect(failures.map((f) => [f.attempt, f.elapsedMs, f.error, f.nextDelayMs])).toEqual([
      [1, 10, 'connect ECONNREFUSED 127.0.0.1:5432', first],
      [2, 20 + first!, 'FATAL 57P03: the database system is starting up', second],
    ]);
  });

  it('runs the targets concurrently: the wait lasts as long as the slowest, not the sum', async () => {
    const time = new FakeTime();
    const slow = scripted(time, ['HTTP 503 Service Unavailable', 'HTTP 503 Service Unavailable', 'ready'], 1_000);
    const fast = scripted(time, ['ready'], 5);

    const result = await time.run(
      waitForTargets([target('http://api/healthz', slow), target('redis://cache:6379', fast)], { clock: time.clock, sleep: time.sleep, random: () => 0.5 }),
    );

    // slow: 1000 + 125 (half of 250) + 1000 + 250 (half of 500) + 1000
    expect(result.elapsedMs).toBe(3_375);
    expect(result.targets.map((t) => [t.target, t.ready, t.attempts, t.elapsedMs])).toEqual([
      ['http://api/healthz', true, 3, 3_375],
      ['redis://cache:6379', true, 1, 5],
    ]);
  });

  it('times out: not ready, the last error named, no attempt after the deadline; the CLI exits 124', async () => {
    const time = new FakeTime();
    const check = scripted(time, ['connect ECONNREFUSED 127.0.0.1:5432']);
    const failures: AttemptFailure[] = [];

    const result = await time.run(
      waitForTargets([target('postgres://app@db:5432/app', check)], {
        clock: time.clock,
        sleep: time.sleep,
        random: seededRandom(9),
        timeoutMs: 10_000,
        observer: { attemptFailed: (f) => failures.push(f) },
      }),
    );

    expect(result.ready).toBe(false);
    expect(result.targets).toEqual([
      { target: 'postgres://app@db:5432/app', ready: false, attempts: check.calls, elapsedMs: result.elapsedMs, lastError: 'connect ECONNREFUSED 127.0.0.1:5432' },
    ]);
    expect(check.calls).toBeGreaterThanOrEqual(4);
    expect(result.elapsedMs).toBeLessThanOrEqual(10_000);
    expect(failures.at(-1)?.nextDelayMs).toBeUndefined(); // the last failure says there is no next attempt
    expect(failures.slice(0, -1).every((f) => f.nextDelayMs !== undefined)).toBe(true);
    expect(formatTimedOut(result)).toEqual([
      'medic wait-for: timed out after 10s, 1 of 1 target not ready',
      `  postgres://app@db:5432/app not ready after ${check.calls} attempts, last error: connect ECONNREFUSED 127.0.0.1:5432`,
    ]);
    expect(EXIT_TIMED_OUT).toBe(124);
  });

  it('a black-holed server costs 2 s per attempt, not the whole budget; every attempt says it timed out', async () => {
    const time = new FakeTime();
    const failures: AttemptFailure[] = [];

    const result = await time.run(
      waitForTargets([target('postgres://app@10.9.9.9:5432/app', blackHole)], {
        clock: time.clock,
        sleep: time.sleep,
        random: () => 0,
        timeoutMs: 7_000,
        observer: { attemptFailed: (f) => failures.push(f) },
      }),
    );

    // random 0: no backoff; attempts at 0, 2000, 4000 (2 s each), then 6000 with the 1 s left.
    expect(failures.map((f) => [f.attempt, f.elapsedMs, f.error])).toEqual([
      [1, 2_000, 'timeout after 2s waiting for the answer to SSLRequest'],
      [2, 4_000, 'timeout after 2s waiting for the answer to SSLRequest'],
      [3, 6_000, 'timeout after 2s waiting for the answer to SSLRequest'],
      [4, 7_000, 'timeout after 1s waiting for the answer to SSLRequest'],
    ]);
    expect(result.elapsedMs).toBe(7_000);
  });

  it('ends an attempt whose probe ignores its deadline (a bug in a probe must not hang CI)', async () => {
    const time = new FakeTime();
    const deaf: Check = () => new Promise(() => {});

    const result = await time.run(waitForTargets([target('tcp://kafka:9092', deaf)], { clock: time.clock, sleep: time.sleep, random: () => 0, timeoutMs: 3_000 }));

    expect(result.targets[0]).toMatchObject({ ready: false, attempts: 2, lastError: 'timeout after 1s' });
    expect(result.elapsedMs).toBe(3_000);
  });

  it('always makes one attempt, even with a timeout shorter than an attempt', async () => {
    const time = new FakeTime();
    const check = scripted(time, ['ready'], 50);

    const result = await time.run(waitForTargets([target('redis://cache:6379', check)], { clock: time.clock, sleep: time.sleep, timeoutMs: 100 }));

    expect(result.targets[0]).toEqual({ target: 'redis://cache:6379', ready: true, attempts: 1, elapsedMs: 50 });
  });

  it('scrubs the password from an error text before anyone sees it', async () => {
    const time = new FakeTime();
    const leaky: Check = async () => {
      throw new ProbeError('auth failed for app:hunter2 (hunter2)');
    };
    const failures: AttemptFailure[] = [];

    const result = await time.run(
      waitForTargets([target('postgres://app:***@db/app', leaky, ['hunter2'])], {
        clock: time.clock,
        sleep: time.sleep,
        timeoutMs: 1_000,
        observer: { attemptFailed: (f) => failures.push(f) },
      }),
    );

    expect(result.targets[0]?.lastError).toBe('auth failed for app:*** (***)');
    expect(failures.every((f) => !f.error.includes('hunter2'))).toBe(true);
  });

  it('reports a thrown non-ProbeError (a bug, a surprise) as the attempt error in one line', async () => {
    const time = new FakeTime();
    const broken: Check = async () => {
      throw new TypeError('Cannot read properties of undefined\n  (reading "x")');
    };

    const result = await time.run(waitForTargets([target('tcp://kafka:9092', broken)], { clock: time.clock, sleep: time.sleep, timeoutMs: 300 }));

    expect(result.targets[0]?.lastError).toBe('Cannot read properties of undefined (reading "x")');
  });
});
