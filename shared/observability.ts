/**
 * Powertools logger and tracer, created once per process. Every Lambda and the CLI share
 * them, so log lines look the same wherever they come from.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const SERVICE_NAME = 'deploy-medic';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/** Instruments an SDK v3 client for X-Ray (a no-op where tracing is disabled, e.g. locally). */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
