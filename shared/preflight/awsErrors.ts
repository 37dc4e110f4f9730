/**
 * Reading AWS SDK errors the same way in every check: by name and HTTP status, never by
 * message text (moto and AWS word them differently).
 */
interface AwsLikeError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function errorName(error: unknown): string {
  const e = error as AwsLikeError;
  return (typeof e?.name === 'string' && e.name !== 'Error' ? e.name : e?.Code) ?? 'Error';
}

export function httpStatus(error: unknown): number | undefined {
  return (error as AwsLikeError)?.$metadata?.httpStatusCode;
}

/**
 * One line, short enough for a finding: `AccessDenied: User ... is not authorized ...`.
 * A 5xx usually comes with an HTML body the SDK cannot parse; its status says more than that text.
 */
export function describeError(error: unknown): string {
  const status = httpStatus(error);
  if (status !== undefined && status >= 500) return `HTTP ${status} from the service`;
  const name = errorName(error);
  const first = String((error as AwsLikeError)?.message ?? error).split('\n')[0]!.trim();
  const line = name === 'Error' || first.startsWith(name) ? first : `${name}: ${first}`;
  return line.length > 240 ? `${line.slice(0, 237)}...` : line;
}

/** Just the kind of failure: `AccessDeniedException`, `HTTP 500`. */
export function shortError(error: unknown): string {
  const status = httpStatus(error);
  return status !== undefined && status >= 500 ? `HTTP ${status}` : errorName(error);
}
