/**
 * `medic wait-for` as CI runs it, a child process, against REAL servers: PostgreSQL and Redis
 * from the Debian packages (test/support/services.globalSetup.ts), a PostgreSQL that starts in
 * the middle of the wait, an HTTP service that answers 503 before 200, a closed port and a
 * port that never answers. Exit codes, stdout, stderr, and never a password.
 */
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../../cli/local/moto';
import { startLatePostgres } from '../support/services.globalSetup';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `medic wait-for ...`; `stderrMatches` resolves once its stderr matches (to act mid-wait). */
function medic(...args: string[]): { done: Promise<Run>; stderrMatches(pattern: RegExp): Promise<void> } {
  const child = spawn(process.execPath, ['bin/medic.mjs', 'wait-for', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of watchers.filter((w) => w.pattern.test(stderr))) w.resolve();
  });
  const done = new Promise<Run>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return {
    done,
    stderrMatches: (pattern) =>
      new Promise((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        watchers.push({ pattern, resolve });
        void done.then(() => reject(new Error(`medic exited before stderr matched ${pattern}:\n${stderr}`)));
      }),
  };
}

const diagnosticLines = (stderr: string): string[] => stderr.split('\n').filter((l) => / attempt \d+ at /.test(l));

const closers: Array<() => void> = [];
afterAll(() => closers.forEach((close) => close()));

// Each case runs its own child process; they share no server state, so they run side by side.
describe.concurrent('medic wait-for, real servers', () => {
  const services = inject('services');
  const { postgres, redis, redisAuth } = services;

  it('PostgreSQL and Redis both ready: exit 0, a summary line with each time to ready, no password anywhere', async () => {
    const scramUrl = `postgres://${postgres.scram.user}:${encodeURIComponent(postgres.scram.password)}@127.0.0.1:${postgres.port}/postgres`;
    const redisUrl = `redis://:${redisAuth.password}@127.0.0.1:${redisAuth.port}`;

    const { code, stdout, stderr } = await medic(scramUrl, redisUrl, postgres.url, redis.url, '--timeout', '30').done;

    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `^ready in [\\d.]+s: postgres://medic_scram:\\*\\*\\*@127\\.0\\.0\\.1:${postgres.port}/postgres [\\d.]+s \\(1 attempt\\), ` +
          `redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redisAuth.port} [\\d.]+s \\(1 attempt\\), ` +
          `postgres://postgres@127\\.0\\.0\\.1:${postgres.port}/postgres [\\d.]+s \\(1 attempt\\), ` +
          `redis://127\\.0\\.0\\.1:${redis.port} [\\d.]+s \\(1 attempt\\)\\n$`,
      ),
    );
    const lines = stderr.split('\n').filter((l) => l.startsWith('wait-for:'));
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => / ready after [\d.]+s \(1 attempt\)$/.test(l))).toBe(true);
    for (const secret of [postgres.scram.password, encodeURIComponent(postgres.scram.password), redisAuth.password]) {
      expect(stdout + stderr).not.toContain(secret);
    }
  });

  it('a PostgreSQL that starts 2 s into the wait: ready after several attempts, each failed one on stderr', async () => {
    const run = medic(services.late.url, '--timeout', '60', '--json');
    await run.stderrMatches(/ attempt 1 at /);
    await new Promise((r) => setTimeout(r, 2_000));
    await startLatePostgres(services);

    const { code, stdout, stderr } = await run.done;

    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { ready: boolean; targets: Array<{ target: string; ready: boolean; attempts: number; elapsedMs: number }> };
    expect(result.ready).toBe(true);
    expect(result.targets).toHaveLength(1);
    expect(result.targets[0]).toMatchObject({ target: services.late.url, ready: true });
    expect(result.targets[0]!.attempts).toBeGreaterThanOrEqual(3);
    expect(result.targets[0]!.elapsedMs).toBeGreaterThanOrEqual(2_000);
    const failures = diagnosticLines(stderr);
    expect(failures).toHaveLength(result.targets[0]!.attempts - 1);
    for (const line of failures) {
      // Refused until the postmaster listens; "starting up" if an attempt lands during its start-up.
      expect(line).toMatch(
        new RegExp(`^wait-for: postgres://postgres@127\\.0\\.0\\.1:${services.late.port}/postgres attempt \\d+ at [\\d.]+s: (connect ECONNREFUSED 127\\.0\\.0\\.1:${services.late.port}|FATAL 57P03: the database system is starting up) \\(next in [\\d.]+s\\)$`),
      );
    }
  }, 90_000);

  it('an HTTP service that answers 503 for 1.5 s, then 200: ready, the 503s on stderr', async () => {
    let firstRequestAt: number | undefined;
    const server = createHttpServer((_, res) => {
      firstRequestAt ??= Date.now();
      res.writeHead(Date.now() - firstRequestAt < 1_500 ? 503 : 200).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;

    const { code, stdout, stderr } = await medic(url, '--timeout', '30', '--json').done;

    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { targets: Array<{ attempts: number; elapsedMs: number }> };
    expect(result.targets[0]!.attempts).toBeGreaterThanOrEqual(2);
    expect(result.targets[0]!.elapsedMs).toBeGreaterThanOrEqual(1_400);
    expect(diagnosticLines(stderr).length).toBe(result.targets[0]!.attempts - 1);
    expect(diagnosticLines(stderr).every((l) => l.includes(': HTTP 503 Service Unavailable (next in '))).toBe(true);
  });

  it('a closed port with --timeout 2: exit 124, naming ECONNREFUSED, within the 2 s, no password shown', async () => {
    const port = await findFreePort();
    const run = medic(`postgres://app:hunter2@127.0.0.1:${port}/app`, '--timeout', '2');
    await run.stderrMatches(/ attempt 1 at /);
    const waitStartedAt = Date.now();

    const { code, stdout, stderr } = await run.done;

    expect(code).toBe(124);
    expect(stdout).toBe('');
    expect(Date.now() - waitStartedAt).toBeLessThan(3_000);
    const lines = stderr.trim().split('\n');
    expect(lines.slice(-2)).toEqual([
      'medic wait-for: timed out after 2s, 1 of 1 target not ready',
      expect.stringMatching(new RegExp(`^  postgres://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/app not ready after \\d+ attempts, last error: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`)),
    ]);
    expect(diagnosticLines(stderr).length).toBeGreaterThanOrEqual(3);
    expect(stderr).not.toContain('hunter2');
  });

  it('Redis with a password required and none given: -NOAUTH reported, not ready, exit 124', async () => {
    const { code, stdout, stderr } = await medic(redisAuth.url, '--timeout', '1', '--json').done;

    expect(code).toBe(124);
    expect(JSON.parse(stdout)).toEqual({
      ready: false,
      targets: [{ target: redisAuth.url, ready: false, attempts: expect.any(Number), elapsedMs: expect.any(Number), lastError: '-NOAUTH Authentication required.' }],
    });
    expect(diagnosticLines(stderr)[0]).toMatch(/ attempt 1 at [\d.]+s: -NOAUTH Authentication required\. \(next in [\d.]+s\)$/);
    expect(stderr).toContain(`  ${redisAuth.url} not ready after `);
  });

  it('a port that accepts and never answers: each attempt gives up after 2 s, not the whole budget', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    closers.push(() => silent.close());
    const port = (silent.address() as AddressInfo).port;

    const { code, stdout, stderr } = await medic(`postgres://app@127.0.0.1:${port}/app`, '--timeout', '3', '--json').done;

    expect(code).toBe(124);
    const result = JSON.parse(stdout) as { targets: Array<{ attempts: number; elapsedMs: number; lastError: string }> };
    expect(result.targets[0]!.attempts).toBe(2);
    expect(result.targets[0]!.elapsedMs).toBeLessThan(3_500);
    expect(result.targets[0]!.lastError).toMatch(/^timeout after [\d.]+s waiting for the answer to SSLRequest$/);
    expect(diagnosticLines(stderr)[0]).toMatch(/ attempt 1 at 2(\.\d+)?s: timeout after 2s waiting for the answer to SSLRequest /);
  });
});
