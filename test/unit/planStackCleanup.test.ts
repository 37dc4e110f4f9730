import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { belongsToStack, describeCleanup, planStackCleanup, STACK_ID_TAG } from '../../shared/cleanup/planStackCleanup';
import type { BlockedResource, Blocker, EniFact, StackScope } from '../../shared/cleanup/types';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-db/5f1c9a40-2b7e-11f0-9a3b-0e5c7d2a4b61';
const scope: StackScope = {
  stackId: STACK_ID,
  stackName: 'checkout-db',
  resources: [
    { logicalId: 'DatabaseSecurityGroup', physicalId: 'sg-0db00000000000001', type: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED' },
    { logicalId: 'DatabaseSubnetGroup', physicalId: 'checkout-db-subnets', type: 'AWS::RDS::DBSubnetGroup', status: 'DELETE_FAILED' },
    { logicalId: 'RotationSecurityGroup', physicalId: 'sg-0db00000000000002', type: 'AWS::EC2::SecurityGroup', status: 'DELETE_COMPLETE' },
  ],
};
const eni = (over: Partial<EniFact>): Blocker => ({
  kind: 'eni',
  eni: { id: 'eni-0a1b2c3d4e5f60718', status: 'available', owner: 'unknown', description: '', groupIds: ['sg-0db00000000000001'], tags: {}, ...over },
});
const sgBlocked = (...blockers: Blocker[]): BlockedResource => ({
  logicalId: 'DatabaseSecurityGroup',
  physicalId: 'sg-0db00000000000001',
  type: 'AWS::EC2::SecurityGroup',
  reason: 'resource sg-0db00000000000001 has a dependent object',
  blockers,
});

describe('Plan: stack cleanup (DELETE_FAILED)', () => {
  it('deletes a detached ENI whose only security groups belong to the stack', () => {
    const plan = planStackCleanup(scope, [sgBlocked(eni({ groupIds: ['sg-0db00000000000001', 'sg-0db00000000000002'] }))]);
    expect(plan).toEqual({
      steps: [{ kind: 'delete-eni', target: 'eni-0a1b2c3d4e5f60718', forResource: 'DatabaseSecurityGroup', proof: 'detached ENI whose only security groups belong to the stack' }],
      waits: [],
      skips: [],
      unresolvable: [],
    });
  });

  it('never touches a protected blocker (tag or MEDIC_PROTECTED): reported, and its resource retained', () => {
    const tagged = planStackCleanup(scope, [sgBlocked(eni({ tags: { 'deploy-medic:protected': 'true' } }))]);
    expect(tagged.steps).toEqual([]);
    expect(tagged.skips).toEqual([
      {
        target: 'eni-0a1b2c3d4e5f60718',
        forResource: 'DatabaseSecurityGroup',
        reason: 'protected (tag deploy-medic:protected=true): never touched',
        fix: 'remove it by hand if it really must go, or retain DatabaseSecurityGroup',
      },
    ]);
    expect(tagged.unresolvable).toEqual(['DatabaseSecurityGroup']);
    // The same ENI, protected by the config list instead, even though it carries the stack id.
    const listed = planStackCleanup(scope, [sgBlocked(eni({ tags: { [STACK_ID_TAG]: STACK_ID } }))], { revokeExternalReferences: false, protected: ['eni-0a1b*'] });
    expect(listed.steps).toEqual([]);
    expect(listed.skips[0]?.reason).toBe('protected (MEDIC_PROTECTED eni-0a1b*): never touched');
  });

  it('never revokes a rule in a protected group, even with revokeExternalReferences on', () => {
    const ref: Blocker = {
      kind: 'sg-reference',
      reference: { groupId: 'sg-0app0000000000009', direction: 'ingress', protocol: 'tcp', fromPort: 5432, toPort: 5432, referencedGroupId: 'sg-0db00000000000001', tags: {} },
    };
    const plan = planStackCleanup(scope, [sgBlocked(ref)], { revokeExternalReferences: true, protected: ['sg-0app*'] });
    expect(plan.steps).toEqual([]);
    expect(plan.skips[0]?.reason).toBe('the rule\'s group sg-0app0000000000009 is protected (MEDIC_PROTECTED sg-0app*): never touched');
  });

  it('leaves a detached ENI that is also in a group outside the stack, with the command to do it by hand', () => {
    const plan = planStackCleanup(scope, [sgBlocked(eni({ groupIds: ['sg-0db00000000000001', 'sg-0app0000000000009'] }))]);
    expect(plan.steps).toEqual([]);
    expect(plan.skips).toEqual([
      {
        target: 'eni-0a1b2c3d4e5f60718',
        forResource: 'DatabaseSecurityGroup',
        reason: 'detached, but also in sg-0app0000000000009 outside the stack: not proven orphaned',
        fix: 'aws ec2 delete-network-interface --network-interface-id eni-0a1b2c3d4e5f60718',
      },
    ]);
    expect(plan.unresolvable).toEqual(['DatabaseSecurityGroup']);
  });

  it('waits for a Lambda-managed ENI instead of touching it', () => {
    const plan = planStackCleanup(scope, [sgBlocked(eni({ status: 'in-use', owner: 'lambda', description: 'AWS Lambda VPC ENI-rotate' }))]);
    expect(plan.steps).toEqual([]);
    expect(plan.waits).toEqual([
      { target: 'eni-0a1b2c3d4e5f60718', forResource: 'DatabaseSecurityGroup', reason: expect.stringContaining('ENI owned by Lambda') },
    ]);
    expect(plan.unresolvable).toEqual([]);
  });

  it.each(['elb', 'rds', 'ecs', 'ec2-instance'] as const)('reports an attached ENI owned by %s and retains the group', (owner) => {
    const plan = planStackCleanup(scope, [sgBlocked(eni({ status: 'in-use', owner }))]);
    expect(plan.steps).toEqual([]);
    expect(plan.skips[0]?.reason).toMatch(new RegExp(`attached ENI owned by ${owner}`));
    expect(plan.unresolvable).toEqual(['DatabaseSecurityGroup']);
  });

  it('revokes a referencing rule only in a group that belongs to the stack', () => {
    const reference = (groupId: string, tags: Record<string, string> = {}): Blocker => ({
      kind: 'sg-reference',
      reference: { groupId, direction: 'ingress', protocol: 'tcp', fromPort: 5432, toPort: 5432, referencedGroupId: 'sg-0db00000000000001', tags },
    });
    const plan = planStackCleanup(scope, [
      sgBlocked(reference('sg-0db00000000000002'), reference('sg-0tagged000000003', { [STACK_ID_TAG]: STACK_ID }), reference('sg-0app0000000000009')),
    ]);
    expect(plan.steps.map((s) => [s.kind, s.target])).toEqual([
      ['revoke-reference', 'sg-0db00000000000002:ingress:tcp:5432-5432->sg-0db00000000000001'],
      ['revoke-reference', 'sg-0tagged000000003:ingress:tcp:5432-5432->sg-0db00000000000001'],
    ]);
    expect(plan.skips).toEqual([
      {
        target: 'sg-0app0000000000009:ingress:tcp:5432-5432->sg-0db00000000000001',
        forResource: 'DatabaseSecurityGroup',
        reason: 'a rule in sg-0app0000000000009 (outside the stack) references sg-0db00000000000001',
        fix: 'aws ec2 revoke-security-group-ingress --group-id sg-0app0000000000009 --ip-permissions IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId=sg-0db00000000000001}]',
      },
    ]);
    // With the policy switched on, the outside rule is revoked too - and the proof says why.
    const permissive = planStackCleanup(scope, [sgBlocked(reference('sg-0app0000000000009'))], { revokeExternalReferences: true, protected: [] });
    expect(permissive.steps[0]?.proof).toBe("policy revokeExternalReferences allows revoking rules that reference the stack's group sg-0db00000000000001");
  });

  it('never touches a DB instance in the subnet group: reported, and the subnet group retained', () => {
    const plan = planStackCleanup(scope, [
      { logicalId: 'DatabaseSubnetGroup', physicalId: 'checkout-db-subnets', type: 'AWS::RDS::DBSubnetGroup', blockers: [{ kind: 'db-instance', id: 'checkout-db-1', status: 'available' }] },
    ]);
    expect(plan.steps).toEqual([]);
    expect(plan.unresolvable).toEqual(['DatabaseSubnetGroup']);
    expect(describeCleanup(plan)).toEqual([
      'skipped: checkout-db-1 (blocks DatabaseSubnetGroup): DB instance checkout-db-1 still uses it: data stores are never touched; fix: move or delete checkout-db-1 deliberately (snapshot first), or retain DatabaseSubnetGroup',
    ]);
  });

  describe('safety invariant', () => {
    const ids = (prefix: string) => fc.integer({ min: 0, max: 9 }).map((n) => `${prefix}-${n}`);
    const tagArb = fc.oneof(fc.constant({}), fc.constant({ [STACK_ID_TAG]: STACK_ID }), fc.constant({ [STACK_ID_TAG]: 'arn:aws:cloudformation:us-east-1:111122223333:stack/other/1' }));
    const blockerArb: fc.Arbitrary<Blocker> = fc.oneof(
      fc.record({
        kind: fc.constant('eni' as const),
        eni: fc.record({
          id: ids('eni'),
          status: fc.constantFrom('available', 'in-use'),
          owner: fc.constantFrom('lambda', 'elb', 'rds', 'ecs', 'ec2-instance', 'unknown' as const),
          description: fc.string(),
          groupIds: fc.array(ids('sg'), { maxLength: 3 }),
          tags: tagArb,
        }),
      }),
      fc.record({
        kind: fc.constant('sg-reference' as const),
        reference: fc.record({
          groupId: ids('sg'),
          direction: fc.constantFrom('ingress', 'egress' as const),
          protocol: fc.constantFrom('tcp', '-1'),
          fromPort: fc.integer({ min: 0, max: 65535 }),
          toPort: fc.integer({ min: 0, max: 65535 }),
          referencedGroupId: ids('sg'),
          tags: tagArb,
        }),
      }),
      fc.record({ kind: fc.constant('db-instance' as const), id: ids('db') }),
      fc.record({ kind: fc.constant('db-cluster' as const), id: ids('cluster') }),
      fc.record({ kind: fc.constant('bucket-not-empty' as const), bucket: ids('bucket') }),
    );
    const scopeArb = fc.array(fc.oneof(ids('sg'), ids('eni')), { maxLength: 6 }).map(
      (physicalIds): StackScope => ({
        stackId: STACK_ID,
        stackName: 'checkout-db',
        resources: physicalIds.map((physicalId, i) => ({ logicalId: `R${i}`, physicalId, type: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED' })),
      }),
    );
    const blockedArb = fc.array(
      fc.record({ logicalId: fc.constantFrom('A', 'B', 'C'), physicalId: ids('sg'), type: fc.constant('AWS::EC2::SecurityGroup'), blockers: fc.array(blockerArb, { maxLength: 6 }) }),
      { maxLength: 4 },
    );

    it('never plans a write outside the stack, its stack-id tag or a proven orphan; never a data store', () => {
      fc.assert(
        fc.property(scopeArb, blockedArb, (generatedScope, blocked) => {
          const plan = planStackCleanup(generatedScope, blocked);
          // The planner judges an ENI by the first fact it sees for that id; so does the check.
          const enis = new Map<string, EniFact>();
          for (const b of blocked.flatMap((r) => r.blockers)) if (b.kind === 'eni' && !enis.has(b.eni.id)) enis.set(b.eni.id, b.eni);
          for (const step of plan.steps) {
            if (step.kind === 'delete-eni') {
              const fact = enis.get(step.target);
              expect(fact).toBeDefined();
              const proven =
                belongsToStack(generatedScope, step.target, fact?.tags) ||
                (fact?.status === 'available' && (fact.groupIds.length ?? 0) > 0 && fact.groupIds.every((g) => belongsToStack(generatedScope, g)));
              expect(proven).toBe(true);
              expect(fact?.status).toBe('available');
            } else {
              expect(belongsToStack(generatedScope, step.reference.groupId, step.reference.tags)).toBe(true);
            }
            expect(step.target).not.toMatch(/^(db|cluster|bucket)-/);
          }
        }),
        { numRuns: 5000 },
      );
    });
  });
});
