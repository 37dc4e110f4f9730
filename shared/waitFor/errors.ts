/**
 * Errors of `medic wait-for`. A {@link TargetError} is the user's: the target cannot be
 * waited for at all (unknown scheme, not a URL) and the CLI exits 2. A {@link ProbeError} is
 * the service's: one attempt found it not ready, and the message says why in one line.
 */
import { MedicError } from '../errors';

/** A target that cannot be waited for: not a URL, an unknown scheme, a missing port. The message is redacted. */
export class TargetError extends MedicError {}

/** One attempt found the target not ready. The message is one line: it is printed as is. */
export class ProbeError extends MedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
  }
}

/** Collapses whitespace runs (a server's multi-line message) and caps the length: one readable line. */
export function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}
