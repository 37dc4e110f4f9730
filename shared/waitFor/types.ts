/**
 * Shapes of `medic wait-for`: a probe (one per URL scheme, the registry entry), a parsed
 * target, the events of the waiting loop and its result.
 *
 * A probe is one registered entry (the Cloud Custodian shape): the schemes it answers for,
 * what "ready" means for it, an example URL (the registry test parses it, the docs show it)
 * and `parse(url)`, which validates the URL once and returns the check each attempt runs.
 */

/** What every attempt gets: a per-attempt deadline, as a signal that aborts when it passes. */
export interface AttemptOptions {
  /** Aborted when the attempt's time is up (or the whole wait is). Probes must stop and reject. */
  signal: AbortSignal;
  /** The attempt's budget in ms (for messages: "no answer within 2 s"). */
  timeoutMs: number;
}

/**
 * One attempt: resolves when the service is ready, rejects with a {@link ProbeError} whose
 * message says why not, in one line (`connect ECONNREFUSED 127.0.0.1:5432`, `HTTP 503 ...`).
 */
export type Check = (options: AttemptOptions) => Promise<void>;

export interface Probe {
  /** URL schemes without the colon, the first one canonical: `['postgres', 'postgresql']`. */
  schemes: readonly string[];
  /** One line for docs and `--help`: what "ready" means for this kind of target. */
  ready: string;
  /** A complete example target (the registry test parses it; docs/wait-for.md shows it). */
  example: string;
  /** Validates the URL (throws {@link TargetError}) and returns the check each attempt runs. */
  parse(url: URL): Check;
}

/** A target as given on the command line, parsed and validated. */
export interface Target {
  /** The URL with any password (and secret-looking query values) replaced by `***`. */
  display: string;
  scheme: string;
  check: Check;
  /** Passwords in the URL, decoded and raw: scrubbed from any error text before it is shown. */
  secrets: readonly string[];
}

/** A failed attempt, as the loop reports it (one diagnostic line). */
export interface AttemptFailure {
  target: Target;
  /** 1-based. */
  attempt: number;
  /** Since the wait started, when the attempt ended. */
  elapsedMs: number;
  /** One line, secrets scrubbed. */
  error: string;
  /** How long the loop sleeps before the next attempt; undefined when there is none (time is up). */
  nextDelayMs: number | undefined;
}

export interface TargetResult {
  /** The redacted target (never a password). */
  target: string;
  ready: boolean;
  attempts: number;
  /** Time to ready; for a target not ready, the time until the loop gave up. */
  elapsedMs: number;
  /** The last attempt's error (one line), when the target is not ready. */
  lastError?: string;
}

export interface WaitResult {
  ready: boolean;
  /** The whole wait, from start to the last target's verdict. */
  elapsedMs: number;
  timeoutMs: number;
  /** In the order the targets were given. */
  targets: TargetResult[];
}

/** What the loop tells its caller as it goes (the CLI prints diagnostic lines and progress). */
export interface WaitObserver {
  attemptFailed?(failure: AttemptFailure): void;
  ready?(target: Target, result: TargetResult): void;
  gaveUp?(target: Target, result: TargetResult): void;
}
