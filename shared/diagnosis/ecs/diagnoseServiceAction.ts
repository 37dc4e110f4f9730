/**
 * Diagnosis of an `ECS Service Action` event from the event alone (offline).
 *
 * - `SERVICE_TASK_PLACEMENT_FAILURE`: the scheduler could not place a task, so the category
 *   is `CAPACITY_PLACEMENT` by the event's own definition. What `reason` says decides how
 *   sure that is (a named resource such as `RESOURCE:MEMORY` is surer than a bare event) and
 *   which constraint failed, quoted in the evidence.
 * - `SERVICE_TASK_START_IMPAIRED`: tasks keep failing to start, but the event does not say
 *   why (the cause is in the stopped tasks). Without a `reason` it is an honest `UNKNOWN`,
 *   notify-only, with evidence pointing at the stopped tasks; with one, the reason is
 *   classified by the one ECS engine.
 * - `SERVICE_STEADY_STATE` and the other INFO events are not failures: `UNKNOWN` with
 *   confidence 0 and plan `none` (the taxonomy has no "healthy" category).
 * - Any other WARN/ERROR event (`SERVICE_TASK_CONFIGURATION_FAILURE`, throttling ...) has its
 *   `reason` classified and is notify-only.
 *
 * These events name neither a deployment nor a revision, so `incidentKey` stays absent
 * offline; the online diagnosis resolves the revision from the service's PRIMARY deployment.
 */
import type { EcsServiceActionEvent } from '../../events/ecsServiceAction';
import { type EcsServiceRef, serviceRefFromArn } from '../../incident';
import { runbookFor } from '../../taxonomy';
import type { Classification, Diagnosis, PlacementConstraint } from '../types';
import { classifySignals } from './classifySignals';
import { ECS_RULES, type EcsRule } from './rules';

export interface DiagnoseServiceActionOptions {
  /** The cause rules; the registry in rules.ts unless a test brings its own. */
  rules?: readonly EcsRule[];
}

/**
 * Placement failure reasons AWS documents ("API failure reasons" and the service action
 * events page): what each means for the operator, and the constraint the planner reads.
 */
export const PLACEMENT_REASONS: Readonly<Record<string, { meaning: string; specific: boolean; constraint?: PlacementConstraint }>> = {
  'RESOURCE:CPU': { meaning: 'no candidate container instance has enough free CPU for the task', specific: true, constraint: 'cpu' },
  'RESOURCE:MEMORY': { meaning: 'no candidate container instance has enough free memory for the task', specific: true, constraint: 'memory' },
  'RESOURCE:PORTS': { meaning: 'a host port the task needs is taken on every candidate container instance', specific: true, constraint: 'ports' },
  'RESOURCE:ENI': { meaning: 'no candidate container instance has a free network interface attachment for an awsvpc task', specific: true },
  'RESOURCE:GPU': { meaning: 'no candidate container instance has the GPUs the task requests', specific: true },
  'RESOURCE:FARGATE': { meaning: 'Fargate had no capacity for the task', specific: true, constraint: 'fargate-capacity' },
  AGENT: { meaning: 'the container agent is disconnected on the candidate container instances', specific: false, constraint: 'agent-disconnected' },
  ATTRIBUTE: { meaning: 'no container instance has an attribute the task definition requires', specific: false, constraint: 'attribute' },
};

/**
 * The failed placement constraints a SERVICE_TASK_PLACEMENT_FAILURE names, for the planner
 * (`EcsPlanInput.variant`). Empty when the reasons name none it knows.
 *
 * @example
 * placementConstraintsOf(event.detail); // ['memory'] for reason "RESOURCE:MEMORY"
 */
export function placementConstraintsOf(detail: EcsServiceActionEvent['detail']): PlacementConstraint[] {
  return [...new Set(reasonsOf(detail).flatMap((r) => PLACEMENT_REASONS[r.toUpperCase()]?.constraint ?? []))];
}

/** Confidence of CAPACITY_PLACEMENT by how precisely `reason` names the failed constraint. */
const PLACEMENT_CONFIDENCE = { specificResource: 0.95, namedConstraint: 0.85, unrecognisedReason: 0.75, noReason: 0.7 } as const;

/**
 * @example
 * const diagnosis = diagnoseServiceAction(event);
 * diagnosis.category; // 'CAPACITY_PLACEMENT' for SERVICE_TASK_PLACEMENT_FAILURE "RESOURCE:MEMORY"
 */
export function diagnoseServiceAction(event: EcsServiceActionEvent, options: DiagnoseServiceActionOptions = {}): Diagnosis {
  const { detail } = event;
  const ref = serviceRefFromArn(event.resources[0], detail.clusterArn);
  const where = ref ? `${ref.cluster}/${ref.service}` : event.resources[0];
  const facts = [
    `eventName: "${detail.eventName}" (eventType ${detail.eventType})${detail.createdAt ? ` at ${detail.createdAt}` : ''}`,
    ...(detail.capacityProviderArns ?? []).map((arn) => `capacity provider: ${arn}`),
    ...(detail.containerInstanceArns ?? []).map((arn) => `container instance: ${arn}`),
  ];
  const reasons = reasonsOf(detail);

  if (detail.eventName === 'SERVICE_TASK_PLACEMENT_FAILURE') {
    const placement = placementOf(reasons, detail.capacityProviderArns ?? []);
    return {
      category: 'CAPACITY_PLACEMENT',
      confidence: placement.confidence,
      summary: `CAPACITY_PLACEMENT in ${where}: the scheduler cannot place tasks: ${placement.summary}`,
      evidence: [...placement.evidence, ...facts, noKeyEvidence(ref)],
      plan: { action: 'notify-only', reason: 'online: redeploy with backoff, then notify naming the constraint (offline: report only)' },
      runbook: runbookFor('CAPACITY_PLACEMENT'),
    };
  }

  if (detail.eventType === 'INFO') {
    return {
      category: 'UNKNOWN',
      confidence: 0,
      summary:
        detail.eventName === 'SERVICE_STEADY_STATE'
          ? `${where} reached a steady state: not a failure`
          : `${detail.eventName} for ${where} is informational: not a failure`,
      evidence: [...reasons.map((r) => `reason: "${r}"`), ...facts],
      plan: { action: 'none', reason: `${detail.eventName} (INFO): not a failure` },
      runbook: runbookFor('UNKNOWN'),
    };
  }

  // WARN / ERROR: SERVICE_TASK_START_IMPAIRED and whatever else AWS reports as a problem.
  const classification = classifyReasons(reasons, options.rules ?? ECS_RULES);
  const impaired = detail.eventName === 'SERVICE_TASK_START_IMPAIRED';
  const what = impaired ? 'the service cannot consistently start tasks' : `${detail.eventName} (${detail.eventType})`;
  return {
    category: classification.category,
    confidence: classification.confidence,
    summary: `${classification.category} in ${where}: ${what}: ${classification.summary}`,
    evidence: [
      ...classification.evidence,
      ...facts,
      noKeyEvidence(ref),
      ...(impaired ? [`the cause is in the service's STOPPED tasks: their stoppedReason and container reasons name it`] : []),
    ],
    plan: {
      action: 'notify-only',
      reason:
        classification.category === 'UNKNOWN'
          ? impaired
            ? 'tasks keep failing to start and the event does not say why: a human is needed (see the stopped tasks)'
            : 'cause not recognised: a human is needed (see the evidence)'
          : `${classification.category}: the online diagnosis plans the remedy from the service's stopped tasks (offline: report only)`,
    },
    runbook: runbookFor(classification.category),
  };
}

/** `reason` as documented, plus `reasons` should AWS send a list. */
function reasonsOf(detail: EcsServiceActionEvent['detail']): string[] {
  return [...(detail.reason !== undefined ? [detail.reason] : []), ...(detail.reasons ?? [])].map((r) => r.trim()).filter((r) => r !== '');
}

function placementOf(reasons: string[], capacityProviderArns: readonly string[]): { confidence: number; summary: string; evidence: string[] } {
  if (reasons.length === 0) {
    return {
      confidence: PLACEMENT_CONFIDENCE.noReason,
      summary: 'the event does not name the failed constraint',
      evidence: ['reason: (none): the failed constraint is in the service events (DescribeServices events[])'],
    };
  }
  const read = reasons.map((reason) => {
    const known = PLACEMENT_REASONS[reason.toUpperCase()];
    if (known) {
      // The documented example: FARGATE_SPOT asked for, no Spot capacity to be had.
      const spot = reason.toUpperCase() === 'RESOURCE:FARGATE' && capacityProviderArns.some((arn) => arn.endsWith('/FARGATE_SPOT'));
      const meaning = spot ? 'Fargate Spot had no spare capacity for the task' : known.meaning;
      return { reason, meaning, confidence: known.specific ? PLACEMENT_CONFIDENCE.specificResource : PLACEMENT_CONFIDENCE.namedConstraint };
    }
    if (/^RESOURCE:/i.test(reason)) return { reason, meaning: `not enough ${reason.slice('RESOURCE:'.length)} on any candidate`, confidence: PLACEMENT_CONFIDENCE.namedConstraint };
    if (/placement constraint/i.test(reason)) return { reason, meaning: 'a placement constraint cannot be met', confidence: PLACEMENT_CONFIDENCE.namedConstraint };
    return { reason, meaning: 'not a documented placement reason', confidence: PLACEMENT_CONFIDENCE.unrecognisedReason };
  });
  return {
    // As sure as the vaguest reason allows.
    confidence: Math.min(...read.map((r) => r.confidence)),
    summary: read.map((r) => `${r.reason}: ${r.meaning}`).join('; '),
    evidence: read.map((r) => `reason: "${r.reason}": ${r.meaning}`),
  };
}

function classifyReasons(reasons: string[], rules: readonly EcsRule[]): Classification {
  if (reasons.length === 0) {
    return { category: 'UNKNOWN', confidence: 0, summary: 'the event gives no reason', evidence: ['reason: (none)'], matched: [] };
  }
  return classifySignals(
    reasons.map((text) => ({ field: 'serviceEvent' as const, text })),
    rules,
  );
}

function noKeyEvidence(ref: EcsServiceRef | undefined): string {
  return ref
    ? `the event names no deployment or revision of ${ref.cluster}/${ref.service}: the incident key is resolved online (DescribeServices: the PRIMARY deployment's taskDefinition)`
    : 'the service ARN names no cluster: the incident key cannot be resolved from this event';
}
