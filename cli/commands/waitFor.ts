/**
 * `medic wait-for TARGET... [--timeout SECONDS] [--json]`: the CI step before tests or a
 * deploy that needs PostgreSQL, Redis or an HTTP service up. Exit 0 when every target is
 * ready, 124 when the time ran out, 2 on usage errors (DESIGN.md 4.2). The engine is
 * shared/waitFor; this file parses arguments and chooses what to print where.
 */
import { parseArgs } from 'node:util';
import { TargetError } from '../../shared/waitFor/errors';
import { knownSchemes, PROBES, parseTarget } from '../../shared/waitFor/registry';
import { createProgressReporter, formatSummary, formatTimedOut, resultJson } from '../../shared/waitFor/report';
import { DEFAULT_TIMEOUT_MS, EXIT_TIMED_OUT, systemClock, waitForTargets } from '../../shared/waitFor/waitForTargets';
import { type Command, UsageError } from '../usage';

/** A day: a bigger number is a typo (milliseconds?), not a CI budget. */
const MAX_TIMEOUT_SECONDS = 86_400;

export const waitForCommand: Command = {
  name: 'wait-for',
  summary: 'Wait until PostgreSQL, Redis, HTTP or TCP targets are ready, with backoff (CI, before tests or a deploy)',
  usage: [
    'medic wait-for TARGET... [--timeout SECONDS] [--json]',
    '',
    'Waits for every TARGET at once; each is retried with exponential backoff and full jitter',
    '(250 ms, doubling, at most 5 s apart), each attempt given at most 2 s.',
    '',
    ...PROBES.map((p) => `  ${p.schemes.join(', ').padEnd(20)} ${p.ready}`),
    '',
    `  --timeout SECONDS  the whole wait (default ${DEFAULT_TIMEOUT_MS / 1000})`,
    '  --json             print {ready, targets: [{target, ready, attempts, elapsedMs, lastError?}]} on stdout',
    '',
    'stderr: one line per failed attempt (on a terminal, also a status line that updates in place).',
    'Passwords are never printed: targets are shown as postgres://app:***@db:5432/app.',
    'Exit code: 0 all ready (a summary line on stdout), 124 timed out (each target not ready with',
    'its last error, on stderr), 2 usage error.',
    '',
    'Examples:',
    '  medic wait-for postgres://postgres:postgres@localhost:5432/app redis://localhost:6379 --timeout 90',
    '  medic wait-for "$DATABASE_URL" http://localhost:8080/healthz tcp://localhost:9092',
    '  medic wait-for redis://:secret@cache:6379 --timeout 30 --json',
  ].join('\n'),

  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { timeout: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length === 0) throw new UsageError(`at least one TARGET is required (schemes: ${knownSchemes().join(', ')})`);
    const timeoutMs = parseTimeout(values.timeout);
    const targets = positionals.map((text) => {
      try {
        return parseTarget(text);
      } catch (error) {
        if (error instanceof TargetError) throw new UsageError(error.message);
        throw error;
      }
    });

    const startedAt = systemClock.now();
    const progress = createProgressReporter(targets, process.stderr, { elapsedMs: () => systemClock.now() - startedAt });
    const result = await waitForTargets(targets, { timeoutMs, observer: progress.observer });
    progress.stop();

    if (values.json) process.stdout.write(`${JSON.stringify(resultJson(result))}\n`);
    if (!result.ready) {
      process.stderr.write(`${formatTimedOut(result).join('\n')}\n`);
      return EXIT_TIMED_OUT;
    }
    if (!values.json) process.stdout.write(`${formatSummary(result)}\n`);
    return 0;
  },
};

function parseTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_MS;
  const seconds = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS)) {
    throw new UsageError(`--timeout "${text}" is not a number of seconds (more than 0, at most ${MAX_TIMEOUT_SECONDS})`);
  }
  return Math.round(seconds * 1000);
}
