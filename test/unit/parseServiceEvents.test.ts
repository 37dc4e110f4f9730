/**
 * The two service-level ECS detail-types, read from real-shaped fixtures (test/fixtures/README.md):
 * `ECS Deployment State Change` and `ECS Service Action`.
 */
import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../shared/errors';
import { parseEvent } from '../../shared/events/parseEvent';
import { ecsEvent } from '../support/fixtures';

const DEPLOYMENT_FIXTURES = ['ecs-deployment-failed', 'ecs-deployment-in-progress', 'ecs-deployment-completed'];
const SERVICE_ACTION_FIXTURES = [
  'ecs-service-task-start-impaired',
  'ecs-service-placement-failure',
  'ecs-service-placement-failure-ec2',
  'ecs-service-steady-state',
];

const rejection = (raw: unknown): InvalidEventError => {
  try {
    parseEvent(raw);
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error('parseEvent accepted the event');
};

describe('parseEvent: ECS Deployment State Change', () => {
  it.each(DEPLOYMENT_FIXTURES)('reads %s with every documented field', (name) => {
    const raw = ecsEvent(name);
    const parsed = parseEvent(raw);
    expect(parsed.kind).toBe('ecs-deployment-state-change');
    expect(parsed.event).toEqual(raw);
  });

  it('keeps fields AWS may add later (loose objects)', () => {
    const raw = ecsEvent('ecs-deployment-failed');
    raw.detail.futureField = { nested: true };
    expect(parseEvent(raw).event.detail).toMatchObject({ futureField: { nested: true } });
  });

  it.each([
    ['deploymentId', /detail\.deploymentId: Invalid input: expected string, received undefined/],
    ['eventName', /detail\.eventName: Invalid input/],
    ['eventType', /detail\.eventType: Invalid input/],
  ])('rejects an event without %s, naming the field', (field, message) => {
    const raw = ecsEvent('ecs-deployment-failed');
    delete raw.detail[field];
    expect(rejection(raw).message).toMatch(message);
  });

  it('rejects a resources list that does not start with the service ARN', () => {
    const raw = ecsEvent('ecs-deployment-failed');
    raw.resources = ['arn:aws:ecs:us-east-1:111122223333:cluster/prod'];
    expect(rejection(raw).message).toContain('resources.0: the ECS service ARN (arn:<partition>:ecs:<region>:<account>:service/<cluster>/<service>)');
  });

  it('rejects an event with no resources, naming resources.0', () => {
    const raw = ecsEvent('ecs-deployment-failed');
    raw.resources = [];
    expect(rejection(raw).message).toContain('resources.0: the ECS service ARN');
  });

  it('accepts the short service ARN format that older services keep', () => {
    const raw = ecsEvent('ecs-deployment-completed');
    raw.resources = ['arn:aws:ecs:us-east-1:111122223333:service/checkout-api'];
    expect(parseEvent(raw).kind).toBe('ecs-deployment-state-change');
  });

  it('rejects the detail-type from a source other than aws.ecs', () => {
    const raw = { ...ecsEvent('ecs-deployment-failed'), source: 'my.app' };
    expect(rejection(raw).message).toBe('detail-type "ECS Deployment State Change" must come from source "aws.ecs", not "my.app"');
  });
});

describe('parseEvent: ECS Service Action', () => {
  it.each(SERVICE_ACTION_FIXTURES)('reads %s with every documented field', (name) => {
    const raw = ecsEvent(name);
    const parsed = parseEvent(raw);
    expect(parsed.kind).toBe('ecs-service-action');
    expect(parsed.event).toEqual(raw);
  });

  it('rejects a clusterArn that is not a cluster ARN, naming the field', () => {
    const raw = ecsEvent('ecs-service-placement-failure');
    raw.detail.clusterArn = 'prod';
    expect(rejection(raw).message).toContain('detail.clusterArn: an ECS cluster ARN');
  });

  it('rejects a reason that is not text', () => {
    const raw = ecsEvent('ecs-service-placement-failure');
    raw.detail.reason = ['RESOURCE:FARGATE'];
    expect(rejection(raw).message).toMatch(/detail\.reason: Invalid input: expected string/);
  });

  it('rejects capacityProviderArns that is not a list', () => {
    const raw = ecsEvent('ecs-service-placement-failure');
    raw.detail.capacityProviderArns = 'arn:aws:ecs:us-east-1:111122223333:capacity-provider/FARGATE_SPOT';
    expect(rejection(raw).message).toMatch(/detail\.capacityProviderArns: Invalid input: expected array/);
  });
});
