/**
 * The drift report: what CloudFormation's drift answers become in an alert, and the
 * detectDrift handler's refusals.
 */
import { CloudFormationClient, type DescribeStackDriftDetectionStatusCommandOutput, DetectStackDriftCommand, type StackResourceDrift } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDetectDriftHandler } from '../../functions/detectDrift/handler';
import { incidentFromStackEvent, incidentFromTaskEvent } from '../../shared/incident';
import { parseEvent } from '../../shared/events/parseEvent';
import { describeDrift, driftNeedsAttention, driftReport, MAX_DRIFTED_LISTED } from '../../shared/verify/stackDrift';
import { fixture } from '../support/fixtures';

const drift = fixture<Record<string, Record<string, unknown>>>('api/cfn-drift-checkout-api.json');
const statusComplete = drift.statusComplete as unknown as DescribeStackDriftDetectionStatusCommandOutput;
const resourceDrifts = (drift.resourceDrifts as unknown as { StackResourceDrifts: StackResourceDrift[] }).StackResourceDrifts;
const now = new Date('2025-03-20T12:06:00Z');
const cfnMock = mockClient(CloudFormationClient);
afterEach(() => cfnMock.reset());

describe('driftReport / describeDrift', () => {
  it('lists the drifted resource with its property paths and difference types, never the values', () => {
    const report = driftReport(statusComplete, resourceDrifts, now);
    expect(report).toEqual({
      status: 'COMPLETE',
      detectionId: 'b78ac9b0-dec1-11e7-a451-50d5cd92b8ae',
      stackDriftStatus: 'DRIFTED',
      driftedCount: 1,
      resources: [
        { logicalId: 'CheckoutApiService', type: 'AWS::ECS::Service', physicalId: 'arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api', status: 'MODIFIED', differences: ['/DesiredCount (NOT_EQUAL)'] },
      ],
      checkedAt: '2025-03-20T12:06:00.000Z',
    });
    expect(JSON.stringify(describeDrift(report))).not.toContain('FARGATE');
    expect(driftNeedsAttention(report)).toBe(true);
  });

  it('a DELETED resource (the kind a skipped rollback leaves) is reported as such', () => {
    const deleted = { ...resourceDrifts[0]!, StackResourceDriftStatus: 'DELETED' as const, PropertyDifferences: undefined, ActualProperties: undefined };
    const report = driftReport(statusComplete, [deleted], now);
    expect(describeDrift(report)).toEqual([
      '1 resource drifted from the template after the rollback:',
      '  CheckoutApiService (AWS::ECS::Service arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api) DELETED',
    ]);
  });

  it('a failed detection keeps the results it has and passes CloudFormation\'s reason on', () => {
    const report = driftReport({ ...statusComplete, DetectionStatus: 'DETECTION_FAILED' as const, DetectionStatusReason: 'Failed to detect drift on resources [MigrateFunction]' }, resourceDrifts, now);
    expect(report.status).toBe('FAILED');
    const lines = describeDrift(report);
    expect(lines[0]).toBe('1 resource drifted from the template after the rollback:');
    expect(lines.at(-1)).toBe('Drift detection failed for some resources: Failed to detect drift on resources [MigrateFunction] (the drift role may lack read access to them - docs/operations.md).');
    expect(driftNeedsAttention(report)).toBe(true);
  });

  it('lists at most MAX_DRIFTED_LISTED resources and counts the rest', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ ...resourceDrifts[0]!, LogicalResourceId: `Service${i}` }));
    const report = driftReport({ ...statusComplete, DriftedStackResourceCount: 25 }, many, now);
    const lines = describeDrift(report);
    expect(lines.filter((l) => l.startsWith('  Service'))).toHaveLength(MAX_DRIFTED_LISTED);
    expect(lines.at(-1)).toBe('  ... and 5 more: aws cloudformation describe-stack-resource-drifts');
  });

  it('in sync needs nothing; no report says nothing', () => {
    const report = driftReport({ ...statusComplete, StackDriftStatus: 'IN_SYNC' as const, DriftedStackResourceCount: 0 }, [], now);
    expect(driftNeedsAttention(report)).toBe(false);
    expect(describeDrift(undefined)).toEqual([]);
    expect(driftNeedsAttention(undefined)).toBe(false);
  });
});

describe('detectDrift handler', () => {
  const handler = makeDetectDriftHandler({ cloudformation: new CloudFormationClient({ region: 'us-east-1' }), now: () => now });

  it('refuses an incident that is not about a stack, and calls nothing', async () => {
    const parsed = parseEvent(fixture('events/ecs-task-stopped-oom-fargate.json'));
    if (parsed.kind !== 'ecs-task-state-change') throw new Error('fixture is not a task state change');
    const incident = incidentFromTaskEvent(parsed.event)!;
    await expect(handler({ op: 'start', incident })).rejects.toThrowError(`drift detection is for stacks; incident ${incident.key} is about ecs-service`);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('refuses an unknown operation, and calls nothing', async () => {
    const parsed = parseEvent(fixture('events/cfn-stack-update-rollback-failed.json'));
    if (parsed.kind !== 'cfn-stack-status-change') throw new Error('fixture is not a stack status change');
    const incident = incidentFromStackEvent(parsed.event)!;
    await expect(handler({ op: 'stop', incident } as never)).rejects.toThrowError('unknown drift operation "stop": expected start or check');
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('start returns the detection id to look at', async () => {
    cfnMock.on(DetectStackDriftCommand).resolves(drift.detectStackDrift!);
    const parsed = parseEvent(fixture('events/cfn-stack-update-rollback-failed.json'));
    if (parsed.kind !== 'cfn-stack-status-change') throw new Error('fixture is not a stack status change');
    await expect(handler({ op: 'start', incident: incidentFromStackEvent(parsed.event)! })).resolves.toEqual({ status: 'IN_PROGRESS', detectionId: 'b78ac9b0-dec1-11e7-a451-50d5cd92b8ae', looks: 0 });
  });
});
