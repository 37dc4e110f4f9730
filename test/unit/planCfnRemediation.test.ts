import { describe, expect, it } from 'vitest';
import type { BlockedResource, StackScope } from '../../shared/cleanup/types';
import { loadConfig } from '../../shared/config';
import { type CfnPlanInput, planCfnRemediation } from '../../shared/planning/planCfnRemediation';
import { scopeVerdict } from '../../shared/policy/scope';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-db/9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93';
const scope: StackScope = {
  stackId: STACK_ID,
  stackName: 'checkout-db',
  resources: [
    { logicalId: 'DatabaseSecurityGroup', physicalId: 'sg-0db00000000000001', type: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED' },
    { logicalId: 'DatabaseSubnetGroup', physicalId: 'checkout-db-subnets', type: 'AWS::RDS::DBSubnetGroup', status: 'DELETE_FAILED' },
  ],
};
const blocked: BlockedResource[] = [
  {
    logicalId: 'DatabaseSecurityGroup',
    physicalId: 'sg-0db00000000000001',
    type: 'AWS::EC2::SecurityGroup',
    blockers: [{ kind: 'eni', eni: { id: 'eni-0a1b2c3d4e5f60718', status: 'available', owner: 'lambda', description: 'AWS Lambda VPC ENI-rotate', groupIds: ['sg-0db00000000000001'], tags: {} } }],
  },
  { logicalId: 'DatabaseSubnetGroup', physicalId: 'checkout-db-subnets', type: 'AWS::RDS::DBSubnetGroup', blockers: [{ kind: 'db-instance', id: 'checkout-db-1' }] },
];
const input = (over: Partial<CfnPlanInput> = {}): CfnPlanInput => ({
  stackId: STACK_ID,
  stackName: 'checkout-db',
  status: 'DELETE_FAILED',
  category: 'DEPENDENCY_VIOLATION',
  verdict: { writable: true },
  scope,
  blocked,
  failedRollback: [],
  config: loadConfig({}),
  ...over,
});

describe('Plan: CloudFormation remediation', () => {
  it('DELETE_FAILED: cleanup then delete, retry, then delete retaining what cannot be freed', () => {
    expect(planCfnRemediation(input())).toEqual({
      action: 'cfn-cleanup-delete',
      stackId: STACK_ID,
      stackName: 'checkout-db',
      reason: 'free what blocks DatabaseSecurityGroup, DatabaseSubnetGroup, then delete again; if blockers remain, delete retaining them',
      preview: {
        steps: [
          'delete ENI eni-0a1b2c3d4e5f60718 (blocks DatabaseSecurityGroup): detached ENI whose only security groups belong to the stack',
          'skipped: checkout-db-1 (blocks DatabaseSubnetGroup): DB instance checkout-db-1 still uses it: data stores are never touched; fix: move or delete checkout-db-1 deliberately (snapshot first), or retain DatabaseSubnetGroup',
        ],
        unresolvable: ['DatabaseSubnetGroup'],
      },
      retry: { maxAttempts: 2 },
      fallback: {
        action: 'cfn-delete-stack',
        stackId: STACK_ID,
        stackName: 'checkout-db',
        retainFailed: true,
        reason: 'blockers remain that cannot be removed safely: delete, retaining the resources that still fail',
      },
    });
  });

  it('DELETE_FAILED held by a Lambda ENI: retries long enough for Lambda to release it (about 45 minutes)', () => {
    const lambda: BlockedResource[] = [
      { ...blocked[0]!, blockers: [{ kind: 'eni', eni: { id: 'eni-1', status: 'in-use', owner: 'lambda', description: 'AWS Lambda VPC ENI-rotate', groupIds: ['sg-0db00000000000001'], tags: {} } }] },
    ];
    expect(planCfnRemediation(input({ blocked: lambda }))).toMatchObject({ action: 'cfn-cleanup-delete', retry: { maxAttempts: 6 } });
  });

  it('ROLLBACK_FAILED takes the same road as DELETE_FAILED', () => {
    expect(planCfnRemediation(input({ status: 'ROLLBACK_FAILED' })).action).toBe('cfn-cleanup-delete');
  });

  it('a throttled delete is retried as it is', () => {
    expect(planCfnRemediation(input({ category: 'THROTTLING' }))).toMatchObject({ action: 'cfn-delete-stack', retainFailed: false, retry: { maxAttempts: 4 } });
  });

  it('UPDATE_ROLLBACK_FAILED: skips only resources that no longer exist', () => {
    expect(planCfnRemediation(input({ status: 'UPDATE_ROLLBACK_FAILED', category: 'NOT_FOUND', failedRollback: [{ logicalId: 'ApiFunction', category: 'NOT_FOUND' }] }))).toMatchObject({
      action: 'cfn-continue-update-rollback',
      resourcesToSkip: ['ApiFunction'],
    });
    const unsafe = planCfnRemediation(
      input({ status: 'UPDATE_ROLLBACK_FAILED', category: 'RESOURCE_IN_USE', failedRollback: [{ logicalId: 'Database', category: 'RESOURCE_IN_USE' }, { logicalId: 'ApiFunction', category: 'NOT_FOUND' }] }),
    );
    expect(unsafe).toEqual({
      action: 'notify-only',
      reason:
        'the rollback of Database (RESOURCE_IN_USE) failed and skipping it is not proven safe: fix it, then aws cloudformation continue-update-rollback --stack-name checkout-db',
    });
  });

  it('UPDATE_ROLLBACK_FAILED on throttling: continue as is, with retries', () => {
    expect(planCfnRemediation(input({ status: 'UPDATE_ROLLBACK_FAILED', category: 'THROTTLING' }))).toMatchObject({
      action: 'cfn-continue-update-rollback',
      resourcesToSkip: [],
      retry: { maxAttempts: 3 },
    });
  });

  it('ROLLBACK_COMPLETE after a create: delete the stack that never got created', () => {
    expect(planCfnRemediation(input({ status: 'ROLLBACK_COMPLETE', category: 'ALREADY_EXISTS' }))).toMatchObject({ action: 'cfn-delete-stack', retainFailed: false });
  });

  it.each([
    ['PERMISSIONS', 'CloudFormation lacks a permission: grant it (see the evidence), then retry by hand'],
    ['INVALID_TEMPLATE_OR_PARAM', 'the template or a parameter is invalid: fix it and deploy again'],
  ] as const)('%s: only a human can fix it - no writes', (category, reason) => {
    expect(planCfnRemediation(input({ category }))).toEqual({ action: 'notify-only', reason });
  });

  it('QUOTA_LIMIT names the quota', () => {
    expect(planCfnRemediation(input({ status: 'ROLLBACK_COMPLETE', category: 'QUOTA_LIMIT', quota: 'DB instances (L-7B6409FD)' }))).toEqual({
      action: 'notify-only',
      reason: 'a service quota is exhausted (DB instances (L-7B6409FD)): raise it in Service Quotas or free capacity, then deploy again',
    });
  });

  it('a stack that is not opted in is reported on, never changed', () => {
    const verdict = scopeVerdict({ kind: 'cfn-stack', name: 'checkout-db', tags: [] }, { allowlist: [], protected: [] });
    expect(planCfnRemediation(input({ verdict }))).toEqual({
      action: 'notify-only',
      reason: 'stack checkout-db is not opted in (tag deploy-medic:enabled=true): would cfn-cleanup-delete, reporting only',
    });
  });

  it('a protected stack is reported on, never changed, even when opted in', () => {
    const verdict = scopeVerdict(
      { kind: 'cfn-stack', name: 'checkout-db', tags: [{ Key: 'deploy-medic:enabled', Value: 'true' }, { Key: 'deploy-medic:protected', Value: 'true' }] },
      { allowlist: [], protected: [] },
    );
    expect(planCfnRemediation(input({ verdict }))).toEqual({
      action: 'notify-only',
      reason: 'stack checkout-db is protected (tag deploy-medic:protected=true): would cfn-cleanup-delete, reporting only',
    });
  });
});
