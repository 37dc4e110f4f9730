/**
 * The proof behind deleting an orphan that would clash on re-create, as a property: whatever
 * the candidates look like, the plan deletes only resources whose CloudFormation tags say
 * "created as this logical id by a stack of this name", whose stack is gone, that nothing
 * uses, of a type that holds no data - and leaves every other clash to a human, with a line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Clash, isProvenClashingOrphan, LOGICAL_ID_TAG, type OrphanCandidate, ORPHAN_TYPES, planClashingOrphans, STACK_ID_TAG, STACK_NAME_TAG } from '../../shared/cleanup/clashingOrphans';
import { clashesOf } from '../../shared/diagnosis/cfn/clashes';
import type { StackEvent } from '../../shared/diagnosis/cfn/stackEvents';
import { fixture } from '../support/fixtures';

const failed = { stackName: 'orders', stackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/orders/new' };
const DEAD_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/orders/old';
const TYPES = [...Object.keys(ORPHAN_TYPES), 'AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::DynamoDB::Table'];

const clashArb: fc.Arbitrary<Clash> = fc.record(
  {
    logicalId: fc.constantFrom('DatabaseSecurityGroup', 'DatabaseSubnetGroup', 'AssetsBucket'),
    type: fc.constantFrom(...TYPES),
    name: fc.constantFrom('orders-db', 'orders-db-subnets'),
    ownerStack: fc.constantFrom('arn:aws:cloudformation:us-east-1:111122223333:stack/checkout/1'),
  },
  { requiredKeys: ['logicalId', 'type'] },
);

const candidateArb = (clash: Clash): fc.Arbitrary<OrphanCandidate> =>
  fc.record(
    {
      clash: fc.constant(clash),
      type: fc.oneof(fc.constant(clash.type), fc.constantFrom(...TYPES)),
      physicalId: fc.constantFrom('sg-0a1b2c3d', 'orders-db-subnets', 'sg-9f8e7d6c'),
      tags: fc.record(
        {
          [STACK_NAME_TAG]: fc.constantFrom('orders', 'orders-v2', 'checkout'),
          [STACK_ID_TAG]: fc.constantFrom(DEAD_ID, failed.stackId, 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout/1'),
          [LOGICAL_ID_TAG]: fc.constantFrom(clash.logicalId, 'SomethingElse'),
        },
        { requiredKeys: [] },
      ) as fc.Arbitrary<Record<string, string>>,
      ownerStackStatus: fc.constantFrom('DELETE_COMPLETE', 'GONE', 'CREATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'DELETE_IN_PROGRESS', undefined),
      inUseBy: fc.constantFrom(undefined, '1 network interface'),
    },
    { requiredKeys: ['clash', 'type', 'physicalId', 'tags'] },
  );

const scenarioArb = fc.array(clashArb, { minLength: 0, maxLength: 3 }).chain((clashes) =>
  fc.tuple(fc.constant(clashes), clashes.length === 0 ? fc.constant([] as OrphanCandidate[]) : fc.array(fc.oneof(...clashes.map(candidateArb)), { maxLength: 6 })),
);

describe('Clashing orphans: the safety invariant', () => {
  it('never plans to delete a resource that is not proven orphaned (5,000 generated cases)', () => {
    fc.assert(
      fc.property(scenarioArb, ([clashes, candidates]) => {
        const plan = planClashingOrphans(failed, clashes, candidates);
        for (const orphan of plan.delete) {
          // Some candidate behind this delete satisfies every part of the proof (checked here, not by the planner's function).
          const provenBy = candidates.filter(
            (c) =>
              c.physicalId === orphan.physicalId &&
              c.type === orphan.type &&
              c.clash.logicalId === orphan.logicalId &&
              c.clash.type === orphan.type &&
              c.clash.ownerStack === undefined &&
              c.tags[STACK_NAME_TAG] === failed.stackName &&
              c.tags[LOGICAL_ID_TAG] === orphan.logicalId &&
              c.tags[STACK_ID_TAG] === orphan.createdBy &&
              orphan.createdBy !== failed.stackId &&
              ['DELETE_COMPLETE', 'GONE'].includes(c.ownerStackStatus ?? '') &&
              c.inUseBy === undefined &&
              Object.keys(ORPHAN_TYPES).includes(orphan.type),
          );
          expect(provenBy, JSON.stringify(orphan)).not.toHaveLength(0);
        }
        expect(new Set(plan.delete.map((o) => `${o.type}|${o.physicalId}`)).size).toBe(plan.delete.length);
        // Every clash is accounted for: something to delete, or a line for a human.
        for (const clash of clashes) {
          const handled = plan.delete.some((o) => o.logicalId === clash.logicalId) || plan.leave.some((l) => l.includes(`${clash.logicalId} (`));
          expect(handled).toBe(true);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('the property can fail: a proof that forgets the stack-id check lets the failed stack\'s own resource through', () => {
    const own: OrphanCandidate = {
      clash: { logicalId: 'DatabaseSecurityGroup', type: 'AWS::EC2::SecurityGroup' },
      type: 'AWS::EC2::SecurityGroup',
      physicalId: 'sg-0a1b2c3d',
      tags: { [STACK_NAME_TAG]: 'orders', [STACK_ID_TAG]: failed.stackId, [LOGICAL_ID_TAG]: 'DatabaseSecurityGroup' },
      ownerStackStatus: 'GONE',
    };
    expect(isProvenClashingOrphan(own, failed)).toEqual({ proven: false, why: 'it belongs to the failed stack itself' });
    expect(isProvenClashingOrphan({ ...own, tags: { ...own.tags, [STACK_ID_TAG]: DEAD_ID } }, failed)).toEqual({ proven: true });
  });

  it('a data store is never deleted, whatever its tags say', () => {
    const bucket: OrphanCandidate = {
      clash: { logicalId: 'AssetsBucket', type: 'AWS::S3::Bucket', name: 'orders-assets' },
      type: 'AWS::S3::Bucket',
      physicalId: 'orders-assets',
      tags: { [STACK_NAME_TAG]: 'orders', [STACK_ID_TAG]: DEAD_ID, [LOGICAL_ID_TAG]: 'AssetsBucket' },
      ownerStackStatus: 'DELETE_COMPLETE',
    };
    const plan = planClashingOrphans(failed, [bucket.clash], [bucket]);
    expect(plan.delete).toEqual([]);
    expect(plan.leave).toEqual(['skipped: AssetsBucket (AWS::S3::Bucket "orders-assets") clashes with orders-assets, not proven orphaned (AWS::S3::Bucket is not a type deploy-medic deletes (it may hold data)): check it by hand once it is safe']);
  });
});

describe('clashesOf: the creates that failed on a taken name', () => {
  it('reads the recorded checkout-worker create: the log group name is owned by a live stack', () => {
    const events = fixture<{ StackEvents: StackEvent[] }>('api/cfn-describe-stack-events-create-failed.json').StackEvents.map((e) => ({ ...e, Timestamp: new Date(e.Timestamp as unknown as string) }));
    const stackId = events[0]!.StackId!;
    expect(clashesOf(events, stackId)).toEqual([
      {
        logicalId: 'WorkerLogGroup',
        type: 'AWS::Logs::LogGroup',
        name: '/ecs/checkout-worker',
        ownerStack: expect.stringMatching(/^arn:aws:cloudformation:us-east-1:111122223333:stack\/checkout-api\//),
      },
    ]);
    // And the plan leaves it to a human: the name is another stack's.
    const plan = planClashingOrphans({ stackId, stackName: 'checkout-worker' }, clashesOf(events, stackId), []);
    expect(plan.delete).toEqual([]);
    expect(plan.leave[0]).toMatch(/^skipped: WorkerLogGroup \(AWS::Logs::LogGroup "\/ecs\/checkout-worker"\) clashes on re-create - the name belongs to stack arn:aws:cloudformation/);
  });
});
