/**
 * Diagnosis of an `ECS Task State Change` event: classify why the task stopped, then
 * plan what to do, using the facts AWS returned when we have them (online) or the event
 * alone (offline, `medic diagnose --offline`).
 */
import type { Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import type { MedicConfig } from '../../config';
import type { EcsTaskStateChangeEvent } from '../../events/ecsTaskStateChange';
import { incidentFromTaskEvent, type EcsServiceIncident } from '../../incident';
import type { Plan } from '../../planning/plan';
import { planEcsRemediation } from '../../planning/planEcsRemediation';
import type { TaskSizing } from '../../planning/planMemoryResize';
import type { LastKnownGood } from '../../ledger/ledger';
import { type EcsCategory, NORMAL_LIFE_CATEGORIES, runbookFor } from '../../taxonomy';
import type { Classification, Diagnosis, Signal } from '../types';
import { classifySignals } from './classifySignals';
import { exitCodeSignals } from './exitCodeSignals';
import { findConfigFindings, type TargetGroupLike } from './configFindings';
import { diffRevisions, summarizeDiff } from './revisionDiff';
import { sizingFromTaskDefinition, sizingFromTaskEvent } from './taskSizing';

/** What Describe calls returned. `null` means "asked, and it does not exist". */
export interface EcsFacts {
  service?: Service | null;
  taskDefinition?: TaskDefinition | null;
  /** The failing revision's tags (DescribeTaskDefinition include TAGS), when it was read. */
  taskDefinitionTags?: Tag[];
  /** The ledger's last known good revision of the service (null: none recorded). */
  lastKnownGood?: LastKnownGood | null;
  /** The last known good revision itself, to diff the failing one against. */
  lastGoodTaskDefinition?: TaskDefinition;
  /** The service's target groups (DescribeTargetGroups), to check ports. */
  targetGroups?: TargetGroupLike[];
  /** Recently stopped tasks of the failing revision (ListTasks + DescribeTasks), for service-level events. */
  stoppedTasks?: StoppedTaskLike[];
}

/** The fields a stopped task has in an event's `detail` and in a DescribeTasks `Task` alike. */
export interface StoppedTaskLike {
  stopCode?: string | undefined;
  stoppedReason?: string | undefined;
  containers?: ReadonlyArray<{ name?: string | undefined; reason?: string | undefined; exitCode?: number | undefined }> | undefined;
}

export function signalsOfStoppedTask(task: StoppedTaskLike): Signal[] {
  const signals: Signal[] = [];
  if (task.stopCode) signals.push({ field: 'stopCode', text: task.stopCode });
  if (task.stoppedReason) signals.push({ field: 'stoppedReason', text: task.stoppedReason });
  for (const container of task.containers ?? []) {
    if (container.reason) signals.push({ field: 'containerReason', text: container.reason, ...(container.name ? { container: container.name } : {}) });
  }
  return signals;
}

/**
 * @example
 * const diagnosis = diagnoseStoppedTask(event, { config: loadConfig() });            // offline
 * const online = diagnoseStoppedTask(event, { config, facts: { service, taskDefinition } });
 */
export function diagnoseStoppedTask(event: EcsTaskStateChangeEvent, options: { config: MedicConfig; facts?: EcsFacts }): Diagnosis {
  const { detail } = event;
  const incident = incidentFromTaskEvent(event);
  const facts = options.facts ?? {};

  if (detail.lastStatus !== 'STOPPED') {
    return {
      category: 'UNKNOWN',
      confidence: 0,
      summary: `task is ${detail.lastStatus}, not stopped: nothing to diagnose`,
      evidence: [`lastStatus: "${detail.lastStatus}", desiredStatus: "${detail.desiredStatus}"`],
      plan: { action: 'none', reason: 'not a stopped task' },
      runbook: runbookFor('UNKNOWN'),
      ...(incident ? { incidentKey: incident.key } : {}),
    };
  }

  const classification = classifySignals([...signalsOfStoppedTask(detail), ...exitCodeSignals(detail.containers)]);
  const evidence = [
    ...classification.evidence,
    ...exitCodeEvidence(detail, classification),
    ...factEvidence(facts),
    ...revisionEvidence(facts),
    ...configEvidence(detail, facts),
  ];
  const plan = planFor(event, incident, classification, facts, options.config);

  return {
    category: classification.category,
    confidence: classification.confidence,
    summary: summaryOf(event, incident, classification),
    evidence,
    plan,
    runbook: runbookFor(classification.category),
    ...(incident ? { incidentKey: incident.key } : {}),
  };
}

function planFor(
  event: EcsTaskStateChangeEvent,
  incident: EcsServiceIncident | undefined,
  classification: Classification,
  facts: EcsFacts,
  config: MedicConfig,
): Plan {
  if (NORMAL_LIFE_CATEGORIES.has(classification.category)) {
    return { action: 'none', reason: `${classification.category}: normal life, not an incident` };
  }
  if (incident === undefined) {
    return { action: 'none', reason: `standalone task (group "${event.detail.group ?? ''}"), not part of a service: nothing to resize or roll back` };
  }
  return planEcsRemediation({
    cluster: incident.resource.cluster,
    service: incident.resource.service,
    taskDefinitionArn: incident.deployment.taskDefinitionArn,
    category: classification.category as EcsCategory,
    confidence: classification.confidence,
    variant: classification.variant,
    containers: classification.matched.flatMap((s) => (s.container !== undefined ? [s.container] : [])),
    facts: {
      ...(facts.service !== undefined ? { service: facts.service } : {}),
      ...(facts.lastKnownGood !== undefined ? { lastKnownGood: facts.lastKnownGood } : {}),
    },
    sizing: (): TaskSizing =>
      facts.taskDefinition ? sizingFromTaskDefinition(facts.taskDefinition, event.detail.launchType) : sizingFromTaskEvent(event.detail),
    config,
  });
}

function summaryOf(event: EcsTaskStateChangeEvent, incident: EcsServiceIncident | undefined, classification: Classification): string {
  const where = incident
    ? `${incident.resource.cluster}/${incident.resource.service} (${incident.deployment.family}:${incident.deployment.revision})`
    : `task ${event.detail.taskArn}`;
  return `${classification.category} in ${where}: ${classification.summary}`;
}

/** Exit code 137 is SIGKILL: OOM is one cause of many, so it is evidence, never a verdict. */
function exitCodeEvidence(detail: EcsTaskStateChangeEvent['detail'], classification: Classification): string[] {
  return detail.containers.flatMap((c) => {
    if (c.exitCode === undefined) return [];
    const line = `container ${c.name} exit code ${c.exitCode}`;
    if (c.exitCode === 137 && classification.category !== 'OOM') {
      return [`${line} (SIGKILL) without an OutOfMemoryError reason: not treated as OOM`];
    }
    return [line];
  });
}

export function factEvidence(facts: EcsFacts): string[] {
  const lines: string[] = [];
  const td = facts.taskDefinition;
  if (td) {
    const containers = (td.containerDefinitions ?? [])
      .map((c) => `${c.name} memory=${c.memory ?? '-'} reservation=${c.memoryReservation ?? '-'}`)
      .join(', ');
    lines.push(`task definition ${td.family}:${td.revision}: cpu=${td.cpu ?? '-'} memory=${td.memory ?? '-'}; containers: ${containers}`);
  }
  const svc = facts.service;
  if (svc) {
    const primary = svc.deployments?.find((d) => d.status === 'PRIMARY');
    lines.push(
      `service ${svc.serviceName}: desired=${svc.desiredCount} running=${svc.runningCount}` +
        (primary ? `, primary deployment ${primary.id} rolloutState=${primary.rolloutState ?? 'n/a'} failedTasks=${primary.failedTasks ?? 0}` : ''),
    );
  }
  return lines;
}

/** What changed between the last known good revision and the failing one: often the whole story. */
export function revisionEvidence(facts: EcsFacts): string[] {
  if (!facts.taskDefinition || !facts.lastGoodTaskDefinition) return [];
  const good = facts.lastGoodTaskDefinition;
  const changes = diffRevisions(facts.taskDefinition, good);
  if (changes.length === 0) return [`no change from the last good revision ${good.family}:${good.revision}`];
  return summarizeDiff(changes).map((line) => `changed since ${good.family}:${good.revision}: ${line}`);
}

/** Configuration smells that make this failure likely (seed plan 1.2/1.4): advice, never the verdict. */
export function configEvidence(detail: StoppedTaskLike, facts: EcsFacts): string[] {
  if (!facts.taskDefinition) return [];
  return findConfigFindings({
    taskDefinition: facts.taskDefinition,
    ...(facts.service ? { service: facts.service } : {}),
    ...(facts.targetGroups ? { targetGroups: facts.targetGroups } : {}),
    stoppedReasons: detail.stoppedReason ? [detail.stoppedReason] : [],
    containerReasons: (detail.containers ?? []).flatMap((c) => (c.reason ? [c.reason] : [])),
  }).map((f) => `finding (${f.severity}) ${f.id}: ${f.message} Fix: ${f.fix}`);
}
