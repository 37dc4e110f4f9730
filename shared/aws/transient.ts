/**
 * Which AWS failures are worth retrying. The state machine owns the retrying (ASL Retry
 * with backoff); code only names the failure, by rethrowing it as TransientAwsError.
 */
import { TransientAwsError } from '../errors';

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  // DynamoDB's throttling (the ledger): a 400 without $retryable, so only its name tells.
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'RequestThrottledException',
  'ThrottledException',
  'EC2ThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  'TransactionInProgressException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'ServerException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsLikeError;
  if (e.name !== undefined && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.code !== undefined && TRANSIENT_NAMES.has(e.code)) return true;
  if (e.$retryable !== undefined) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

/**
 * Runs an AWS call; a transient failure comes out as {@link TransientAwsError} (which the
 * ASL retries with backoff), anything else unchanged (which the ASL catches and escalates).
 *
 * @example
 * const out = await transientAware('DescribeServices', () => ecs.send(new DescribeServicesCommand(input)));
 */
export async function transientAware<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransientAwsError(error)) {
      const name = (error as AwsLikeError).name ?? 'Error';
      throw new TransientAwsError(`${what} failed transiently (${name}): ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}
