/**
 * The handler wrapper every Lambda goes through: the incident key on every log line and only
 * for that invocation, the Lambda context, metrics flushed on return and on error, and an X-Ray
 * subsegment with searchable annotations (a real Tracer and a real X-Ray SDK segment).
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import xray from 'aws-xray-sdk-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RemediationError, TransientAwsError } from '../../shared/errors';
import { correlateIncident, instrumentHandler } from '../../shared/instrumentHandler';
import { METRIC, remediation } from '../../shared/metrics';
import { logger } from '../../shared/observability';
import { captureEmf, type CapturedEmf } from '../support/emf';
import { captureLogs, type CapturedLogs } from '../support/captureLogs';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';
const OTHER = 'cfn:us-east-1:111122223333:checkout-db@DELETE_FAILED';

interface Input {
  incident: { key: string };
  diagnosis: { category: string; plan: { action: string } };
}
const input = (key = KEY): Input => ({ incident: { key }, diagnosis: { category: 'OOM', plan: { action: 'ecs-resize-memory' } } });

/** A handler that logs along the way, as the real ones do (its own lines and shared modules'). */
const remediateLike = instrumentHandler(
  'remediate',
  async (event: Input) => {
    logger.info('planning');
    logger.warn('service drifted', { cluster: 'prod' });
    remediation(event.diagnosis.plan.action, 'applied');
    return { applied: true };
  },
  { incidentKeyOf: (event) => event.incident.key, annotationsOf: (event) => ({ category: event.diagnosis.category, action: event.diagnosis.plan.action }) },
);

const lambdaContext = (requestId: string): Context =>
  ({
    awsRequestId: requestId,
    functionName: 'deploy-medic-dev-remediate',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:deploy-medic-dev-remediate',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/deploy-medic-dev-remediate',
    logStreamName: '2026/03/14/[$LATEST]abc',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 25_000,
  }) as Context;

describe('instrumentHandler', () => {
  let logs: CapturedLogs;
  let emf: CapturedEmf;
  beforeEach(() => {
    logs = captureLogs();
    emf = captureEmf();
  });
  afterEach(() => {
    logs.stop();
    emf.stop();
  });

  describe('logs', () => {
    it('every line of the invocation carries the incident key as correlation_id, and the next line after it does not', async () => {
      await remediateLike(input());
      logger.info('between invocations');
      await remediateLike(input(OTHER));

      const lines = logs.lines().map(({ message, correlation_id, handler }) => ({ message, correlation_id, handler }));
      expect(lines).toEqual([
        { message: 'planning', correlation_id: KEY, handler: 'remediate' },
        { message: 'service drifted', correlation_id: KEY, handler: 'remediate' },
        { message: 'between invocations', correlation_id: undefined, handler: undefined },
        { message: 'planning', correlation_id: OTHER, handler: 'remediate' },
        { message: 'service drifted', correlation_id: OTHER, handler: 'remediate' },
      ]);
    });

    it('a handler that learns the key half-way names it, and the lines from there on carry it', async () => {
      const ingestLike = instrumentHandler('ingest', async () => {
        logger.info('event read');
        correlateIncident(KEY);
        logger.info('remediation started');
      });
      await ingestLike(undefined);
      expect(logs.lines().map((l) => [l.message, l.correlation_id])).toEqual([
        ['event read', undefined],
        ['remediation started', KEY],
      ]);
    });

    it('adds the Lambda context: request id, function name and cold start (first invocation only)', async () => {
      await remediateLike(input(), lambdaContext('req-1'));
      await remediateLike(input(), lambdaContext('req-2'));
      const [first, , second] = logs.lines();
      expect(first).toMatchObject({ function_request_id: 'req-1', function_name: 'deploy-medic-dev-remediate', correlation_id: KEY });
      expect(second).toMatchObject({ function_request_id: 'req-2', cold_start: false });
    });

    it('a failure is logged once with the correlation id (a transient one as a warning: it is retried), and propagates', async () => {
      const failing = (error: Error) =>
        instrumentHandler('remediate', async (_: Input) => {
          throw error;
        }, { incidentKeyOf: (event) => event.incident.key });

      await expect(failing(new RemediationError('service moved on'))(input())).rejects.toThrow('service moved on');
      await expect(failing(new TransientAwsError('Rate exceeded'))(input())).rejects.toThrow('Rate exceeded');

      expect(logs.lines().map((l) => [l.level, l.message, l.correlation_id, (l.error as { name: string }).name])).toEqual([
        ['ERROR', 'remediate failed', KEY, 'RemediationError'],
        ['WARN', 'remediate failed, transient (the state machine retries)', KEY, 'TransientAwsError'],
      ]);
    });

    it('an input without the key it should carry still runs: observability never fails a handler', async () => {
      const notifyLike = instrumentHandler('notify', async (_: Input) => (logger.info('sent'), 'sent'), {
        incidentKeyOf: (event) => event.incident.key,
        annotationsOf: (event) => ({ category: event.diagnosis.category }),
      });
      expect(await notifyLike({} as Input)).toBe('sent');
      expect(logs.lines()[0]?.correlation_id).toBeUndefined();
    });
  });

  describe('metrics', () => {
    it('are flushed at the end of the invocation, with the incident key as metadata', async () => {
      await remediateLike(input());
      expect(emf.datums(METRIC.remediations)).toMatchObject([
        { values: [1], dimensions: { action: 'ecs-resize-memory', outcome: 'applied' }, document: { incidentKey: KEY } },
      ]);
    });

    it('are flushed when the handler throws, too', async () => {
      const failing = instrumentHandler('remediate', async (event: Input) => {
        remediation(event.diagnosis.plan.action, 'failed');
        throw new RemediationError('RegisterTaskDefinition refused');
      }, { incidentKeyOf: (event) => event.incident.key });

      await expect(failing(input())).rejects.toThrow(RemediationError);
      expect(emf.datums(METRIC.remediations)).toMatchObject([{ dimensions: { outcome: 'failed' }, document: { incidentKey: KEY } }]);
    });
  });

  describe('traces (real Tracer, real X-Ray SDK segment)', () => {
    const tracerInLambda = () => {
      // The Tracer decides at construction whether it runs in Lambda.
      vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
      vi.stubEnv('AWS_XRAY_CONTEXT_MISSING', 'IGNORE_ERROR');
      const tracer = new Tracer({ serviceName: 'deploy-medic', captureHTTPsRequests: false });
      vi.unstubAllEnvs();
      return tracer;
    };
    /** Runs `fn` the way Lambda does: inside the function's segment. */
    const inSegment = async <T>(tracer: Tracer, fn: () => Promise<T>) => {
      const segment = new xray.Segment('deploy-medic-dev-remediate');
      let outcome: { result?: T; error?: unknown } = {};
      await xray.getNamespace().runPromise(async () => {
        tracer.setSegment(segment);
        try {
          outcome = { result: await fn() };
        } catch (error) {
          outcome = { error };
        }
      });
      return { segment, ...outcome };
    };

    it('wraps the handler in a "## <name>" subsegment annotated with the incident key, category and action', async () => {
      const tracer = tracerInLambda();
      expect(tracer.isTracingEnabled()).toBe(true);
      const handler = instrumentHandler('remediate', async (_: Input) => ({ applied: true }), {
        tracer,
        incidentKeyOf: (event) => event.incident.key,
        annotationsOf: (event) => ({ category: event.diagnosis.category, action: event.diagnosis.plan.action }),
      });

      const { segment, result } = await inSegment(tracer, () => handler(input()));

      expect(result).toEqual({ applied: true });
      const [sub] = (segment.subsegments ?? []) as unknown as Array<{ name: string; annotations: Record<string, unknown>; end_time?: number }>;
      expect(sub?.name).toBe('## remediate');
      expect(sub?.annotations).toMatchObject({ incidentKey: KEY, category: 'OOM', action: 'ecs-resize-memory', Service: 'deploy-medic' });
      expect(sub?.end_time).toBeGreaterThan(0);
    });

    it('records the error (redacted) on the subsegment and closes it when the handler throws', async () => {
      const tracer = tracerInLambda();
      const handler = instrumentHandler('remediate', async (_: Input) => {
        throw new RemediationError('POST https://hooks.slack.com/services/T0001/B0001/secretpart failed');
      }, { tracer, incidentKeyOf: (event) => event.incident.key });

      const { segment, error } = await inSegment(tracer, () => handler(input()));

      expect(error).toBeInstanceOf(RemediationError);
      const [sub] = (segment.subsegments ?? []) as unknown as Array<{ fault?: boolean; error?: boolean; cause?: { exceptions: Array<{ message: string }> }; end_time?: number }>;
      // Redacted: trace metadata does not go through the logger.
      expect(sub?.cause?.exceptions[0]?.message).toBe('POST https://hooks.slack.com/[redacted] failed');
      expect(sub?.end_time).toBeGreaterThan(0);
    });
  });
});
