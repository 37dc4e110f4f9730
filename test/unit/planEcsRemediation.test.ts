import type { Service } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { ECS_REMEDIATION_POLICIES, type EcsPlanInput, planEcsRemediation } from '../../shared/planning/planEcsRemediation';
import { ECS_CATEGORIES } from '../../shared/taxonomy';
import { fixture } from '../support/fixtures';

const FAILING = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
const GOOD = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6';
const config = loadConfig({});
const service = (): Service => fixture<{ services: Service[] }>('api/ecs-describe-services.json').services[0]!;

const input = (over: Partial<EcsPlanInput> = {}): EcsPlanInput => ({
  cluster: 'prod',
  service: 'checkout-api',
  taskDefinitionArn: FAILING,
  category: 'APP_CRASH',
  confidence: 0.9,
  containers: [],
  facts: { service: service(), lastKnownGood: { taskDefinitionArn: GOOD, recordedAt: '2025-03-13T18:02:11Z', source: 'SERVICE_DEPLOYMENT_COMPLETED ecs-svc/1' } },
  sizing: () => ({ fargate: true, cpu: 256, memory: 512, containers: [{ name: 'checkout-api', memory: 512 }] }),
  config,
  ...over,
});

describe('Plan: ECS remediation policies', () => {
  it('has a policy for every ECS category', () => {
    expect(Object.keys(ECS_REMEDIATION_POLICIES).sort()).toEqual([...ECS_CATEGORIES].sort());
  });

  it.each(['SECRETS_OR_CONFIG', 'PERMISSIONS', 'ARCH_MISMATCH', 'APP_CRASH', 'HEALTH_CHECK'] as const)(
    '%s on a new revision rolls back to the last known good one from the ledger',
    (category) => {
      expect(planEcsRemediation(input({ category }))).toMatchObject({
        action: 'ecs-rollback',
        cluster: 'prod',
        service: 'checkout-api',
        fromTaskDefinitionArn: FAILING,
        toTaskDefinitionArn: GOOD,
        toSource: 'last known good since 2025-03-13T18:02:11Z (SERVICE_DEPLOYMENT_COMPLETED ecs-svc/1)',
      });
    },
  );

  it('without a ledger record, rolls back to the deployment ECS still shows COMPLETED', () => {
    const plan = planEcsRemediation(input({ facts: { service: service(), lastKnownGood: null } }));
    expect(plan).toMatchObject({ action: 'ecs-rollback', toTaskDefinitionArn: GOOD, toSource: expect.stringContaining('(COMPLETED)') });
  });

  it('with nothing known good, notifies instead of guessing a target', () => {
    const svc = service();
    svc.deployments = svc.deployments?.filter((d) => d.status === 'PRIMARY');
    expect(planEcsRemediation(input({ facts: { service: svc, lastKnownGood: null } }))).toEqual({
      action: 'notify-only',
      reason: 'the application crashes at start in the new revision, but no last known good revision is recorded for this service: nothing safe to roll back to',
    });
  });

  it('a failing revision that was itself the last known good is not a bad deploy: no rollback', () => {
    const plan = planEcsRemediation(input({ facts: { service: service(), lastKnownGood: { taskDefinitionArn: FAILING, recordedAt: 'x', source: 'y' } } }));
    expect(plan.action).toBe('notify-only');
    expect(plan.reason).toMatch(/is the last known good one: not a bad deploy/);
  });

  it('names the owning CloudFormation stack, so the rollback can cancel its update', () => {
    const svc = service();
    svc.tags = [...(svc.tags ?? []), { key: 'aws:cloudformation:stack-name', value: 'checkout-prod' }];
    expect(planEcsRemediation(input({ facts: { service: svc, lastKnownGood: null } }))).toMatchObject({ action: 'ecs-rollback', stackName: 'checkout-prod' });
  });

  it('offline, plans the rollback and leaves the target to the online diagnosis', () => {
    const plan = planEcsRemediation(input({ facts: {} }));
    expect(plan).toEqual({
      action: 'ecs-rollback',
      reason: 'the application crashes at start in the new revision: roll back to the last known good revision',
      cluster: 'prod',
      service: 'checkout-api',
      fromTaskDefinitionArn: FAILING,
    });
  });

  it('IMAGE_PULL transient: redeploy with backoff, then roll back', () => {
    expect(planEcsRemediation(input({ category: 'IMAGE_PULL', variant: 'transient' }))).toMatchObject({
      action: 'ecs-redeploy',
      taskDefinitionArn: FAILING,
      retry: { maxAttempts: 3 },
      fallback: { action: 'ecs-rollback', toTaskDefinitionArn: GOOD },
    });
  });

  it('IMAGE_PULL permanent: roll back at once', () => {
    expect(planEcsRemediation(input({ category: 'IMAGE_PULL', variant: 'permanent' }))).toMatchObject({ action: 'ecs-rollback', toTaskDefinitionArn: GOOD });
  });

  it('NETWORK: redeploy with backoff, then roll back', () => {
    expect(planEcsRemediation(input({ category: 'NETWORK' }))).toMatchObject({ action: 'ecs-redeploy', fallback: { action: 'ecs-rollback' } });
  });

  it('CAPACITY_PLACEMENT: redeploy with backoff, then notify naming the failed constraint', () => {
    expect(planEcsRemediation(input({ category: 'CAPACITY_PLACEMENT', variant: 'memory' }))).toMatchObject({
      action: 'ecs-redeploy',
      fallback: { action: 'notify-only', reason: 'still no capacity after retrying: the memory constraint failed; add capacity or relax the constraint' },
    });
  });

  it.each(['DEPENDENCY', 'UNKNOWN'] as const)('%s notifies on-call and changes nothing', (category) => {
    expect(planEcsRemediation(input({ category })).action).toBe('notify-only');
  });

  it('a reading below the confidence needed to act is reported, not acted on', () => {
    expect(planEcsRemediation(input({ category: 'IMAGE_PULL', variant: 'permanent', confidence: 0.4 }))).toEqual({
      action: 'notify-only',
      reason: 'IMAGE_PULL at confidence 0.40 is below the 0.5 needed to act: would ecs-rollback, reporting only',
    });
  });

  it('a service not opted in is reported on, never changed', () => {
    const svc = service();
    svc.tags = [];
    expect(planEcsRemediation(input({ facts: { service: svc, lastKnownGood: null } }))).toEqual({
      action: 'notify-only',
      reason: 'service prod/checkout-api is not opted in (tag deploy-medic:enabled=true): would ecs-rollback, reporting only',
    });
  });
});
