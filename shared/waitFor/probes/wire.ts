/**
 * A TCP (or TLS) conversation for the protocol probes: connect, write, read exactly n bytes
 * or one CRLF line, each step under the attempt's signal. Every failure becomes one
 * {@link ProbeError} line that says what happened and during which step:
 * `connect ECONNREFUSED 127.0.0.1:5432`, `timeout after 2s waiting for the startup reply`,
 * `the server closed the connection waiting for the PING reply`.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { formatDuration } from '../duration';
import { ProbeError } from '../errors';
import type { AttemptOptions } from '../types';

/** More than any handshake answer we read; a peer that floods us is not the service we wait for. */
const MAX_BUFFER = 256 * 1024;

/** A socket error in one line; Node's happy-eyeballs connect reports an AggregateError with an empty message. */
export function describeNetError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map((e: unknown) => describeNetError(e)))].join('; ');
  }
  const e = error as NodeJS.ErrnoException;
  return e.message || e.code || String(error);
}

export function attemptTimeout(options: AttemptOptions, phase: string): ProbeError {
  return new ProbeError(`timeout after ${formatDuration(options.timeoutMs)} ${phase}`);
}

export class Wire {
  private buffer: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private failure: ProbeError | undefined;
  private connected = false;
  private ended = false;
  private done = false;
  /** What the conversation is doing now: the tail of a timeout or close message. */
  private phase: string;

  private readonly onData = (chunk: Buffer): void => {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > MAX_BUFFER) this.fail(new ProbeError(`the server sent more than ${MAX_BUFFER} bytes ${this.phase}`));
    this.notify();
  };
  private readonly onConnect = (): void => {
    this.connected = true;
    this.notify();
  };
  private readonly onError = (error: Error): void => this.fail(new ProbeError(describeNetError(error), { cause: error }));
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };
  private readonly onAbort = (): void => {
    this.fail(attemptTimeout(this.options, this.phase));
    this.socket.destroy();
  };

  private constructor(
    private socket: Socket | TLSSocket,
    private readonly options: AttemptOptions,
    phase: string,
  ) {
    this.phase = phase;
    this.attach('connect');
    if (options.signal.aborted) queueMicrotask(this.onAbort);
    else options.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Opens a TCP connection and resolves once it is established.
   *
   * @example
   * const wire = await Wire.connect('127.0.0.1', 6379, { signal, timeoutMs: 2000 });
   * wire.write('PING\r\n');
   * await wire.readLine(); // '+PONG'
   * wire.close();
   */
  static async connect(host: string, port: number, options: AttemptOptions): Promise<Wire> {
    const wire = new Wire(netConnect({ host, port }), options, `connecting to ${host}:${port}`);
    try {
      await wire.until(() => wire.connected);
    } catch (error) {
      wire.destroy();
      throw error;
    }
    return wire;
  }

  /** Upgrades the connection to TLS in place (PostgreSQL's SSLRequest answered `S`). */
  async startTls(tls: ConnectionOptions): Promise<void> {
    this.detachSocket();
    this.socket.on('error', () => {}); // from now on the TLS socket reports its transport's errors
    this.socket = tlsConnect({ ...tls, socket: this.socket as Socket });
    this.connected = false;
    this.phase = 'in the TLS handshake';
    this.attach('secureConnect');
    await this.until(() => this.connected);
  }

  /** Names the step that follows, for timeout and close messages: `waiting for the PING reply`. */
  step(phase: string): void {
    this.phase = phase;
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  /** Exactly `n` bytes. */
  async read(n: number): Promise<Buffer> {
    await this.until(() => this.buffer.length >= n);
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /** One line without its CRLF (Redis replies). */
  async readLine(): Promise<string> {
    await this.until(() => this.buffer.includes('\r\n'));
    const end = this.buffer.indexOf('\r\n');
    const line = this.buffer.subarray(0, end).toString('utf8');
    this.buffer = this.buffer.subarray(end + 2);
    return line;
  }

  /**
   * Ends the conversation politely (`last` is a goodbye message, e.g. PostgreSQL's Terminate)
   * and lets go of the socket. Idempotent.
   */
  close(last?: Buffer): void {
    if (this.done) return;
    this.release();
    if (last === undefined) this.socket.end();
    else this.socket.end(last);
    // A peer that never answers our FIN must not keep the process alive.
    this.socket.setTimeout(1_000, () => this.socket.destroy());
    this.socket.unref();
  }

  /** Drops the connection at once (after a failed attempt). Idempotent. */
  destroy(): void {
    if (this.done) return;
    this.release();
    this.socket.destroy();
  }

  private attach(connectEvent: 'connect' | 'secureConnect'): void {
    this.socket.on('data', this.onData);
    this.socket.once(connectEvent, this.onConnect);
    this.socket.on('error', this.onError);
    this.socket.on('end', this.onEnd);
    this.socket.on('close', this.onEnd);
  }

  private detachSocket(): void {
    this.socket.off('data', this.onData);
    this.socket.off('connect', this.onConnect);
    this.socket.off('secureConnect', this.onConnect);
    this.socket.off('error', this.onError);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
  }

  private release(): void {
    this.done = true;
    this.options.signal.removeEventListener('abort', this.onAbort);
    this.detachSocket();
    this.socket.on('error', () => {}); // late errors of a socket we let go of are nobody's business
  }

  private fail(error: ProbeError): void {
    this.failure ??= error;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.failure !== undefined) throw this.failure;
      if (this.ended) throw new ProbeError(`the server closed the connection ${this.phase}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

/**
 * Runs `converse` on a fresh connection and always lets go of the socket: the probes' shape.
 * Anything thrown that is not a {@link ProbeError} (a protocol surprise) still becomes one line.
 *
 * @example
 * await withWire(host, port, options, async (wire) => { wire.write('PING\r\n'); await wire.readLine(); });
 */
export async function withWire<T>(host: string, port: number, options: AttemptOptions, converse: (wire: Wire) => Promise<T>): Promise<T> {
  let wire: Wire | undefined;
  try {
    wire = await Wire.connect(host, port, options);
    const value = await converse(wire);
    wire.close();
    return value;
  } catch (error) {
    wire?.destroy();
    throw error instanceof ProbeError ? error : new ProbeError(describeNetError(error), { cause: error });
  }
}
