/**
 * Test helper: run a private `moto_server` (moto 5.x, Python) for integration tests.
 *
 * Usage:
 *
 *   const moto = await startMoto();
 *   const ecs = new ECSClient(localClientConfig(moto.endpoint)  // from ./localAws);
 *   ...
 *   await moto.reset(); // wipe all mocked AWS state between tests
 *   await moto.stop();  // kill the server (whole process group) and wait for it
 *
 * Normally you do not call this directly: `moto.globalSetup.ts` starts one server
 * for the whole vitest run and tests read its URL with `inject('motoEndpoint')`.
 *
 * Design notes:
 * - The port is picked by the OS (listen on port 0), so parallel runs never clash.
 *   There is a tiny window between releasing the probe socket and moto binding the
 *   port; if moto loses that race it exits with "Address already in use" and we
 *   retry on a new port.
 * - The child runs in its own process group (`detached: true`). `moto_server` is
 *   often a shim (pyenv / pipx / venv wrapper) that may fork the real Python
 *   process, so we signal the whole group rather than just the direct child.
 * - stdout/stderr are kept in a bounded in-memory buffer so that start-up failures
 *   can show the tail of moto's own log instead of a bare timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A running moto_server instance. */
export interface MotoServer {
  /** Base URL for SDK clients, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  readonly port: number;
  /** `POST /moto-api/reset`: drops every mocked resource in every service/region. */
  reset(): Promise<void>;
  /** Kills the server's process group and resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /**
   * Extra environment for moto_server, e.g. `{ MOTO_ECS_SERVICE_RUNNING: '2' }`
   * (moto reads a few behaviour switches from env vars at request time).
   */
  readonly env?: Readonly<Record<string, string>>;
  /** How many times to poll for readiness (default 200, i.e. roughly 20 s at 100 ms). */
  readonly readyTries?: number;
}

const HOST = '127.0.0.1';
const POLL_INTERVAL_MS = 100;
const DEFAULT_READY_TRIES = 200;
const MAX_PORT_ATTEMPTS = 3;
const LOG_LIMIT_BYTES = 64 * 1024;
const STOP_GRACE_MS = 5_000;

/** Ask the OS for a currently free TCP port on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`unexpected server address: ${String(address)}`));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** Keeps only the last LOG_LIMIT_BYTES of the child's combined output. */
class LogTail {
  private chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > LOG_LIMIT_BYTES && this.chunks.length > 1) {
      const dropped = this.chunks.shift();
      this.size -= dropped?.length ?? 0;
    }
  }

  /** Last `lines` lines of output, for error messages. */
  tail(lines = 40): string {
    const text = Buffer.concat(this.chunks).toString('utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Why the child is gone, if it is; `undefined` while it is still running. */
interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
}

/** Wraps a spawned child so callers can await exit at any time (even after the fact). */
function trackExit(child: ChildProcess): { exited: Promise<ExitInfo>; current(): ExitInfo | undefined } {
  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    // 'error' fires instead of 'exit' when the binary cannot be spawned at all (ENOENT).
    child.once('error', (error: NodeJS.ErrnoException) => {
      info ??= { code: null, signal: null, error };
      resolve(info);
    });
    child.once('exit', (code, signal) => {
      info ??= { code, signal };
      resolve(info);
    });
  });
  return { exited, current: () => info };
}

/** Send `signal` to the child's whole process group; ignore "no such process". */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function isReady(endpoint: string): Promise<boolean> {
  try {
    // Any HTTP answer from moto's own API means the server loop is up.
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer(); // drain the body so the socket is released
    return res.ok;
  } catch {
    return false; // connection refused / reset / timeout: not up yet
  }
}

class MotoStartError extends Error {
  constructor(
    message: string,
    /** true when retrying on another port may help (port lost to a race). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'MotoStartError';
  }
}

async function startOnce(options: StartMotoOptions): Promise<MotoServer> {
  const port = await findFreePort();
  const endpoint = `http://${HOST}:${port}`;
  const log = new LogTail();

  const child = spawn('moto_server', ['-H', HOST, '-p', String(port)], {
    detached: true, // own process group, so stop() can kill shim + python together
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  child.stdout?.on('data', (c: Buffer) => log.push(c));
  child.stderr?.on('data', (c: Buffer) => log.push(c));
  const exit = trackExit(child);

  // Safety net: never leave an orphaned moto_server behind if the test runner
  // exits without calling stop() (crash, Ctrl-C, forgotten teardown).
  const onProcessExit = (): void => killGroup(child, 'SIGKILL');
  process.once('exit', onProcessExit);

  const describeExit = (info: ExitInfo): string =>
    info.error
      ? info.error.code === 'ENOENT'
        ? 'moto_server is not installed or not on PATH (install it with: pip install "moto[server]")'
        : `could not spawn moto_server: ${info.error.message}`
      : `moto_server exited early (code ${String(info.code)}, signal ${String(info.signal)})`;

  const tries = options.readyTries ?? DEFAULT_READY_TRIES;
  for (let i = 0; i < tries; i++) {
    const early = exit.current();
    if (early) {
      process.removeListener('exit', onProcessExit);
      const tail = log.tail();
      throw new MotoStartError(
        `${describeExit(early)} [port ${port}].\n--- moto_server log tail ---\n${tail || '(no output)'}`,
        /address already in use/i.test(tail),
      );
    }
    if (await isReady(endpoint)) break;
    if (i === tries - 1) {
      killGroup(child, 'SIGKILL');
      await exit.exited;
      process.removeListener('exit', onProcessExit);
      throw new MotoStartError(
        `moto_server did not answer GET ${endpoint}/moto-api/ after ${tries} tries ` +
          `(~${(tries * POLL_INTERVAL_MS) / 1000}s).\n--- moto_server log tail ---\n${log.tail() || '(no output)'}`,
        false,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }

  let stopping: Promise<void> | undefined;

  return {
    endpoint,
    port,

    async reset(): Promise<void> {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      const body = await res.text();
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status} ${body}`);
    },

    stop(): Promise<void> {
      stopping ??= (async () => {
        if (!exit.current()) {
          killGroup(child, 'SIGTERM');
          const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
          await exit.exited;
          clearTimeout(timer);
          // The direct child may exit before grandchildren (shims); sweep the group.
          killGroup(child, 'SIGKILL');
        }
        process.removeListener('exit', onProcessExit);
      })();
      return stopping;
    },
  };
}

/**
 * Start a moto_server on a free 127.0.0.1 port and wait until it answers HTTP.
 * Rejects with the tail of moto's log if it never comes up.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (err instanceof MotoStartError && err.retryable && attempt < MAX_PORT_ATTEMPTS) continue;
      throw err;
    }
  }
}
