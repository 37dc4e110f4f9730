/**
 * `medic wait-for` usage: what is refused (exit 2, one line on stderr, nothing on stdout,
 * DESIGN.md 4.2) and how. The messages are checked on the command itself (fast); the
 * contract around them on a child process, as CI runs it. Real servers:
 * test/integration/waitFor.test.ts.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { waitForCommand } from '../../cli/commands/waitFor';

const run = promisify(execFile);

async function medic(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/medic.mjs', 'wait-for', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The usage error `wait-for ARGS` raises, before it waits for anything. */
async function refusal(args: string[]): Promise<string> {
  try {
    await waitForCommand.run(args);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('medic wait-for: usage', () => {
  it.each([
    ['no target', [], 'at least one TARGET is required (schemes: postgres, postgresql, redis, http, https, tcp)'],
    ['an unknown scheme', ['mysql://root:hunter2@db:3306/app'], 'unknown scheme "mysql" in mysql://root:***@db:3306/app (schemes: postgres, postgresql, redis, http, https, tcp)'],
    ['a host and port without a scheme', ['db:5432'], /^"db:5432" is not a target URL \(postgres:\/\/USER:PASS@HOST:PORT\/DB, /],
    ['a bad URL', ['postgres://app:hunter2@db:54x32/app'], '"postgres://app:***@db:54x32/app" is not a valid URL'],
    ['a tcp target without a port', ['tcp://kafka'], 'tcp://kafka: no port (tcp://HOST:PORT)'],
    ['a postgres target without a user', ['postgres://db:5432/app'], 'postgres://db:5432/app: no user (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)'],
    ['a timeout of 0', ['tcp://kafka:9092', '--timeout', '0'], '--timeout "0" is not a number of seconds (more than 0, at most 86400)'],
    ['a negative timeout', ['tcp://kafka:9092', '--timeout=-5'], '--timeout "-5" is not a number of seconds (more than 0, at most 86400)'],
    ['a timeout with a unit', ['tcp://kafka:9092', '--timeout', '90s'], '--timeout "90s" is not a number of seconds (more than 0, at most 86400)'],
    ['a timeout in milliseconds by mistake', ['tcp://kafka:9092', '--timeout', '90000000'], '--timeout "90000000" is not a number of seconds (more than 0, at most 86400)'],
  ])('%s', async (_, args, message) => {
    const refused = await refusal(args);
    if (typeof message === 'string') expect(refused).toBe(message);
    else expect(refused).toMatch(message);
    expect(refused).not.toContain('hunter2');
  });

  it('accepts a fractional timeout', async () => {
    // 0.05 s against a closed port: it runs, times out, and says so with 124 (no usage error).
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await waitForCommand.run(['tcp://127.0.0.1:1', '--timeout', '0.05']);
      expect(code).toBe(124);
      expect(stderr.mock.calls.map(([text]) => String(text)).join('')).toContain('medic wait-for: timed out after 0.05s, 1 of 1 target not ready\n');
    } finally {
      stderr.mockRestore();
    }
  });

  it.each([
    ['an unknown scheme, its password hidden', ['mysql://root:hunter2@db:3306/app'], /^medic: unknown scheme "mysql" in mysql:\/\/root:\*\*\*@db:3306\/app \(schemes: [a-z, ]+\)\n$/],
    ['a bad timeout', ['redis://cache:6379', '--timeout', 'soon'], /^medic: --timeout "soon" is not a number of seconds/],
    ['an unknown option', ['redis://cache:6379', '--frobnicate'], /^medic: Unknown option '--frobnicate'/],
  ])('%s: one line on stderr, exit 2, nothing on stdout', async (_, args, message) => {
    const { code, stdout, stderr } = await medic(...args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toContain('hunter2');
  });

  it('--help prints the usage with every scheme and the exit codes', async () => {
    const { code, stdout } = await medic('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^medic wait-for TARGET\.\.\. \[--timeout SECONDS\] \[--json\]\n/);
    for (const scheme of ['postgres, postgresql', 'redis', 'http, https', 'tcp']) expect(stdout).toContain(`\n  ${scheme} `);
    expect(stdout).toContain('Exit code: 0 all ready');
  });
});
