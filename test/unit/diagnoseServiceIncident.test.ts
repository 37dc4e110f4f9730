import type { Service, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { diagnoseIncident } from '../../shared/diagnosis/diagnoseIncident';
import { parseEvent } from '../../shared/events/parseEvent';
import type { EcsServiceIncident } from '../../shared/incident';
import { ecsEvent, fixture } from '../support/fixtures';

const REV6 = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6';
const REV7 = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
const incident: EcsServiceIncident = {
  key: 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7',
  resource: { type: 'ecs-service', region: 'us-east-1', account: '111122223333', clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod', cluster: 'prod', service: 'checkout-api' },
  deployment: { taskDefinitionArn: REV7, family: 'checkout-api', revision: 7 },
  trigger: { eventId: 'e', detailType: 'ECS Deployment State Change', time: '2025-03-14T10:05:27Z' },
};
const config = loadConfig({});
const service = (): Service => fixture<{ services: Service[] }>('api/ecs-describe-services.json').services[0]!;
const taskDefinition = fixture<{ taskDefinition: TaskDefinition }>('api/ecs-describe-task-definition.json').taskDefinition;

/** A DescribeTasks Task carrying the same stop fields as a recorded stopped-task event. */
function stoppedTask(eventFixture: string): Task {
  const { detail } = ecsEvent(eventFixture) as { detail: Task };
  return { ...detail, taskDefinitionArn: REV7 };
}

describe('Diagnosis: incidents opened by service-level events (online)', () => {
  it('a FAILED deployment is diagnosed from the tasks it stopped, and rolled back to the last known good revision', () => {
    const d = diagnoseIncident(parseEvent(fixture('events/ecs-deployment-failed.json')), incident, {
      config,
      facts: {
        service: service(),
        taskDefinition,
        lastKnownGood: { taskDefinitionArn: REV6, recordedAt: '2025-03-13T18:02:11Z', source: 'SERVICE_DEPLOYMENT_COMPLETED ecs-svc/2748106493853251907' },
        stoppedTasks: [stoppedTask('ecs-task-stopped-image-pull-not-found'), stoppedTask('ecs-task-stopped-image-pull-not-found')],
      },
    });
    expect(d).toMatchObject({
      category: 'IMAGE_PULL',
      incidentKey: incident.key,
      runbook: 'docs/runbooks/IMAGE_PULL.md',
      plan: { action: 'ecs-rollback', fromTaskDefinitionArn: REV7, toTaskDefinitionArn: REV6 },
    });
    expect(d.evidence).toContain('2 stopped task(s) of checkout-api:7 read');
    expect(d.summary).toMatch(/^IMAGE_PULL in prod\/checkout-api \(checkout-api:7\): deployment ecs-svc\/6120745581218348512 failed/);
  });

  it('a FAILED deployment with no stopped task left to read is UNKNOWN and goes to a human', () => {
    const d = diagnoseIncident(parseEvent(fixture('events/ecs-deployment-failed.json')), incident, { config, facts: { service: service(), stoppedTasks: [] } });
    expect(d.category).toBe('UNKNOWN');
    expect(d.plan.action).toBe('notify-only');
  });

  it('a placement failure names the failed constraint and retries before telling on-call', () => {
    const d = diagnoseIncident(parseEvent(fixture('events/ecs-service-placement-failure-ec2.json')), incident, {
      config,
      facts: { service: service(), stoppedTasks: [] },
    });
    expect(d.category).toBe('CAPACITY_PLACEMENT');
    expect(d.plan).toMatchObject({
      action: 'ecs-redeploy',
      retry: { maxAttempts: 3 },
      fallback: { action: 'notify-only', reason: expect.stringContaining('the memory constraint failed') },
    });
  });
});
