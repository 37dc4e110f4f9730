/**
 * Powertools logger and tracer, created once per process. Every Lambda and the CLI share
 * them, so log lines look the same wherever they come from.
 *
 * Use this `logger` itself, never `logger.createChild(...)`: the handler wrapper
 * (shared/instrumentHandler.ts) sets the incident key as `correlation_id` on this instance, and
 * Powertools keeps such keys per instance - a child made at import time would log without it.
 * Every line goes through {@link redactingReplacer}: secrets never reach CloudWatch Logs.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { redactingReplacer } from './logRedaction';

export const SERVICE_NAME = 'deploy-medic';

export const logger = new Logger({ serviceName: SERVICE_NAME, jsonReplacerFn: redactingReplacer });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/** Instruments an SDK v3 client for X-Ray (a no-op where tracing is disabled, e.g. locally). */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
