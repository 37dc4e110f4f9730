import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { diagnose } from '../../shared/diagnosis/diagnose';
import { parseEvent } from '../../shared/events/parseEvent';
import { ecsEvent, fixture } from '../support/fixtures';

const config = loadConfig({});
const diagnoseFixture = (name: string, facts?: Parameters<typeof diagnose>[1]['facts']) =>
  diagnose(parseEvent(ecsEvent(name)), { config, ...(facts ? { facts } : {}) });

describe('Diagnosis: ECS stopped task', () => {
  describe('OOM', () => {
    it('names OOM from the container reason and plans a resize from the event sizes (Fargate)', () => {
      const d = diagnoseFixture('ecs-task-stopped-oom-fargate');
      expect(d).toMatchObject({
        category: 'OOM',
        confidence: 0.95,
        runbook: 'docs/runbooks/OOM.md',
        incidentKey: 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512',
        plan: {
          action: 'ecs-resize-memory',
          cluster: 'prod',
          service: 'checkout-api',
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7',
          containers: ['checkout-api'],
        },
      });
      expect(d.evidence).toContain('containerReason (container checkout-api): "OutOfMemoryError: Container killed due to memory usage"');
    });

    it('names OOM on ECS-on-EC2 too', () => {
      expect(diagnoseFixture('ecs-task-stopped-oom-ec2')).toMatchObject({ category: 'OOM', plan: { action: 'ecs-resize-memory' } });
    });

    it('plans from DescribeTaskDefinition when facts are there, and quotes them as evidence', () => {
      const { taskDefinition } = fixture<{ taskDefinition: TaskDefinition }>('api/ecs-describe-task-definition.json');
      const { services } = fixture<{ services: Service[] }>('api/ecs-describe-services.json');
      const d = diagnoseFixture('ecs-task-stopped-oom-fargate', { taskDefinition, service: services[0] });
      expect(d.plan).toMatchObject({ action: 'ecs-resize-memory', change: { taskMemory: { from: 512, to: 1024 } } });
      expect(d.evidence.some((line) => line.startsWith('task definition checkout-api:7: cpu=256 memory=512'))).toBe(true);
      expect(d.evidence.some((line) => line.startsWith('service checkout-api: desired='))).toBe(true);
    });

    it('shows what changed since the last good revision, and the config findings, as evidence', () => {
      const { taskDefinition } = fixture<{ taskDefinition: TaskDefinition }>('api/ecs-describe-task-definition.json');
      const lastGood = fixture<{ taskDefinition: TaskDefinition }>('api/ecs-describe-task-definition-6.json').taskDefinition;
      const { services } = fixture<{ services: Service[] }>('api/ecs-describe-services.json');
      const d = diagnoseFixture('ecs-task-stopped-oom-fargate', { taskDefinition, service: services[0], lastGoodTaskDefinition: lastGood });
      expect(d.evidence).toContain('changed since checkout-api:6: container checkout-api image checkout-api:v1.41.0 -> checkout-api:v1.42.0');
      expect(d.evidence.some((line) => line.startsWith('finding (info) no-container-health-check:'))).toBe(true);
    });

    it('leaves a service alone that has already moved on from the failing revision', () => {
      const { services } = fixture<{ services: Service[] }>('api/ecs-describe-services.json');
      const moved = { ...services[0], taskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8' };
      expect(diagnoseFixture('ecs-task-stopped-oom-fargate', { service: moved }).plan).toEqual({
        action: 'notify-only',
        reason:
          'service now runs arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8, not the failing arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7: leaving it alone',
      });
    });

    it('only reports on a service that is not opted in', () => {
      const { services } = fixture<{ services: Service[] }>('api/ecs-describe-services.json');
      const untagged = { ...services[0], tags: [{ key: 'team', value: 'payments' }] };
      expect(diagnoseFixture('ecs-task-stopped-oom-fargate', { service: untagged }).plan).toEqual({
        action: 'notify-only',
        reason: 'service prod/checkout-api is not opted in (tag deploy-medic:enabled=true): would ecs-resize-memory, reporting only',
      });
    });

    it('does nothing for a service that no longer exists', () => {
      expect(diagnoseFixture('ecs-task-stopped-oom-fargate', { service: null }).plan).toEqual({
        action: 'none',
        reason: 'service prod/checkout-api no longer exists or is not ACTIVE',
      });
    });

    it('notifies instead of resizing when memory is already at the cap', () => {
      const capped = loadConfig({ MAX_TASK_MEMORY_MIB: '512' });
      const d = diagnose(parseEvent(ecsEvent('ecs-task-stopped-oom-fargate')), { config: capped });
      expect(d.category).toBe('OOM');
      expect(d.plan).toEqual({ action: 'notify-only', reason: 'cannot raise memory: task memory 512 MiB cannot grow under the 512 MiB cap on a valid Fargate size' });
    });
  });

  describe('exit code 137 without an OOM reason', () => {
    it('is UNKNOWN with a notify-only plan, never a guess', () => {
      const d = diagnoseFixture('ecs-task-stopped-exit137-no-oom');
      expect(d.category).toBe('UNKNOWN');
      expect(d.confidence).toBe(0);
      expect(d.plan.action).toBe('notify-only');
      expect(d.evidence).toContain('container checkout-api exit code 137 (SIGKILL) without an OutOfMemoryError reason: not treated as OOM');
    });
  });

  describe('normal life', () => {
    it.each([
      ['ecs-task-stopped-scaling', 'SCALING_OR_USER'],
      ['ecs-task-stopped-user', 'SCALING_OR_USER'],
      ['ecs-task-stopped-spot', 'SPOT_OR_MAINTENANCE'],
    ])('%s is %s with plan none', (name, category) => {
      const d = diagnoseFixture(name);
      expect(d.category).toBe(category);
      expect(d.plan).toEqual({ action: 'none', reason: `${category}: normal life, not an incident` });
    });

    it('a RUNNING task is not diagnosed as anything', () => {
      expect(diagnoseFixture('ecs-task-running')).toMatchObject({ category: 'UNKNOWN', plan: { action: 'none', reason: 'not a stopped task' } });
    });
  });

  it('a standalone task (not started by a service) has no incident and no plan', () => {
    const raw = ecsEvent('ecs-task-stopped-oom-fargate');
    raw.detail.group = 'family:checkout-api';
    const d = diagnose(parseEvent(raw), { config });
    expect(d.category).toBe('OOM');
    expect(d.incidentKey).toBeUndefined();
    expect(d.plan.action).toBe('none');
  });
});
