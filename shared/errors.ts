/**
 * Error family. Every error deploy-medic raises on purpose extends {@link MedicError},
 * so callers can tell "we refused this on purpose" from "something broke".
 *
 * The `name` of an error is what Step Functions sees as the `Error` of a failed Task
 * (Lambda reports `errorType` = `error.name`), so ASL Retry/Catch match on these names.
 */
export class MedicError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Quotes a value taken from untrusted input for an error message: in full when short, else its
 * start and its length. An event's detail-type or source can be up to the 256 KB EventBridge
 * allows; the message naming it is logged and printed on one line, and must stay readable.
 *
 * @example
 * quoteInput('my.app');          // '"my.app"'
 * quoteInput('x'.repeat(5000));  // '"xxxx…" (5000 characters)'
 */
export function quoteInput(value: string, max = 120): string {
  if (value.length <= max) return `"${value}"`;
  // Never cut a surrogate pair in half.
  return `"${value.slice(0, max).replace(/[\uD800-\uDBFF]$/, '')}…" (${value.length} characters)`;
}

/** The input is not an event we can read: not JSON, not an EventBridge envelope, or missing fields. */
export class InvalidEventError extends MedicError {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(issues.length > 0 ? `${message}: ${issues.join('; ')}` : message);
  }
}

/** A well-formed EventBridge event whose source/detail-type this system does not handle. */
export class UnsupportedEventError extends MedicError {
  constructor(
    readonly detailType: string,
    readonly supported: readonly string[],
  ) {
    super(`unsupported detail-type ${quoteInput(detailType)} (supported: ${supported.join(', ')})`);
  }
}

/** A required configuration value is missing or invalid. */
export class ConfigError extends MedicError {}

/**
 * An AWS call failed in a way that is worth retrying (throttling, 5xx, timeouts).
 * The state machine retries Task states on this name with exponential backoff.
 */
export class TransientAwsError extends MedicError {}

/** A remediation cannot be applied as planned (the resource changed, a limit was hit). */
export class RemediationError extends MedicError {}
