/**
 * Runbook this protects: a deployment the circuit breaker failed is an incident and a human
 * hears about it with AWS's own reason; a deployment that is merely running or has completed
 * is not an incident and starts nothing.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { diagnose } from '../../shared/diagnosis/diagnose';
import { classifySignals } from '../../shared/diagnosis/ecs/classifySignals';
import { diagnoseDeploymentEvent } from '../../shared/diagnosis/ecs/diagnoseDeploymentEvent';
import type { EcsRule } from '../../shared/diagnosis/ecs/rules';
import type { EcsDeploymentStateChangeEvent } from '../../shared/events/ecsDeploymentStateChange';
import { parseEvent } from '../../shared/events/parseEvent';
import { ecsEvent } from '../support/fixtures';

const deploymentEvent = (name: string, mutate?: (raw: ReturnType<typeof ecsEvent>) => void): EcsDeploymentStateChangeEvent => {
  const raw = ecsEvent(name);
  mutate?.(raw);
  const parsed = parseEvent(raw);
  if (parsed.kind !== 'ecs-deployment-state-change') throw new Error(`${name} is not a deployment event`);
  return parsed.event;
};

const CIRCUIT_BREAKER_REASON = 'ECS deployment circuit breaker: task failed to start.';
const RESOLVE_ONLINE =
  'deployment ecs-svc/6120745581218348512: the event names no task definition revision, so the incident key is resolved online (DescribeServices deployments[].id -> taskDefinition)';

/** A rule table of one, so these tests do not depend on the wording of the real ECS rules. */
const TASK_FAILED_TO_START: EcsRule = {
  id: 'test-circuit-breaker-start',
  category: 'HEALTH_CHECK',
  fields: ['serviceEvent'],
  pattern: /circuit breaker: tasks? failed to start/i,
  confidence: 0.6,
  summary: () => 'the new tasks never became healthy',
  source: 'test rule',
};

describe('Diagnosis: ECS Deployment State Change', () => {
  describe('SERVICE_DEPLOYMENT_FAILED', () => {
    it('classifies the reason with the ECS engine, as a service event, and tells a human', () => {
      const d = diagnoseDeploymentEvent(deploymentEvent('ecs-deployment-failed'));
      const expected = classifySignals([{ field: 'serviceEvent', text: CIRCUIT_BREAKER_REASON }]);

      expect(d.category).toBe(expected.category);
      expect(d.confidence).toBe(expected.confidence);
      expect(d.runbook).toBe(`docs/runbooks/${expected.category}.md`);
      expect(d.plan.action).toBe('notify-only');
      expect(d.evidence).toContain(`serviceEvent: "${CIRCUIT_BREAKER_REASON}"`);
      expect(d.summary).toContain('prod/checkout-api: deployment ecs-svc/6120745581218348512 failed');
    });

    it('takes the category, confidence, summary and runbook from the rule that matches', () => {
      const d = diagnoseDeploymentEvent(deploymentEvent('ecs-deployment-failed'), { rules: [TASK_FAILED_TO_START] });
      expect(d).toEqual({
        category: 'HEALTH_CHECK',
        confidence: 0.6,
        summary: 'HEALTH_CHECK in prod/checkout-api: deployment ecs-svc/6120745581218348512 failed: the new tasks never became healthy',
        evidence: [
          `serviceEvent: "${CIRCUIT_BREAKER_REASON}"`,
          'eventName: "SERVICE_DEPLOYMENT_FAILED" (eventType ERROR) at 2025-03-14T10:05:26Z',
          RESOLVE_ONLINE,
          'the tasks this deployment started carry startedBy "ecs-svc/6120745581218348512": their stoppedReason names the cause',
        ],
        plan: { action: 'notify-only', reason: 'deployment failed (HEALTH_CHECK): the online diagnosis reads its stopped tasks and plans the remedy (offline: report only)' },
        runbook: 'docs/runbooks/HEALTH_CHECK.md',
      });
    });

    it('answers an honest UNKNOWN when no rule knows the reason, and still tells a human', () => {
      const d = diagnoseDeploymentEvent(deploymentEvent('ecs-deployment-failed'), { rules: [] });
      expect(d).toMatchObject({
        category: 'UNKNOWN',
        confidence: 0,
        runbook: 'docs/runbooks/UNKNOWN.md',
        plan: { action: 'notify-only', reason: 'deployment failed and the cause is not recognised: a human is needed (see the evidence and the stopped tasks)' },
      });
    });

    it('answers UNKNOWN for a failure that gives no reason', () => {
      const d = diagnoseDeploymentEvent(
        deploymentEvent('ecs-deployment-failed', (raw) => delete raw.detail.reason),
        { rules: [TASK_FAILED_TO_START] },
      );
      expect(d).toMatchObject({ category: 'UNKNOWN', confidence: 0, plan: { action: 'notify-only' } });
      expect(d.evidence[0]).toBe('reason: (none)');
    });

    it('has no incident key offline: the revision is not in the event, the deployment id is in the evidence', () => {
      const d = diagnoseDeploymentEvent(deploymentEvent('ecs-deployment-failed'));
      expect(d.incidentKey).toBeUndefined();
      expect(d.evidence).toContain(RESOLVE_ONLINE);
    });
  });

  describe('not failures', () => {
    it('a completed deployment is not a failure: UNKNOWN with confidence 0 and plan none', () => {
      expect(diagnoseDeploymentEvent(deploymentEvent('ecs-deployment-completed'))).toEqual({
        category: 'UNKNOWN',
        confidence: 0,
        summary: 'deployment ecs-svc/2748106493853251907 of prod/checkout-api completed: not a failure',
        evidence: [
          'reason: "ECS deployment ecs-svc/2748106493853251907 completed."',
          'eventName: "SERVICE_DEPLOYMENT_COMPLETED" (eventType INFO) at 2025-03-11T16:46:01Z',
          'deployment ecs-svc/2748106493853251907: the event names no task definition revision, so the incident key is resolved online (DescribeServices deployments[].id -> taskDefinition)',
        ],
        plan: { action: 'none', reason: 'deployment completed: its revision is the last known good, nothing to remediate' },
        runbook: 'docs/runbooks/UNKNOWN.md',
      });
    });

    it('a deployment in progress is not a failure', () => {
      expect(diagnoseDeploymentEvent(deploymentEvent('ecs-deployment-in-progress'))).toMatchObject({
        category: 'UNKNOWN',
        confidence: 0,
        summary: 'deployment ecs-svc/6120745581218348512 of prod/checkout-api in progress: not a failure',
        plan: { action: 'none', reason: 'deployment in progress: not a failure' },
      });
    });

    it('a circuit-breaker rollback in progress is ECS already fixing it: nothing new to start', () => {
      // The documented rollback reason, with a real deployment id in place of the docs' placeholder.
      const rollback = deploymentEvent('ecs-deployment-in-progress', (raw) => {
        raw.detail.reason = 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/2748106493853251907.';
      });
      expect(diagnoseDeploymentEvent(rollback)).toMatchObject({
        category: 'UNKNOWN',
        confidence: 0,
        summary: 'the deployment circuit breaker is rolling prod/checkout-api back to ecs-svc/2748106493853251907: not a new failure',
        plan: { action: 'none' },
      });
    });
  });

  describe('event names AWS may add', () => {
    it.each([
      ['ERROR', 'notify-only'],
      ['INFO', 'none'],
    ])('reads an unknown event name by its eventType %s -> %s', (eventType, action) => {
      const d = diagnoseDeploymentEvent(
        deploymentEvent('ecs-deployment-failed', (raw) => {
          raw.detail.eventName = 'SERVICE_DEPLOYMENT_SOMETHING_NEW';
          raw.detail.eventType = eventType;
        }),
      );
      expect(d).toMatchObject({ category: 'UNKNOWN', confidence: 0, plan: { action } });
    });
  });

  it('is what diagnose() answers for the detail-type, the CLI and the Lambdas alike', () => {
    const raw = ecsEvent('ecs-deployment-failed');
    expect(diagnose(parseEvent(raw), { config: loadConfig({}) })).toEqual(diagnoseDeploymentEvent(deploymentEvent('ecs-deployment-failed')));
  });
});
