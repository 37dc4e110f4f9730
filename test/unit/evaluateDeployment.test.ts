import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { evaluateDeployment } from '../../shared/verify/evaluateDeployment';
import { fixture } from '../support/fixtures';

const TARGET = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';
const now = new Date('2025-03-14T09:40:00Z');
const clock = { now, deadline: new Date('2025-03-14T09:55:00Z') };

/** The DescribeServices fixture, rolled forward to a deployment of TARGET. */
function serviceRollingOut(primary: Partial<Deployment>, others: Deployment[] = []): Service {
  const service = fixture<{ services: Service[] }>('api/ecs-describe-services.json').services[0] as Service;
  const base = service.deployments?.[0] as Deployment;
  return { ...service, taskDefinition: TARGET, deployments: [{ ...base, taskDefinition: TARGET, ...primary }, ...others] };
}

describe('Verify: evaluateDeployment', () => {
  it('is STEADY when the new revision is the only deployment, running = desired, rollout COMPLETED', () => {
    const check = evaluateDeployment(serviceRollingOut({ runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }), TARGET, clock);
    expect(check).toEqual({
      status: 'STEADY',
      detail: `2/2 tasks running on ${TARGET}`,
      checkedAt: '2025-03-14T09:40:00.000Z',
      runningCount: 2,
      desiredCount: 2,
      rolloutState: 'COMPLETED',
    });
  });

  it('is STEADY without rolloutState (services without the circuit breaker report none)', () => {
    const check = evaluateDeployment(serviceRollingOut({ runningCount: 2, desiredCount: 2, rolloutState: undefined }), TARGET, clock);
    expect(check.status).toBe('STEADY');
  });

  it('is IN_PROGRESS while the old deployment still drains', () => {
    const old = { id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7', runningCount: 1, desiredCount: 0 };
    const check = evaluateDeployment(serviceRollingOut({ runningCount: 2, desiredCount: 2, rolloutState: 'IN_PROGRESS' }, [old]), TARGET, clock);
    expect(check.status).toBe('IN_PROGRESS');
    expect(check.detail).toBe('2/2 running, rolloutState IN_PROGRESS, 2 deployment(s)');
  });

  it('is FAILED when ECS says the rollout failed', () => {
    const check = evaluateDeployment(
      serviceRollingOut({ rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' }),
      TARGET,
      clock,
    );
    expect(check).toMatchObject({ status: 'FAILED', detail: 'rollout FAILED: ECS deployment circuit breaker: tasks failed to start.' });
  });

  it('is SUPERSEDED when another revision became primary', () => {
    const check = evaluateDeployment(serviceRollingOut({ taskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:9' }), TARGET, clock);
    expect(check.status).toBe('SUPERSEDED');
  });

  it('is DEADLINE_EXCEEDED when not steady at the deadline', () => {
    const check = evaluateDeployment(serviceRollingOut({ runningCount: 0, desiredCount: 2, rolloutState: 'IN_PROGRESS' }), TARGET, {
      now: new Date('2025-03-14T09:55:00Z'),
      deadline: new Date('2025-03-14T09:55:00Z'),
    });
    expect(check.status).toBe('DEADLINE_EXCEEDED');
    expect(check.detail).toMatch(/^not steady by the deadline 2025-03-14T09:55:00.000Z: 0\/2 running/);
  });

  it('a steady service past the deadline is still STEADY: success is not escalated', () => {
    const check = evaluateDeployment(serviceRollingOut({ runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }), TARGET, {
      now: new Date('2025-03-14T10:30:00Z'),
      deadline: clock.deadline,
    });
    expect(check.status).toBe('STEADY');
  });

  it('is FAILED when the service is gone', () => {
    expect(evaluateDeployment(undefined, TARGET, clock).status).toBe('FAILED');
  });

  describe('after a CloudFormation cancel (any revision but the failing one)', () => {
    const FAILING = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';
    it('is IN_PROGRESS while the failing revision is still primary', () => {
      const check = evaluateDeployment(serviceRollingOut({ taskDefinition: FAILING }), { awayFromTaskDefinitionArn: FAILING }, clock);
      expect(check).toMatchObject({ status: 'IN_PROGRESS', detail: `still on ${FAILING}` });
    });
    it('is STEADY once whatever CloudFormation restored runs alone and complete', () => {
      const check = evaluateDeployment(
        serviceRollingOut({ taskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:5', runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }),
        { awayFromTaskDefinitionArn: FAILING },
        clock,
      );
      expect(check.status).toBe('STEADY');
    });
  });
});
