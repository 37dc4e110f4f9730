/**
 * Runbook this protects: when the scheduler cannot place tasks, on-call learns which
 * constraint failed (CPU, memory, Fargate Spot ...); when tasks cannot start, on-call is sent
 * to the stopped tasks, because this event does not know why; a steady service is not news.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { diagnose } from '../../shared/diagnosis/diagnose';
import { diagnoseServiceAction, placementConstraintsOf } from '../../shared/diagnosis/ecs/diagnoseServiceAction';
import type { EcsRule } from '../../shared/diagnosis/ecs/rules';
import type { EcsServiceActionEvent } from '../../shared/events/ecsServiceAction';
import { parseEvent } from '../../shared/events/parseEvent';
import { ECS_CATEGORIES } from '../../shared/taxonomy';
import { ecsEvent } from '../support/fixtures';

const serviceEvent = (name: string, mutate?: (raw: ReturnType<typeof ecsEvent>) => void): EcsServiceActionEvent => {
  const raw = ecsEvent(name);
  mutate?.(raw);
  const parsed = parseEvent(raw);
  if (parsed.kind !== 'ecs-service-action') throw new Error(`${name} is not a service action event`);
  return parsed.event;
};

const RESOLVE_ONLINE =
  "the event names no deployment or revision of prod/checkout-api: the incident key is resolved online (DescribeServices: the PRIMARY deployment's taskDefinition)";

describe('Diagnosis: ECS Service Action', () => {
  describe('SERVICE_TASK_PLACEMENT_FAILURE', () => {
    it('names CAPACITY_PLACEMENT and the failed constraint: no Fargate Spot capacity (the documented example)', () => {
      expect(diagnoseServiceAction(serviceEvent('ecs-service-placement-failure'))).toEqual({
        category: 'CAPACITY_PLACEMENT',
        confidence: 0.95,
        summary: 'CAPACITY_PLACEMENT in prod/checkout-api: the scheduler cannot place tasks: RESOURCE:FARGATE: Fargate Spot had no spare capacity for the task',
        evidence: [
          'reason: "RESOURCE:FARGATE": Fargate Spot had no spare capacity for the task',
          'eventName: "SERVICE_TASK_PLACEMENT_FAILURE" (eventType ERROR) at 2025-03-14T11:12:47.902Z',
          'capacity provider: arn:aws:ecs:us-east-1:111122223333:capacity-provider/FARGATE_SPOT',
          RESOLVE_ONLINE,
        ],
        plan: { action: 'notify-only', reason: 'online: redeploy with backoff, then notify naming the constraint (offline: report only)' },
        runbook: 'docs/runbooks/CAPACITY_PLACEMENT.md',
      });
    });

    it('names not enough memory on the EC2 container instances, and the instances it tried', () => {
      const d = diagnoseServiceAction(serviceEvent('ecs-service-placement-failure-ec2'));
      expect(d).toMatchObject({ category: 'CAPACITY_PLACEMENT', confidence: 0.95, runbook: 'docs/runbooks/CAPACITY_PLACEMENT.md' });
      expect(d.summary).toBe(
        'CAPACITY_PLACEMENT in prod/checkout-api-ec2: the scheduler cannot place tasks: RESOURCE:MEMORY: no candidate container instance has enough free memory for the task',
      );
      expect(d.evidence).toContain('container instance: arn:aws:ecs:us-east-1:111122223333:container-instance/prod/0d7b2f9e4a1c46e3b8f05a2c7e9d1b64');
      expect(d.incidentKey).toBeUndefined();
    });

    it.each([
      ['RESOURCE:CPU', 0.95, 'no candidate container instance has enough free CPU for the task'],
      ['RESOURCE:ENI', 0.95, 'no candidate container instance has a free network interface attachment for an awsvpc task'],
      ['RESOURCE:FARGATE', 0.95, 'Fargate had no capacity for the task'],
      ['AGENT', 0.85, 'the container agent is disconnected on the candidate container instances'],
      ['ATTRIBUTE', 0.85, 'no container instance has an attribute the task definition requires'],
      ['RESOURCE:SOMETHING_NEW', 0.85, 'not enough SOMETHING_NEW on any candidate'],
      ['MemberOf placement constraint unsatisfied', 0.85, 'a placement constraint cannot be met'],
      ['Something AWS has never documented', 0.75, 'not a documented placement reason'],
    ])('is as sure as the reason is specific: %s -> %d', (reason, confidence, meaning) => {
      const d = diagnoseServiceAction(
        serviceEvent('ecs-service-placement-failure-ec2', (raw) => {
          raw.detail.reason = reason;
        }),
      );
      expect(d.category).toBe('CAPACITY_PLACEMENT');
      expect(d.confidence).toBe(confidence);
      expect(d.evidence[0]).toBe(`reason: "${reason}": ${meaning}`);
    });

    it('is least sure when the event names no constraint at all', () => {
      const d = diagnoseServiceAction(serviceEvent('ecs-service-placement-failure', (raw) => delete raw.detail.reason));
      expect(d).toMatchObject({ category: 'CAPACITY_PLACEMENT', confidence: 0.7 });
      expect(d.evidence[0]).toBe('reason: (none): the failed constraint is in the service events (DescribeServices events[])');
    });

    it('reads a `reasons` list too, names every constraint, and is as sure as the vaguest', () => {
      const d = diagnoseServiceAction(
        serviceEvent('ecs-service-placement-failure-ec2', (raw) => {
          delete raw.detail.reason;
          raw.detail.reasons = ['RESOURCE:MEMORY', 'AGENT'];
        }),
      );
      expect(d.confidence).toBe(0.85);
      expect(d.evidence.slice(0, 2)).toEqual([
        'reason: "RESOURCE:MEMORY": no candidate container instance has enough free memory for the task',
        'reason: "AGENT": the container agent is disconnected on the candidate container instances',
      ]);
    });
  });

  describe('SERVICE_TASK_START_IMPAIRED', () => {
    it('without a reason: an honest UNKNOWN that sends a human to the stopped tasks', () => {
      expect(diagnoseServiceAction(serviceEvent('ecs-service-task-start-impaired'))).toEqual({
        category: 'UNKNOWN',
        confidence: 0,
        summary: 'UNKNOWN in prod/checkout-api: the service cannot consistently start tasks: the event gives no reason',
        evidence: [
          'reason: (none)',
          'eventName: "SERVICE_TASK_START_IMPAIRED" (eventType WARN) at 2025-03-14T09:41:15.337Z',
          RESOLVE_ONLINE,
          "the cause is in the service's STOPPED tasks: their stoppedReason and container reasons name it",
        ],
        plan: { action: 'notify-only', reason: 'tasks keep failing to start and the event does not say why: a human is needed (see the stopped tasks)' },
        runbook: 'docs/runbooks/UNKNOWN.md',
      });
    });

    it('with a reason: the ECS engine classifies it as a service event', () => {
      const pullRule: EcsRule = {
        id: 'test-pull',
        category: 'IMAGE_PULL',
        fields: ['serviceEvent'],
        pattern: /CannotPullContainerError/,
        confidence: 0.9,
        summary: () => 'the image cannot be pulled',
        source: 'test rule',
      };
      const d = diagnoseServiceAction(
        serviceEvent('ecs-service-task-start-impaired', (raw) => {
          raw.detail.reason = 'CannotPullContainerError: pull image manifest has been retried 5 time(s)';
        }),
        { rules: [pullRule] },
      );
      expect(d).toMatchObject({
        category: 'IMAGE_PULL',
        confidence: 0.9,
        summary: 'IMAGE_PULL in prod/checkout-api: the service cannot consistently start tasks: the image cannot be pulled',
        plan: { action: 'notify-only', reason: "IMAGE_PULL: the online diagnosis plans the remedy from the service's stopped tasks (offline: report only)" },
        runbook: 'docs/runbooks/IMAGE_PULL.md',
      });
      expect(d.evidence[0]).toBe('serviceEvent: "CannotPullContainerError: pull image manifest has been retried 5 time(s)"');
    });
  });

  describe('not failures', () => {
    it('a steady state is not a failure: UNKNOWN with confidence 0 and plan none', () => {
      expect(diagnoseServiceAction(serviceEvent('ecs-service-steady-state'))).toEqual({
        category: 'UNKNOWN',
        confidence: 0,
        summary: 'prod/checkout-api reached a steady state: not a failure',
        evidence: ['eventName: "SERVICE_STEADY_STATE" (eventType INFO) at 2025-03-14T02:00:04.118Z'],
        plan: { action: 'none', reason: 'SERVICE_STEADY_STATE (INFO): not a failure' },
        runbook: 'docs/runbooks/UNKNOWN.md',
      });
    });

    it('the documented capacity provider steady state is informational too', () => {
      const d = diagnoseServiceAction(
        serviceEvent('ecs-service-steady-state', (raw) => {
          raw.detail.eventName = 'CAPACITY_PROVIDER_STEADY_STATE';
          raw.detail.capacityProviderArns = ['arn:aws:ecs:us-east-1:111122223333:capacity-provider/FARGATE'];
        }),
      );
      expect(d).toMatchObject({ category: 'UNKNOWN', confidence: 0, plan: { action: 'none' } });
    });
  });

  it('any other WARN or ERROR event is reported with its reason classified', () => {
    const d = diagnoseServiceAction(
      serviceEvent('ecs-service-task-start-impaired', (raw) => {
        raw.detail.eventName = 'SERVICE_TASK_CONFIGURATION_FAILURE';
        raw.detail.eventType = 'ERROR';
        raw.detail.reason = 'ECS was unable to assume the role that was provided for this task.';
      }),
      { rules: [] },
    );
    expect(d).toMatchObject({
      category: 'UNKNOWN',
      summary: 'UNKNOWN in prod/checkout-api: SERVICE_TASK_CONFIGURATION_FAILURE (ERROR): no known cause matches this failure',
      plan: { action: 'notify-only', reason: 'cause not recognised: a human is needed (see the evidence)' },
    });
    expect(d.evidence).toContain('serviceEvent: "ECS was unable to assume the role that was provided for this task."');
  });

  it('whatever the event says, the answer keeps the diagnosis contract', () => {
    const eventName = fc.constantFrom(
      'SERVICE_STEADY_STATE',
      'SERVICE_TASK_START_IMPAIRED',
      'SERVICE_TASK_PLACEMENT_FAILURE',
      'SERVICE_TASK_CONFIGURATION_FAILURE',
      'ECS_OPERATION_THROTTLED',
      'TASKS_STOPPED',
    );
    const eventType = fc.constantFrom('INFO', 'WARN', 'ERROR');
    const reason = fc.option(fc.oneof(fc.constantFrom('RESOURCE:CPU', 'AGENT', 'OutOfMemoryError: Container killed due to memory usage'), fc.string()), { nil: undefined });
    fc.assert(
      fc.property(eventName, eventType, reason, (name, type, text) => {
        const d = diagnoseServiceAction(
          serviceEvent('ecs-service-task-start-impaired', (raw) => {
            raw.detail.eventName = name;
            raw.detail.eventType = type;
            if (text !== undefined) raw.detail.reason = text;
          }),
        );
        expect(ECS_CATEGORIES).toContain(d.category);
        expect(d.confidence).toBeGreaterThanOrEqual(0);
        expect(d.confidence).toBeLessThanOrEqual(1);
        if (d.category === 'UNKNOWN') expect(d.confidence).toBe(0);
        expect(['none', 'notify-only']).toContain(d.plan.action);
        expect(d.runbook).toBe(`docs/runbooks/${d.category}.md`);
        expect(d.incidentKey).toBeUndefined();
        if (name === 'SERVICE_TASK_PLACEMENT_FAILURE') expect(d.category).toBe('CAPACITY_PLACEMENT');
        else if (type === 'INFO') expect(d.plan.action).toBe('none');
        else expect(d.plan.action).toBe('notify-only');
      }),
    );
  });

  it('is what diagnose() answers for the detail-type', () => {
    const raw = ecsEvent('ecs-service-placement-failure');
    expect(diagnose(parseEvent(raw), { config: loadConfig({}) })).toEqual(diagnoseServiceAction(serviceEvent('ecs-service-placement-failure')));
  });
});

describe('placementConstraintsOf', () => {
  it.each([
    ['ecs-service-placement-failure', ['fargate-capacity']],
    ['ecs-service-placement-failure-ec2', ['memory']],
    ['ecs-service-task-start-impaired', []],
  ])('names the constraint %s failed on, for the planner', (name, constraints) => {
    expect(placementConstraintsOf(serviceEvent(name).detail)).toEqual(constraints);
  });
});
