/**
 * Root cause from DescribeStackEvents, on recorded-shape responses (test/fixtures/api/cfn-describe-stack-events-*.json)
 * and on small event lists for the edges: an earlier failed operation, a retried delete,
 * ContinueUpdateRollback, a nested stack, a truncated first page.
 */
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { classifyStackFailure, findRootCause } from '../../shared/diagnosis/cfn/rootCause';
import { InvalidStackEventsError, parseDescribeStackEvents } from '../../shared/diagnosis/cfn/stackEvents';
import { fixture } from '../support/fixtures';

const events = (name: string) => parseDescribeStackEvents(fixture(`api/cfn-describe-stack-events-${name}.json`));
const ids = (list: readonly StackEvent[]) => list.map((e) => e.LogicalResourceId);

describe('findRootCause', () => {
  describe('CREATE_FAILED → ROLLBACK_COMPLETE: checkout-worker\'s log group name is owned by checkout-api; three resources are cancelled', () => {
    const found = findRootCause(events('create-failed'));

    it('the operation is the create; the rollback is a phase of it', () => {
      expect(found.operationStart).toMatchObject({ ResourceStatus: 'CREATE_IN_PROGRESS', ResourceStatusReason: 'User Initiated' });
      expect(found.rollbackStart?.ResourceStatus).toBe('ROLLBACK_IN_PROGRESS');
      expect(found.stackStatus?.ResourceStatus).toBe('ROLLBACK_COMPLETE');
    });

    it('the root cause is the log group, not the resources cancelled because of it', () => {
      expect(found.rootCause).toMatchObject({
        LogicalResourceId: 'WorkerLogGroup',
        ResourceStatus: 'CREATE_FAILED',
        ResourceStatusReason: '/ecs/checkout-worker already exists in stack arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-api/51c07d30-e8a2-11ef-b6f4-12a9d3c8e5f1',
        Timestamp: new Date('2025-03-17T10:15:31.284Z'),
      });
      expect(ids(found.cascade)).toEqual(['WorkerTable', 'WorkerTaskRole', 'WorkerQueue']);
    });

    it('nothing is left in a failed state: the rollback deleted everything', () => {
      expect(found.failedResources).toEqual([]);
    });
  });

  describe('the seed incident: checkout-db DELETE_FAILED, its security group and subnet group held by a database restored out of band', () => {
    const found = findRootCause(events('delete-failed'));

    it('the operation is the delete, not the create a month earlier', () => {
      expect(found.operationStart).toMatchObject({ ResourceStatus: 'DELETE_IN_PROGRESS', Timestamp: new Date('2025-03-18T13:58:37.077Z') });
      expect(found.rollbackStart).toBeUndefined();
    });

    it('the root cause is the first resource that failed to delete; every resource still DELETE_FAILED is listed', () => {
      expect(found.rootCause).toMatchObject({ LogicalResourceId: 'DatabaseSecurityGroup', PhysicalResourceId: 'sg-0b7c4d1e9a2f63580', Timestamp: new Date('2025-03-18T14:06:12.692Z') });
      expect(found.cascade).toEqual([]);
      expect(ids(found.failedResources)).toEqual(['DatabaseSubnetGroup', 'DatabaseSecurityGroup']);
      expect(found.stackStatus).toMatchObject({ ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'The following resource(s) failed to delete: [DatabaseSecurityGroup, DatabaseSubnetGroup]. ' });
    });
  });

  describe('UPDATE_ROLLBACK_FAILED: the update to revision 8 tripped the circuit breaker, then the rollback of the service did not stabilize', () => {
    const found = findRootCause(events('update-rollback-failed'));

    it('the operation is the latest update; the earlier update and its cleanup phase are another operation', () => {
      expect(found.operationStart).toMatchObject({ ResourceStatus: 'UPDATE_IN_PROGRESS', Timestamp: new Date('2025-03-20T08:11:04.662Z') });
      expect(found.rollbackStart?.ResourceStatus).toBe('UPDATE_ROLLBACK_IN_PROGRESS');
    });

    it('the root cause is why the update failed; the cancelled worker service is cascade', () => {
      expect(found.rootCause).toMatchObject({ LogicalResourceId: 'CheckoutApiService', ResourceStatus: 'UPDATE_FAILED', Timestamp: new Date('2025-03-20T08:42:41.876Z') });
      expect(ids(found.cascade)).toEqual(['CheckoutWorkerService']);
    });

    it('failedResources is what the rollback left failed: the only resource ContinueUpdateRollback may skip', () => {
      expect(ids(found.failedResources)).toEqual(['CheckoutApiService']);
      expect(found.failedResources[0]?.ResourceStatusReason).toBe('Service arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api did not stabilize.');
      expect(found.failedResources[0]?.Timestamp?.getTime()).toBeGreaterThan(found.rollbackStart?.Timestamp?.getTime() ?? Infinity);
    });
  });

  describe('edges', () => {
    const STACK = 'arn:aws:cloudformation:us-east-1:111122223333:stack/s/1';
    let clock = Date.parse('2025-03-01T00:00:00Z');
    /** Events are written oldest first here, for reading; AWS order (newest first) is made at the end. */
    const timeline = (...rows: Array<[logicalId: string, status: string, reason?: string, type?: string, physicalId?: string]>): StackEvent[] =>
      rows
        .map(([logicalId, status, reason, type, physicalId], i) => ({
          StackId: STACK,
          EventId: `e${i}`,
          StackName: 's',
          LogicalResourceId: logicalId,
          PhysicalResourceId: physicalId ?? (logicalId === 's' ? STACK : `${logicalId}-id`),
          ResourceType: type ?? (logicalId === 's' ? 'AWS::CloudFormation::Stack' : 'AWS::SQS::Queue'),
          Timestamp: new Date((clock += 1000)),
          ResourceStatus: status as StackEvent['ResourceStatus'],
          ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
        }))
        .reverse();

    it('a failure of an earlier operation is not the root cause of the latest one', () => {
      const found = findRootCause(
        timeline(
          ['s', 'UPDATE_IN_PROGRESS', 'User Initiated'],
          ['Old', 'UPDATE_FAILED', 'Rate exceeded'],
          ['s', 'UPDATE_ROLLBACK_IN_PROGRESS'],
          ['s', 'UPDATE_ROLLBACK_COMPLETE'],
          ['s', 'DELETE_IN_PROGRESS', 'User Initiated'],
          ['New', 'DELETE_FAILED', 'resource sg-1 has a dependent object'],
          ['s', 'DELETE_FAILED'],
        ),
      );
      expect(found.rootCause?.LogicalResourceId).toBe('New');
      expect(ids(found.failedResources)).toEqual(['New']);
    });

    it('a retried delete is a new operation: a resource deleted on the retry is no longer listed', () => {
      const found = findRootCause(
        timeline(
          ['s', 'DELETE_IN_PROGRESS', 'User Initiated'],
          ['A', 'DELETE_FAILED', 'resource sg-1 has a dependent object'],
          ['B', 'DELETE_FAILED', 'The bucket you tried to delete is not empty'],
          ['s', 'DELETE_FAILED'],
          ['s', 'DELETE_IN_PROGRESS', 'User Initiated'],
          ['A', 'DELETE_COMPLETE'],
          ['B', 'DELETE_FAILED', 'The bucket you tried to delete is not empty'],
          ['s', 'DELETE_FAILED'],
        ),
      );
      expect(found.operationStart?.EventId).toBe('e4');
      expect(found.rootCause?.EventId).toBe('e6');
      expect(ids(found.failedResources)).toEqual(['B']);
    });

    it('ContinueUpdateRollback starts a new operation, and that operation is a rollback from its first event', () => {
      const found = findRootCause(
        timeline(
          ['s', 'UPDATE_IN_PROGRESS', 'User Initiated'],
          ['A', 'UPDATE_FAILED', 'Rate exceeded'],
          ['s', 'UPDATE_ROLLBACK_IN_PROGRESS'],
          ['B', 'UPDATE_FAILED', 'Function not found: arn:aws:lambda:us-east-1:111122223333:function:b'],
          ['s', 'UPDATE_ROLLBACK_FAILED'],
          ['s', 'UPDATE_ROLLBACK_IN_PROGRESS'],
          ['B', 'UPDATE_FAILED', 'Function not found: arn:aws:lambda:us-east-1:111122223333:function:b'],
          ['s', 'UPDATE_ROLLBACK_FAILED'],
        ),
      );
      expect(found.operationStart?.EventId).toBe('e5');
      expect(found.rollbackStart?.EventId).toBe('e5');
      expect(found.rootCause?.EventId).toBe('e6');
    });

    it('a first page that does not reach the start of the operation: the oldest stack phase on it starts it', () => {
      const found = findRootCause(timeline(['s', 'ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [A].'], ['A', 'DELETE_COMPLETE'], ['s', 'ROLLBACK_COMPLETE']));
      expect(found.operationStart?.ResourceStatus).toBe('ROLLBACK_IN_PROGRESS');
      expect(found.rootCause).toBeUndefined();
    });

    it('no events: nothing found, and no exception', () => {
      expect(findRootCause([])).toEqual({ failures: [], cascade: [], failedResources: [] });
    });

    it('events of another stack (a merged list) are ignored when the stack is named', () => {
      const other = timeline(['x', 'UPDATE_FAILED', 'Rate exceeded']).map((e) => ({ ...e, StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/other/2', EventId: 'other' }));
      const found = findRootCause([...other, ...timeline(['s', 'UPDATE_IN_PROGRESS'], ['A', 'UPDATE_FAILED', 'Rate exceeded'])], { stackId: STACK });
      expect(found.rootCause?.LogicalResourceId).toBe('A');
    });
  });
});

describe('classifyStackFailure', () => {
  it('create failed: ALREADY_EXISTS with the clashing name and the stack that owns it; the cascade and the stack status as evidence', () => {
    const failure = classifyStackFailure(events('create-failed'));
    const owner = 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-api/51c07d30-e8a2-11ef-b6f4-12a9d3c8e5f1';
    expect(failure.classification).toMatchObject({ category: 'ALREADY_EXISTS', confidence: 0.95, ruleId: 'exists-in-another-stack', facts: { name: '/ecs/checkout-worker', ownerStack: owner } });
    expect(failure.classification.evidence).toEqual([
      `WorkerLogGroup AWS::Logs::LogGroup CREATE_FAILED: "/ecs/checkout-worker already exists in stack ${owner}"`,
      'name already taken: /ecs/checkout-worker',
      `owned by stack: ${owner}`,
      'cancelled because of it (3): WorkerTable, WorkerTaskRole, WorkerQueue',
      'stack ROLLBACK_COMPLETE',
    ]);
    expect(failure.blockers).toEqual([]);
  });

  it('the seed incident: DEPENDENCY_VIOLATION on the security group; each blocker classified for the planner', () => {
    const failure = classifyStackFailure(events('delete-failed'));
    expect(failure.classification).toMatchObject({ category: 'DEPENDENCY_VIOLATION', confidence: 0.95, facts: { resourceId: 'sg-0b7c4d1e9a2f63580' } });
    expect(failure.blockers.map((b) => [b.event.LogicalResourceId, b.classification.category, b.classification.facts])).toEqual([
      ['DatabaseSubnetGroup', 'RESOURCE_IN_USE', { resourceId: 'checkout-db-subnets', usedByType: 'db-instance', usedBy: 'checkout-db-restore-0318' }],
      ['DatabaseSecurityGroup', 'DEPENDENCY_VIOLATION', { resourceId: 'sg-0b7c4d1e9a2f63580' }],
    ]);
  });

  it('update rollback failed: the update failed on the circuit breaker; the rollback blocker is the same service, which did not stabilize', () => {
    const failure = classifyStackFailure(events('update-rollback-failed'));
    expect(failure.classification).toMatchObject({ category: 'STABILIZATION_TIMEOUT', ruleId: 'ecs-circuit-breaker' });
    expect(failure.blockers.map((b) => [b.event.LogicalResourceId, b.classification.category, b.classification.ruleId, b.classification.facts])).toEqual([
      ['CheckoutApiService', 'STABILIZATION_TIMEOUT', 'did-not-stabilize', { serviceArn: 'arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api' }],
    ]);
  });

  it('no resource failed (a parameter was invalid): the stack status reason is classified', () => {
    const STACK = 'arn:aws:cloudformation:us-east-1:111122223333:stack/s/1';
    const stackEvent = (status: string, reason: string, at: string): StackEvent => ({
      StackId: STACK,
      EventId: at,
      StackName: 's',
      LogicalResourceId: 's',
      PhysicalResourceId: STACK,
      ResourceType: 'AWS::CloudFormation::Stack',
      Timestamp: new Date(at),
      ResourceStatus: status as StackEvent['ResourceStatus'],
      ResourceStatusReason: reason,
    });
    const failure = classifyStackFailure([
      stackEvent('ROLLBACK_IN_PROGRESS', 'Parameter validation failed: parameter value for parameter name KeyName does not exist. Rollback requested by user.', '2025-03-01T00:00:02Z'),
      stackEvent('CREATE_IN_PROGRESS', 'User Initiated', '2025-03-01T00:00:01Z'),
    ]);
    expect(failure.rootCause).toBeUndefined();
    expect(failure.classification).toMatchObject({ category: 'INVALID_TEMPLATE_OR_PARAM', facts: { parameters: 'KeyName' } });
  });

  it('a failed nested stack points at its own events (nestedStackId), since its reason names no cause', () => {
    const STACK = 'arn:aws:cloudformation:us-east-1:111122223333:stack/parent/1';
    const NESTED = 'arn:aws:cloudformation:us-east-1:111122223333:stack/parent-Network-1ABC/2';
    const failure = classifyStackFailure([
      {
        StackId: STACK,
        EventId: 'n',
        StackName: 'parent',
        LogicalResourceId: 'Network',
        PhysicalResourceId: NESTED,
        ResourceType: 'AWS::CloudFormation::Stack',
        Timestamp: new Date('2025-03-01T00:00:05Z'),
        ResourceStatus: 'CREATE_FAILED',
        ResourceStatusReason: `Embedded stack ${NESTED} was not successfully created: The following resource(s) failed to create: [Vpc].`,
      },
    ]);
    expect(failure.classification).toMatchObject({ category: 'UNKNOWN', confidence: 0, facts: { nestedStackId: NESTED } });
    expect(failure.classification.evidence).toContain(`the cause is inside nested stack ${NESTED}: read its events`);
  });
});

describe('parseDescribeStackEvents', () => {
  it('reads the response shape, with CLI v2 timestamps, epoch seconds or Dates', () => {
    const [a, b, c] = parseDescribeStackEvents({
      StackEvents: [
        { StackId: 's', EventId: 'a', StackName: 'n', Timestamp: '2021-05-12T01:43:29.774000+00:00' },
        { StackId: 's', EventId: 'b', StackName: 'n', Timestamp: 1741711187.512 },
        { StackId: 's', EventId: 'c', StackName: 'n', Timestamp: new Date('2025-03-14T00:00:00Z') },
      ],
    });
    expect(a?.Timestamp).toEqual(new Date('2021-05-12T01:43:29.774Z'));
    expect(b?.Timestamp).toEqual(new Date(1741711187512));
    expect(c?.Timestamp).toEqual(new Date('2025-03-14T00:00:00Z'));
  });

  it('every fixture has exactly the DescribeStackEvents fields, newest first', () => {
    const allowed = ['StackId', 'EventId', 'StackName', 'LogicalResourceId', 'PhysicalResourceId', 'ResourceType', 'Timestamp', 'ResourceStatus', 'ResourceStatusReason', 'ResourceProperties', 'ClientRequestToken'];
    for (const name of ['create-failed', 'delete-failed', 'update-rollback-failed']) {
      const raw = fixture<{ StackEvents: Array<Record<string, unknown>> }>(`api/cfn-describe-stack-events-${name}.json`);
      expect(Object.keys(raw)).toEqual(['StackEvents']);
      for (const e of raw.StackEvents) for (const key of Object.keys(e)) expect(allowed, `${name}: ${key}`).toContain(key);
      const times = parseDescribeStackEvents(raw).map((e) => e.Timestamp?.getTime() ?? 0);
      expect(times).toEqual([...times].sort((x, y) => y - x));
    }
  });

  it.each([
    [{}, 'expected a DescribeStackEvents response: {"StackEvents": [...]}'],
    [{ StackEvents: [1] }, 'StackEvents[0] is not an object'],
    [{ StackEvents: [{ EventId: 'a', StackName: 'n' }] }, 'StackEvents[0].StackId is missing'],
    [{ StackEvents: [{ StackId: 's', EventId: 'a', StackName: 'n', Timestamp: 'yesterday' }] }, 'StackEvents[0].Timestamp is not a time: "yesterday"'],
  ])('rejects %j: %s', (raw, message) => {
    expect(() => parseDescribeStackEvents(raw)).toThrowError(InvalidStackEventsError);
    expect(() => parseDescribeStackEvents(raw)).toThrowError(message);
  });
});
