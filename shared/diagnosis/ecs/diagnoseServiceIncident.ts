/**
 * Online diagnosis of an incident opened by a service-level event (a FAILED deployment, a
 * placement failure, tasks that cannot start). Those events say *that* the deployment is
 * broken, rarely *why*; the why is in the tasks it stopped and in the service's event
 * messages. So every text available - the event's own reason, the stopped tasks' reasons
 * and the recent service events - goes through the one classification engine, and the
 * same remediation policy as for a stopped task applies.
 */
import type { MedicConfig } from '../../config';
import type { EcsDeploymentStateChangeEvent } from '../../events/ecsDeploymentStateChange';
import type { EcsServiceActionEvent } from '../../events/ecsServiceAction';
import type { EcsServiceIncident } from '../../incident';
import { planEcsRemediation } from '../../planning/planEcsRemediation';
import { type EcsCategory, NORMAL_LIFE_CATEGORIES, runbookFor } from '../../taxonomy';
import type { Diagnosis, Signal } from '../types';
import { classifySignals } from './classifySignals';
import { diagnoseServiceAction, placementConstraintsOf } from './diagnoseServiceAction';
import { exitCodeSignals } from './exitCodeSignals';
import { ECS_RULES } from './rules';
import { configEvidence, type EcsFacts, factEvidence, revisionEvidence, signalsOfStoppedTask } from './diagnoseStoppedTask';
import { sizingFromTaskDefinition } from './taskSizing';

const FAILURE_RULES = ECS_RULES.filter((rule) => !NORMAL_LIFE_CATEGORIES.has(rule.category));

/** Service events worth reading: the newest few (DescribeServices returns newest first). */
const SERVICE_EVENTS_READ = 5;

export function signalsOfServiceEvent(event: EcsDeploymentStateChangeEvent | EcsServiceActionEvent): Signal[] {
  const detail = event.detail as { reason?: unknown; reasons?: unknown };
  const texts = [
    ...(typeof detail.reason === 'string' ? [detail.reason] : []),
    ...(Array.isArray(detail.reasons) ? detail.reasons.filter((r): r is string => typeof r === 'string') : []),
  ];
  return texts.map((text) => ({ field: 'serviceEvent', text }));
}

/**
 * @example
 * const diagnosis = diagnoseServiceIncident(event, incident, { config, facts }); // facts from gatherEcsFacts(..., { stoppedTasks: true })
 */
export function diagnoseServiceIncident(
  event: EcsDeploymentStateChangeEvent | EcsServiceActionEvent,
  incident: EcsServiceIncident,
  options: { config: MedicConfig; facts: EcsFacts },
): Diagnosis {
  const { facts } = options;
  const stopped = facts.stoppedTasks ?? [];
  const serviceEvents: Signal[] = (facts.service?.events ?? [])
    .slice(0, SERVICE_EVENTS_READ)
    .flatMap((e) => (e.message ? [{ field: 'serviceEvent' as const, text: e.message }] : []));
  const signals = [
    ...signalsOfServiceEvent(event),
    ...stopped.flatMap((task) => [...signalsOfStoppedTask(task), ...exitCodeSignals((task.containers ?? []).map((c) => ({ name: c.name ?? '', exitCode: c.exitCode })))]),
    ...serviceEvents,
  ];
  // A failed deployment is not normal life, whatever else the service's messages say
  // ("has reached a steady state" from before): read only the rules for failures.
  const fromTexts = classifySignals(signals, FAILURE_RULES);
  // The event's own structure can say more than its texts: a placement failure names the
  // constraint in `reason` ("RESOURCE:MEMORY"). Take whichever reading is surer.
  const fromEvent = event['detail-type'] === 'ECS Service Action' ? diagnoseServiceAction(event as EcsServiceActionEvent) : undefined;
  const classification =
    fromEvent && fromEvent.confidence > fromTexts.confidence
      ? {
          ...fromTexts,
          category: fromEvent.category,
          confidence: fromEvent.confidence,
          summary: fromEvent.summary,
          evidence: fromEvent.evidence,
          variant: placementConstraintsOf((event as EcsServiceActionEvent).detail)[0],
          matched: [],
        }
      : fromTexts;
  const category = (NORMAL_LIFE_CATEGORIES.has(classification.category) ? 'UNKNOWN' : classification.category) as EcsCategory;
  const { cluster, service } = incident.resource;
  const plan = planEcsRemediation({
    cluster,
    service,
    taskDefinitionArn: incident.deployment.taskDefinitionArn,
    category,
    confidence: category === classification.category ? classification.confidence : 0,
    variant: classification.variant,
    containers: classification.matched.flatMap((s) => (s.container !== undefined ? [s.container] : [])),
    facts: {
      ...(facts.service !== undefined ? { service: facts.service } : {}),
      ...(facts.lastKnownGood !== undefined ? { lastKnownGood: facts.lastKnownGood } : {}),
    },
    sizing: () => sizingFromTaskDefinition(facts.taskDefinition ?? {}),
    config: options.config,
  });
  const what = event['detail-type'] === 'ECS Deployment State Change' ? `deployment ${(event as EcsDeploymentStateChangeEvent).detail.deploymentId} failed` : event.detail.eventName;
  return {
    category,
    confidence: category === classification.category ? classification.confidence : 0,
    summary: `${category} in ${cluster}/${service} (${incident.deployment.family}:${incident.deployment.revision}): ${what}; ${classification.summary}`,
    evidence: [
      ...classification.evidence,
      `${stopped.length} stopped task(s) of ${incident.deployment.family}:${incident.deployment.revision} read`,
      ...factEvidence(facts),
      ...revisionEvidence(facts),
      ...(stopped[0] ? configEvidence(stopped[0], facts) : []),
    ],
    plan,
    runbook: runbookFor(category),
    incidentKey: incident.key,
  };
}
