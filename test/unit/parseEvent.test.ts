import { describe, expect, it } from 'vitest';
import { InvalidEventError, UnsupportedEventError } from '../../shared/errors';
import { parseEvent, SUPPORTED_DETAIL_TYPES } from '../../shared/events/parseEvent';
import { ecsEvent } from '../support/fixtures';

describe('parseEvent', () => {
  it.each([
    'ecs-task-stopped-oom-fargate',
    'ecs-task-stopped-oom-ec2',
    'ecs-task-stopped-scaling',
    'ecs-task-stopped-user',
    'ecs-task-stopped-spot',
    'ecs-task-stopped-exit137-no-oom',
    'ecs-task-running',
  ])('reads the real-shaped ECS Task State Change event %s', (name) => {
    const raw = ecsEvent(name);
    const parsed = parseEvent(raw);
    expect(parsed.kind).toBe('ecs-task-state-change');
    if (parsed.kind !== 'ecs-task-state-change') return;
    expect(parsed.event.detail.taskArn).toBe(raw.detail.taskArn);
    // Loose objects: fields we do not model are kept for evidence, not dropped.
    expect(parsed.event.detail).toMatchObject({ availabilityZone: raw.detail.availabilityZone });
  });

  it('rejects an event with a missing taskArn, naming the field', () => {
    const raw = ecsEvent('ecs-task-stopped-oom-fargate');
    delete raw.detail.taskArn;
    expect(() => parseEvent(raw)).toThrowError(InvalidEventError);
    expect(() => parseEvent(raw)).toThrowError(/detail\.taskArn/);
  });

  it('rejects a task definition ARN without a revision', () => {
    const raw = ecsEvent('ecs-task-stopped-oom-fargate');
    raw.detail.taskDefinitionArn = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api';
    expect(() => parseEvent(raw)).toThrowError(/detail\.taskDefinitionArn: a task definition ARN with a revision/);
  });

  it('rejects a detail-type it does not know, listing the ones it does', () => {
    const raw = { ...ecsEvent('ecs-task-stopped-oom-fargate'), 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2' };
    const error = (() => {
      try {
        parseEvent(raw);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsupportedEventError);
    expect((error as UnsupportedEventError).supported).toEqual(SUPPORTED_DETAIL_TYPES);
    expect((error as Error).message).toContain('"EC2 Instance State-change Notification"');
  });

  it('rejects a known detail-type from the wrong source', () => {
    const raw = { ...ecsEvent('ecs-task-stopped-oom-fargate'), source: 'my.app' };
    expect(() => parseEvent(raw)).toThrowError('detail-type "ECS Task State Change" must come from source "aws.ecs", not "my.app"');
  });

  it.each([null, 42, 'text', [], {}])('rejects %j as not an EventBridge event', (raw) => {
    expect(() => parseEvent(raw)).toThrowError(InvalidEventError);
  });
});
