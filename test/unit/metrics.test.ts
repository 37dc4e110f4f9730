/**
 * deploy-medic's metrics, read back from the EMF documents exactly as CloudWatch would extract
 * them: namespace, metric name, unit, dimension sets and values.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { metricsSettings } from '../../shared/config';
import {
  addMetricsMetadata,
  approvalsPending,
  executionOutcome,
  flushMetrics,
  incidentOpened,
  loopBreakerTripped,
  METRIC,
  remediation,
  timeToDetectSeconds,
  timeToResolveSeconds,
} from '../../shared/metrics';
import { captureEmf, type CapturedEmf } from '../support/emf';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';

describe('Metrics (EMF)', () => {
  let emf: CapturedEmf;
  beforeEach(() => {
    vi.stubEnv('STAGE', 'prod');
    emf = captureEmf();
  });
  afterEach(() => {
    emf.stop();
    flushMetrics(); // nothing left over for the next test
    vi.unstubAllEnvs();
  });

  it('an opened incident counts under its kind and category, and in the stage total', () => {
    incidentOpened('ecs-service', 'OOM');
    flushMetrics();

    const [datum] = emf.datums(METRIC.incidentsOpened);
    expect(datum).toMatchObject({
      namespace: 'DeployMedic',
      unit: 'Count',
      values: [1],
      dimensionSets: [['stage', 'kind', 'category'], ['stage']],
      dimensions: { stage: 'prod', kind: 'ecs-service', category: 'OOM' },
    });
    // No `service` dimension: the namespace already says which service.
    expect(datum?.dimensionSets.flat()).not.toContain('service');
  });

  it('remediations count by action and outcome, and by outcome alone (what the failure-rate alarm divides)', () => {
    remediation('ecs-rollback', 'applied');
    remediation('ecs-rollback', 'applied');
    remediation('ecs-resize-memory', 'failed');
    flushMetrics();

    const datums = emf.datums(METRIC.remediations).map(({ values, dimensions, dimensionSets }) => ({ values, dimensions, dimensionSets }));
    expect(datums).toEqual([
      { values: [1, 1], dimensions: { stage: 'prod', action: 'ecs-rollback', outcome: 'applied' }, dimensionSets: [['stage', 'outcome', 'action'], ['stage', 'outcome']] },
      { values: [1], dimensions: { stage: 'prod', action: 'ecs-resize-memory', outcome: 'failed' }, dimensionSets: [['stage', 'outcome', 'action'], ['stage', 'outcome']] },
    ]);
  });

  it('time to detect and time to resolve are durations in seconds, per stage', () => {
    expect(timeToDetectSeconds('2026-03-14T02:00:04Z', new Date('2026-03-14T02:00:05.500Z'))).toBe(1.5);
    expect(timeToResolveSeconds('2026-03-14T02:00:06.000Z', new Date('2026-03-14T02:03:06.000Z'))).toBe(180);
    flushMetrics();

    expect(emf.datums(METRIC.timeToDetect)).toMatchObject([{ unit: 'Seconds', values: [1.5], dimensionSets: [['stage']] }]);
    expect(emf.datums(METRIC.timeToResolve)).toMatchObject([{ unit: 'Seconds', values: [180], dimensionSets: [['stage']] }]);
  });

  it('a time from the future (clock skew) or an unreadable one is not a measurement', () => {
    expect(timeToDetectSeconds('2026-03-14T02:00:09Z', new Date('2026-03-14T02:00:05Z'))).toBeUndefined();
    expect(timeToResolveSeconds('not a time', new Date())).toBeUndefined();
    expect(flushMetrics()).toEqual([]);
    expect(emf.documents()).toEqual([]);
  });

  it('approvals pending are +1/-1 deltas; loop-breaker trips count by reason; outcomes by resolved/escalated', () => {
    approvalsPending(+1);
    approvalsPending(-1);
    approvalsPending(0); // no change, nothing to say
    loopBreakerTripped('attempt-budget');
    executionOutcome('escalated');
    flushMetrics();

    expect(emf.datums(METRIC.approvalsPending)).toMatchObject([{ unit: 'Count', values: [1, -1], dimensionSets: [['stage']] }]);
    expect(emf.datums(METRIC.loopBreakerTrips)).toMatchObject([
      { values: [1], dimensionSets: [['stage', 'reason'], ['stage']], dimensions: { reason: 'attempt-budget' } },
    ]);
    expect(emf.datums(METRIC.incidentOutcomes)).toMatchObject([{ values: [1], dimensionSets: [['stage', 'outcome']], dimensions: { outcome: 'escalated' } }]);
  });

  it('the incident key travels as metadata, never as a dimension, and is cleared with the flush', () => {
    addMetricsMetadata({ incidentKey: KEY });
    remediation('ecs-rollback', 'dry-run');
    flushMetrics();
    remediation('ecs-rollback', 'dry-run');
    flushMetrics();

    const [first, second] = emf.documents();
    expect(first?.incidentKey).toBe(KEY);
    expect(first?._aws.CloudWatchMetrics[0]?.Dimensions.flat()).not.toContain('incidentKey');
    expect(second?.incidentKey).toBeUndefined();
  });

  it('a flush empties the buffer: nothing is written twice', () => {
    incidentOpened('cfn-stack', 'DEPENDENCY_VIOLATION');
    expect(flushMetrics()).toHaveLength(1);
    expect(flushMetrics()).toEqual([]);
  });

  it('outside Lambda nothing reaches stdout; in Lambda it does; POWERTOOLS_METRICS_DISABLED wins either way', () => {
    emf.stop(); // the default sink
    const written: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      incidentOpened('ecs-service', 'OOM');
      expect(flushMetrics()).toHaveLength(1); // serialized ...
      expect(written).toEqual([]); // ... but not printed: this is not Lambda

      vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'deploy-medic-prod-ingest');
      incidentOpened('ecs-service', 'OOM');
      flushMetrics();
      expect(written).toHaveLength(1);
      expect(JSON.parse(written[0]!)).toMatchObject({ IncidentsOpened: 1, category: 'OOM' });
    } finally {
      stdout.mockRestore();
    }

    expect(metricsSettings({ STAGE: 'prod', AWS_LAMBDA_FUNCTION_NAME: 'f' })).toEqual({ stage: 'prod', emit: true });
    expect(metricsSettings({ STAGE: 'prod', AWS_LAMBDA_FUNCTION_NAME: 'f', POWERTOOLS_METRICS_DISABLED: 'true' })).toEqual({ stage: 'prod', emit: false });
    expect(metricsSettings({ POWERTOOLS_METRICS_DISABLED: 'false' })).toEqual({ stage: 'local', emit: true });
    expect(metricsSettings({})).toEqual({ stage: 'local', emit: false });
  });
});
