/**
 * Diagnosis of an `ECS Deployment State Change` event from the event alone (offline).
 *
 * - `SERVICE_DEPLOYMENT_FAILED` is an incident. AWS sends it only for services with the
 *   deployment circuit breaker on, and its `reason` ("ECS deployment circuit breaker: task
 *   failed to start.") goes through the one ECS classification engine as a service event.
 *   The plan is notify-only for now: a rollback plan needs the failed and the last good
 *   revisions, which only DescribeServices knows.
 * - `SERVICE_DEPLOYMENT_IN_PROGRESS` and `SERVICE_DEPLOYMENT_COMPLETED` are not failures. The
 *   taxonomy has no "success" category and `SCALING_OR_USER` would name a cause nobody
 *   diagnosed, so they answer `UNKNOWN` with confidence 0, a summary saying they are not
 *   failures, and plan `none` (DESIGN.md 4.2: a non-incident still prints a diagnosis).
 *
 * The event names no task definition, so the incident key (service + revision) cannot be
 * built offline: `incidentKey` stays absent and the evidence names the deployment id the
 * online diagnosis resolves the revision from.
 */
import type { EcsDeploymentStateChangeEvent } from '../../events/ecsDeploymentStateChange';
import { serviceRefFromArn } from '../../incident';
import type { Plan } from '../../planning/plan';
import { runbookFor } from '../../taxonomy';
import type { Classification, Diagnosis } from '../types';
import { classifySignals } from './classifySignals';
import { ECS_RULES, type EcsRule } from './rules';

export interface DiagnoseDeploymentEventOptions {
  /** The cause rules; the registry in rules.ts unless a test brings its own. */
  rules?: readonly EcsRule[];
}

/** "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/123." (the documented rollback reason) */
const ROLLBACK_REASON = /circuit breaker: rolling back to deploymentId (\S+?)\.?$/i;

/**
 * @example
 * const diagnosis = diagnoseDeploymentEvent(event);
 * diagnosis.plan.action; // 'notify-only' for SERVICE_DEPLOYMENT_FAILED, 'none' otherwise
 */
export function diagnoseDeploymentEvent(event: EcsDeploymentStateChangeEvent, options: DiagnoseDeploymentEventOptions = {}): Diagnosis {
  const { detail } = event;
  const ref = serviceRefFromArn(event.resources[0]);
  const where = ref ? `${ref.cluster}/${ref.service}` : event.resources[0];
  const facts = [
    `eventName: "${detail.eventName}" (eventType ${detail.eventType})${detail.updatedAt ? ` at ${detail.updatedAt}` : ''}`,
    `deployment ${detail.deploymentId}: the event names no task definition revision, so the incident key is resolved online (DescribeServices deployments[].id -> taskDefinition)`,
  ];

  if (detail.eventName === 'SERVICE_DEPLOYMENT_FAILED') {
    const classification = classifyReason(detail.reason, options.rules ?? ECS_RULES);
    return {
      category: classification.category,
      confidence: classification.confidence,
      summary: `${classification.category} in ${where}: deployment ${detail.deploymentId} failed: ${classification.summary}`,
      evidence: [
        ...classification.evidence,
        ...facts,
        `the tasks this deployment started carry startedBy "${detail.deploymentId}": their stoppedReason names the cause`,
      ],
      plan: failedPlan(classification),
      runbook: runbookFor(classification.category),
    };
  }

  const notFailure = (summary: string, plan: Plan): Diagnosis => ({
    category: 'UNKNOWN',
    confidence: 0,
    summary,
    evidence: [...(detail.reason !== undefined ? [`reason: "${detail.reason}"`] : []), ...facts],
    plan,
    runbook: runbookFor('UNKNOWN'),
  });

  switch (detail.eventName) {
    case 'SERVICE_DEPLOYMENT_COMPLETED':
      return notFailure(`deployment ${detail.deploymentId} of ${where} completed: not a failure`, {
        action: 'none',
        reason: 'deployment completed: its revision is the last known good, nothing to remediate',
      });
    case 'SERVICE_DEPLOYMENT_IN_PROGRESS': {
      const rollbackTo = ROLLBACK_REASON.exec(detail.reason ?? '')?.[1];
      if (rollbackTo !== undefined) {
        return notFailure(`the deployment circuit breaker is rolling ${where} back to ${rollbackTo}: not a new failure`, {
          action: 'none',
          reason: 'ECS is already rolling back (deployment circuit breaker); the SERVICE_DEPLOYMENT_FAILED event is the incident',
        });
      }
      return notFailure(`deployment ${detail.deploymentId} of ${where} in progress: not a failure`, {
        action: 'none',
        reason: 'deployment in progress: not a failure',
      });
    }
    default:
      // An event name AWS may add later: trust its severity, not a guess at its meaning.
      return notFailure(
        `"${detail.eventName}" (${detail.eventType}) for deployment ${detail.deploymentId} of ${where} is not an event deploy-medic knows`,
        detail.eventType === 'ERROR'
          ? { action: 'notify-only', reason: `unrecognised deployment event ${detail.eventName} with eventType ERROR: a human is needed` }
          : { action: 'none', reason: `unrecognised deployment event ${detail.eventName} (${detail.eventType}): not treated as a failure` },
      );
  }
}

function classifyReason(reason: string | undefined, rules: readonly EcsRule[]): Classification {
  if (reason === undefined || reason.trim() === '') {
    return { category: 'UNKNOWN', confidence: 0, summary: 'the event gives no reason', evidence: ['reason: (none)'], matched: [] };
  }
  return classifySignals([{ field: 'serviceEvent', text: reason }], rules);
}

function failedPlan(classification: Classification): Plan {
  return {
    action: 'notify-only',
    reason:
      classification.category === 'UNKNOWN'
        ? 'deployment failed and the cause is not recognised: a human is needed (see the evidence and the stopped tasks)'
        : `deployment failed (${classification.category}): the online diagnosis reads its stopped tasks and plans the remedy (offline: report only)`,
  };
}
