import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../shared/events/parseEvent';
import { executionNameFor, incidentFromTaskEvent } from '../../shared/incident';
import { ecsEvent } from '../support/fixtures';

const taskEvent = (mutate?: (e: ReturnType<typeof ecsEvent>) => void) => {
  const raw = ecsEvent('ecs-task-stopped-oom-fargate');
  mutate?.(raw);
  const parsed = parseEvent(raw);
  if (parsed.kind !== 'ecs-task-state-change') throw new Error('fixture is not a task event');
  return parsed.event;
};

describe('Incident', () => {
  it('is keyed by region, account, cluster, service, task definition revision and the ECS deployment that started the task', () => {
    expect(incidentFromTaskEvent(taskEvent())).toEqual({
      key: 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512',
      resource: {
        type: 'ecs-service',
        region: 'us-east-1',
        account: '111122223333',
        clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
        cluster: 'prod',
        service: 'checkout-api',
      },
      deployment: { taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7', family: 'checkout-api', revision: 7, id: 'ecs-svc/6120745581218348512' },
      trigger: {
        eventId: '5d2a8c41-7e93-b0f6-1c3d-9a4e6b2f8d17',
        detailType: 'ECS Task State Change',
        time: '2025-03-14T09:27:18Z',
        taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/prod/8f3e1c0a6b2d4e59a7c1f0d38b6e2a94',
      },
    });
  });

  it('two tasks of the same failing revision are one incident', () => {
    const other = taskEvent((e) => {
      e.id = 'another-delivery';
      e.detail.taskArn = 'arn:aws:ecs:us-east-1:111122223333:task/prod/0000000000000000000000000000aaaa';
    });
    expect(incidentFromTaskEvent(other)?.key).toBe(incidentFromTaskEvent(taskEvent())?.key);
  });

  it('a new revision of the same service is a new incident', () => {
    const next = taskEvent((e) => {
      e.detail.taskDefinitionArn = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';
    });
    expect(incidentFromTaskEvent(next)?.key).toBe('ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:8/ecs-svc/6120745581218348512');
  });

  it('the same revision deployed again (a pipeline retry, a rollback to it) and failing again is a new incident, with its own execution', () => {
    const again = taskEvent((e) => {
      e.detail.startedBy = 'ecs-svc/9034511872216640071';
    });
    expect(incidentFromTaskEvent(again)?.key).toBe('ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/9034511872216640071');
    expect(executionNameFor(incidentFromTaskEvent(again)!.key)).not.toBe(executionNameFor(incidentFromTaskEvent(taskEvent())!.key));
  });

  it('a task no service deployment started (startedBy another scheduler): the revision alone keys it', () => {
    const other = taskEvent((e) => {
      e.detail.startedBy = 'my-batch-runner';
    });
    expect(incidentFromTaskEvent(other)).toMatchObject({ key: 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7', deployment: { revision: 7 } });
    expect(incidentFromTaskEvent(other)?.deployment.id).toBeUndefined();
  });
});

describe('executionNameFor', () => {
  it('is readable and ends with a hash of the full key', () => {
    expect(executionNameFor('ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7')).toMatch(
      /^ecs-us-east-1-111122223333-prod-checkout-api-checkout-api-7-[0-9a-f]{10}$/,
    );
  });

  it('is always a valid Step Functions execution name, and different keys give different names', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), fc.string({ minLength: 1, maxLength: 300 }), (a, b) => {
        const name = executionNameFor(a);
        expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
        expect(executionNameFor(a)).toBe(name);
        if (a !== b) expect(executionNameFor(b)).not.toBe(name);
      }),
      { numRuns: 2000 },
    );
  });
});
