/**
 * One wrapper for every Lambda handler: what Powertools' `injectLambdaContext`,
 * `captureLambdaHandler` and `logMetrics` middlewares do, in one place, plus the incident key
 * as the correlation id.
 *
 *  - logs: the Lambda context (cold start, request id, function name) and `handler` on every line;
 *    the incident key as `correlation_id` on every line of the invocation, cleared after it
 *    (`resetKeys`), so a warm container never lends one incident's id to the next;
 *  - traces: a `## <name>` subsegment around the handler, annotated with `incidentKey` and,
 *    when the input or the result names them, `category`, `action`, `phase` - searchable in
 *    X-Ray (`annotation.incidentKey = "..."`). A no-op where tracing is off (locally). The
 *    response is not recorded as trace metadata (Powertools' default): traces are not redacted
 *    like logs, and a diagnosis can be larger than a segment may be;
 *  - metrics: whatever the handler recorded (shared/metrics.ts) is flushed when it returns or
 *    throws, with the incident key as EMF metadata;
 *  - a failure is logged once, with the correlation id, before it propagates to Step Functions.
 *
 * @example
 * export function makeRemediateHandler(deps: RemediateDeps) {
 *   return instrumentHandler('remediate', async (input: RemediateInput) => remediate(input, deps), {
 *     incidentKeyOf: (input) => input.incident.key,
 *     annotationsOf: (input) => ({ category: input.diagnosis.category, action: input.diagnosis.plan.action }),
 *   });
 * }
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { TransientAwsError } from './errors';
import { redactingReplacer } from './logRedaction';
import { addMetricsMetadata, flushMetrics } from './metrics';
import { logger as sharedLogger, tracer as sharedTracer } from './observability';

/** X-Ray annotations (indexed, so traces can be searched by them). Undefined values are skipped. */
export interface TraceAnnotations {
  category?: string | undefined;
  action?: string | undefined;
  phase?: string | undefined;
  outcome?: string | undefined;
}

export interface InstrumentOptions<E, R> {
  /** The incident key the input carries (`input.incident.key`); `undefined` when it has none yet. */
  incidentKeyOf?: (event: E) => string | undefined;
  /** Trace annotations from the input, and again from the result once there is one. */
  annotationsOf?: (event: E, result: R | undefined) => TraceAnnotations;
  /** The logger and tracer to use; the shared ones unless a test brings its own. */
  logger?: Logger;
  tracer?: Tracer;
}

/** A handler; the context is Lambda's, or the part of it a test passes. */
export type LambdaHandler<E, R, C extends object = Context> = (event: E, context?: C) => Promise<R>;

let current: { logger: Logger; tracer: Tracer } | undefined;

/**
 * @example
 * export const handler = instrumentHandler('notify', notify, { incidentKeyOf: (input) => input.run.incident.key });
 */
export function instrumentHandler<E, R, C extends object = Context>(
  name: string,
  fn: LambdaHandler<E, R, C>,
  options: InstrumentOptions<E, R> = {},
): LambdaHandler<E, R, C> {
  const logger = options.logger ?? sharedLogger;
  const tracer = options.tracer ?? sharedTracer;
  return async (event: E, context?: C): Promise<R> => {
    const outer = current;
    current = { logger, tracer };
    // cold_start, function_name, function_request_id ... (only a real Lambda context has them all).
    if (context !== undefined && 'awsRequestId' in context) logger.addContext(context as unknown as Context);
    logger.appendKeys({ handler: name });

    const lambdaSegment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
    const subsegment = lambdaSegment?.addNewSubsegment(`## ${name}`);
    if (subsegment) {
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
    }
    try {
      const key = quietly(() => options.incidentKeyOf?.(event));
      if (key) correlateIncident(key);
      annotate(tracer, quietly(() => options.annotationsOf?.(event, undefined)));
      const result = await fn(event, context);
      annotate(tracer, quietly(() => options.annotationsOf?.(event, result)));
      return result;
    } catch (error) {
      // Trace metadata does not pass through the logger's replacer: record a redacted copy.
      if (subsegment) tracer.addErrorAsMetadata(redactingReplacer('error', error) as Error);
      // Step Functions retries transient AWS errors: a warning, not yet a failure.
      if (error instanceof TransientAwsError) logger.warn(`${name} failed, transient (the state machine retries)`, { error: error as Error });
      else logger.error(`${name} failed`, { error: error as Error });
      throw error;
    } finally {
      // Metrics first: a flush problem must not keep the subsegment open or the keys set.
      try {
        flushMetrics();
      } catch (error) {
        logger.warn('metrics not flushed', { error: error as Error });
      }
      if (subsegment && lambdaSegment) {
        try {
          subsegment.close();
        } catch (error) {
          logger.warn('trace subsegment not closed', { error: error as Error });
        }
        tracer.setSegment(lambdaSegment);
      }
      logger.resetKeys();
      current = outer;
    }
  };
}

/**
 * Names the incident this invocation works on, for the rest of it: `correlation_id` on every
 * log line, the `incidentKey` trace annotation and EMF metadata. The wrapper calls it with
 * `incidentKeyOf`; a handler that learns the key later (ingest, once it has resolved the
 * service's revision; prepareRollback, once it has read the request) calls it itself.
 *
 * @example
 * correlateIncident('ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7');
 */
export function correlateIncident(incidentKey: string): void {
  // Outside an invocation nothing would clear the key again (the CLI calling the core directly).
  if (current === undefined) return;
  const { logger, tracer } = current;
  logger.setCorrelationId(incidentKey);
  if (tracer.isTracingEnabled()) tracer.putAnnotation('incidentKey', incidentKey);
  addMetricsMetadata({ incidentKey });
}

function annotate(tracer: Tracer, annotations: TraceAnnotations | undefined): void {
  if (annotations === undefined || !tracer.isTracingEnabled()) return;
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value === 'string' && value !== '') tracer.putAnnotation(key, value);
  }
}

/** Observability must never fail the handler: a reader that throws on an odd input reads nothing. */
function quietly<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
