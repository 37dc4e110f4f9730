import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../shared/events/parseEvent';
import { deploymentIdOf, ecsIncidentKey, incidentFromTaskEvent, serviceRefFromArn } from '../../shared/incident';
import { ecsEvent, fixture } from '../support/fixtures';

const parsed = (name: string, mutate?: (raw: ReturnType<typeof ecsEvent>) => void) => {
  const raw = ecsEvent(name);
  mutate?.(raw);
  const event = parseEvent(raw);
  if (event.kind !== 'ecs-task-state-change' && event.kind !== 'ecs-deployment-state-change' && event.kind !== 'ecs-service-action') throw new Error(`${name} is not an ECS event`);
  return event.event;
};

describe('serviceRefFromArn', () => {
  it('reads region, account, cluster and service from a long service ARN', () => {
    expect(serviceRefFromArn('arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api')).toEqual({
      serviceArn: 'arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api',
      region: 'us-east-1',
      account: '111122223333',
      cluster: 'prod',
      service: 'checkout-api',
    });
  });

  it('works in other partitions', () => {
    expect(serviceRefFromArn('arn:aws-us-gov:ecs:us-gov-west-1:111122223333:service/prod/checkout-api')).toMatchObject({ region: 'us-gov-west-1', cluster: 'prod' });
  });

  it('takes the cluster from the event when the short ARN format names none', () => {
    expect(serviceRefFromArn('arn:aws:ecs:us-east-1:111122223333:service/checkout-api', 'arn:aws:ecs:us-east-1:111122223333:cluster/prod')).toMatchObject({
      cluster: 'prod',
      service: 'checkout-api',
    });
    expect(serviceRefFromArn('arn:aws:ecs:us-east-1:111122223333:service/checkout-api')).toBeUndefined();
  });

  it.each([
    'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
    'arn:aws:ecs:us-east-1:111122223333:task/prod/5a8f2d6c0e1b47a3b9d4c7e2f1a06b58',
    'checkout-api',
    '',
  ])('is undefined for %j, which is not a service ARN', (arn) => {
    expect(serviceRefFromArn(arn)).toBeUndefined();
  });
});

describe('deploymentIdOf', () => {
  it('is the deploymentId of a deployment event', () => {
    expect(deploymentIdOf(parsed('ecs-deployment-failed'))).toBe('ecs-svc/6120745581218348512');
  });

  it('is the startedBy of a task its deployment started: the link from a failed deployment to its tasks', () => {
    const failed = parsed('ecs-deployment-failed');
    const task = parsed('ecs-task-stopped-oom-fargate');
    expect(deploymentIdOf(task)).toBe(deploymentIdOf(failed));
  });

  it('is undefined for a task no service deployment started, and for service action events', () => {
    expect(deploymentIdOf(parsed('ecs-task-stopped-oom-fargate', (raw) => (raw.detail.startedBy = 'my-batch-runner')))).toBeUndefined();
    expect(deploymentIdOf(parsed('ecs-service-task-start-impaired'))).toBeUndefined();
  });

  it('every deployment fixture names a deployment the DescribeServices fixture knows', () => {
    const { services } = fixture<{ services: { deployments: { id: string }[] }[] }>('api/ecs-describe-services.json');
    const known = services.flatMap((s) => s.deployments.map((d) => d.id));
    for (const name of ['ecs-deployment-failed', 'ecs-deployment-in-progress', 'ecs-deployment-completed']) {
      expect(known, name).toContain(deploymentIdOf(parsed(name)));
    }
  });
});

describe('ecsIncidentKey', () => {
  it('builds the same key as a stopped task of the same service, revision and deployment: a FAILED deployment and its tasks are one incident', () => {
    const incident = incidentFromTaskEvent(parsed('ecs-task-stopped-oom-fargate') as Parameters<typeof incidentFromTaskEvent>[0]);
    const failed = parsed('ecs-deployment-failed');
    const ref = serviceRefFromArn(failed.resources[0])!;
    expect(ecsIncidentKey(ref, { family: 'checkout-api', revision: 7, id: deploymentIdOf(failed) })).toBe(incident?.key);
    expect(incident?.key).toBe('ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512');
  });
});
