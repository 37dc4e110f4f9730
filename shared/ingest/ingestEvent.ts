/**
 * Ingest: one EventBridge event in, one decision out. The Lambda handler is a thin
 * adapter around this.
 *
 *  - A stopped task: triage it offline; normal life is dropped with its reason; a failure is
 *    counted in the ledger (once per task, however often the event is delivered), and the
 *    incident's execution starts when the count reaches the fail-fast threshold.
 *  - A deployment that COMPLETED, or a service that reached steady state: its revision is
 *    recorded as last known good (the ledger keeps the newest; late events do not win).
 *  - A deployment that FAILED, a task placement failure, tasks that cannot start: the
 *    service's revision is resolved online and the incident's execution starts.
 *
 * Executions are named after the incident key, so every event of one incident - task
 * stops, the deployment failure, redeliveries - starts exactly one execution. Once the
 * ledger knows the execution exists, further stopped tasks of it do not call StartExecution
 * at all (a storm of thousands of events costs a handful of StartExecution calls).
 */
import { type ECSClient } from '@aws-sdk/client-ecs';
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { transientAware } from '../aws/transient';
import type { MedicConfig } from '../config';
import { diagnose } from '../diagnosis/diagnose';
import type { Diagnosis } from '../diagnosis/types';
import { MedicError } from '../errors';
import type { EcsDeploymentStateChangeEvent } from '../events/ecsDeploymentStateChange';
import type { EcsServiceActionEvent } from '../events/ecsServiceAction';
import { type MedicEvent, parseEvent } from '../events/parseEvent';
import { executionNameFor, type Incident, incidentFromStackEvent, incidentFromTaskEvent, serviceRefFromArn } from '../incident';
import { isOwnRequestToken } from '../aws/requestToken';
import { type Ledger, resourceKeyOf, serviceKey } from '../ledger/ledger';
import { correlateIncident } from '../instrumentHandler';
import { causedByUs } from './causedByUs';
import { logger } from '../observability';
import { failedLaunchesBeforeActing } from '../policy/failFast';
import type { RemediationInput } from '../runState';
import { incidentForServiceEvent, resolveDeployment } from './serviceIncident';

export type IngestResult =
  | { outcome: 'started'; incidentKey: string; executionName: string; executionArn?: string; kind: Incident['resource']['type']; category: Diagnosis['category'] }
  | { outcome: 'duplicate'; incidentKey: string; executionName: string }
  | { outcome: 'counted'; incidentKey: string; failedLaunches: number; threshold: number; reason: string }
  | { outcome: 'recorded'; lastKnownGood: string; reason: string }
  | { outcome: 'ignored'; reason: string; incidentKey?: string }
  | { outcome: 'rejected'; error: string };

export interface IngestDependencies {
  sfn: SFNClient;
  ecs: ECSClient;
  ledger: Ledger;
  stateMachineArn: () => string;
  config: () => MedicConfig;
  /**
   * Executions this Lambda container already saw started. Optional; the handler keeps one per
   * container, so in a storm only the first event of an incident per container calls AWS.
   */
  startedExecutions?: StartedExecutions;
  now?: () => Date;
}

/**
 * The execution names a warm container knows to exist. A Standard execution name cannot be
 * used again for 90 days, so "started" never turns false; the set is bounded so a long-lived
 * container does not grow without end (forgetting a name costs one ledger call, nothing else).
 */
export class StartedExecutions {
  private readonly names = new Set<string>();
  constructor(private readonly limit = 1000) {}

  has(name: string): boolean {
    return this.names.has(name);
  }

  add(name: string): void {
    if (this.names.size >= this.limit) {
      const oldest = this.names.values().next().value;
      if (oldest !== undefined) this.names.delete(oldest);
    }
    this.names.add(name);
  }
}

/**
 * @example
 * const result = await ingestEvent(event, { sfn, ecs, ledger, stateMachineArn, config });
 * result.outcome; // 'started' | 'duplicate' | 'counted' | 'recorded' | 'ignored' | 'rejected'
 */
export async function ingestEvent(raw: unknown, deps: IngestDependencies): Promise<IngestResult> {
  let parsed: MedicEvent;
  try {
    parsed = parseEvent(raw);
  } catch (error) {
    // A malformed or foreign event will not get better on retry: reject it, loudly, and write nothing.
    if (error instanceof MedicError) {
      logger.error('event rejected', { error: error.message });
      return { outcome: 'rejected', error: error.message };
    }
    throw error;
  }
  switch (parsed.kind) {
    case 'ecs-task-state-change':
      return ingestStoppedTask(parsed, raw, deps);
    case 'ecs-deployment-state-change':
      return ingestDeploymentEvent(parsed.event, raw, deps);
    case 'ecs-service-action':
      return ingestServiceAction(parsed.event, raw, deps);
    case 'cfn-stack-status-change':
    case 'cfn-resource-status-change':
      return ingestStackEvent(parsed, raw, deps);
    case 'not-yet-diagnosed':
      return { outcome: 'ignored', reason: `no ingest route for "${parsed.event['detail-type']}" yet` };
  }
}

async function ingestStackEvent(
  parsed: Extract<MedicEvent, { kind: 'cfn-stack-status-change' | 'cfn-resource-status-change' }>,
  raw: unknown,
  deps: IngestDependencies,
): Promise<IngestResult> {
  const { event } = parsed;
  const status = event.detail['status-details'].status;
  const token = event.detail['client-request-token'];
  if (isOwnRequestToken(token)) {
    // Our own DeleteStack / ContinueUpdateRollback failing again: the execution that made the
    // call is already watching the stack and decides what comes next.
    return { outcome: 'ignored', reason: `${status} of an operation deploy-medic started (${token}): its execution handles it` };
  }
  const incident = incidentFromStackEvent(event);
  if (incident === undefined) return { outcome: 'ignored', reason: `${event['detail-type']} ${status}: not a failure deploy-medic acts on` };
  return startExecution(incident, raw, diagnose(parsed, { config: deps.config() }), deps, deps.config());
}

async function ingestStoppedTask(parsed: Extract<MedicEvent, { kind: 'ecs-task-state-change' }>, raw: unknown, deps: IngestDependencies): Promise<IngestResult> {
  const config = deps.config();
  const triage = diagnose(parsed, { config });
  const incident = incidentFromTaskEvent(parsed.event);
  if (triage.plan.action === 'none' || incident === undefined) {
    logger.info('not an incident', { reason: triage.plan.reason, category: triage.category, taskArn: parsed.event.detail.taskArn });
    return { outcome: 'ignored', reason: triage.plan.reason, ...(incident ? { incidentKey: incident.key } : {}) };
  }
  // A failed launch: from here on this invocation is about the incident, counted or started.
  correlateIncident(incident.key);
  const executionName = executionNameFor(incident.key);
  if (deps.startedExecutions?.has(executionName)) {
    // This container saw the execution start: nothing to count or start (a storm's common case, no AWS call).
    logger.info('duplicate: the incident already has its execution', { incidentKey: incident.key, executionName, knownBy: 'container' });
    return { outcome: 'duplicate', incidentKey: incident.key, executionName };
  }
  const ours = await causedByUs(deps.ledger, resourceKeyOf(incident), incident.deployment.id, nowOf(deps));
  if (ours !== undefined) {
    logger.info('ignored: caused by us', { incidentKey: incident.key, reason: ours, taskArn: parsed.event.detail.taskArn });
    return { outcome: 'ignored', reason: ours, incidentKey: incident.key };
  }
  const threshold = failedLaunchesBeforeActing(triage.plan, config);
  const { count, duplicate, executionStarted } = await deps.ledger.countFailedLaunch(incident.key, triage.category, parsed.event.detail.taskArn);
  if (count < threshold) {
    const reason = `fail-fast: ${count} of ${threshold} failed launches of ${incident.deployment.family}:${incident.deployment.revision} with cause ${triage.category}${duplicate ? ' (this task was already counted)' : ''}`;
    logger.info('failed launch counted', { incidentKey: incident.key, count, threshold, category: triage.category });
    return { outcome: 'counted', incidentKey: incident.key, failedLaunches: count, threshold, reason };
  }
  if (executionStarted) {
    // The ledger saw this incident's execution start: later stopped tasks end here, without a StartExecution call.
    deps.startedExecutions?.add(executionName);
    logger.info('duplicate: the incident already has its execution', { incidentKey: incident.key, executionName, knownBy: 'ledger' });
    return { outcome: 'duplicate', incidentKey: incident.key, executionName };
  }
  const result = await startExecution(incident, raw, triage, deps, config);
  if (result.outcome === 'started' || result.outcome === 'duplicate') {
    deps.startedExecutions?.add(executionName);
    try {
      await deps.ledger.markExecutionStarted(incident.key, triage.category);
    } catch (error) {
      // The mark only saves later StartExecution calls; the execution name still makes the incident start once.
      logger.warn('could not mark the execution as started in the ledger', { incidentKey: incident.key, error: (error as Error).message });
    }
  }
  return result;
}

async function ingestDeploymentEvent(event: EcsDeploymentStateChangeEvent, raw: unknown, deps: IngestDependencies): Promise<IngestResult> {
  const { eventName, deploymentId } = event.detail;
  const ref = serviceRefFromArn(event.resources[0]);
  if (ref === undefined) return { outcome: 'ignored', reason: `cannot tell the cluster of ${event.resources[0]}` };
  if (eventName !== 'SERVICE_DEPLOYMENT_COMPLETED' && eventName !== 'SERVICE_DEPLOYMENT_FAILED') {
    return { outcome: 'ignored', reason: `${eventName}: not a state deploy-medic acts on` };
  }
  const resolved = await resolveDeployment(deps.ecs, ref, deploymentId);
  if (resolved === undefined) {
    // ECS lists only recent deployments; a replaced one is gone. Its stopped tasks, counted
    // above, still carry the incident, so nothing is lost by dropping this event.
    logger.warn('deployment no longer listed', { deploymentId, serviceArn: ref.serviceArn });
    return { outcome: 'ignored', reason: `${eventName}: deployment ${deploymentId} is no longer listed by DescribeServices` };
  }
  if (eventName === 'SERVICE_DEPLOYMENT_COMPLETED') {
    return recordLastKnownGood(deps, ref, resolved.deployment.taskDefinition, event.detail.updatedAt ?? event.time, `${eventName} ${deploymentId}`);
  }
  // Only now, after COMPLETED was recorded above: our own deployment completing is still a last known good.
  const ours = await causedByUs(deps.ledger, serviceKey(ref), deploymentId, nowOf(deps));
  if (ours !== undefined) return { outcome: 'ignored', reason: ours };
  const incident = incidentForServiceEvent(ref, resolved.service.clusterArn ?? '', resolved.deployment, triggerOf(event));
  return startExecution(incident, raw, diagnose({ kind: 'ecs-deployment-state-change', event }, { config: deps.config() }), deps, deps.config());
}

const SERVICE_ACTION_INCIDENTS = new Set(['SERVICE_TASK_PLACEMENT_FAILURE', 'SERVICE_TASK_START_IMPAIRED']);

async function ingestServiceAction(event: EcsServiceActionEvent, raw: unknown, deps: IngestDependencies): Promise<IngestResult> {
  const { eventName } = event.detail;
  const ref = serviceRefFromArn(event.resources[0], typeof event.detail.clusterArn === 'string' ? event.detail.clusterArn : undefined);
  if (ref === undefined) return { outcome: 'ignored', reason: `cannot tell the cluster of ${event.resources[0]}` };
  if (eventName !== 'SERVICE_STEADY_STATE' && !SERVICE_ACTION_INCIDENTS.has(eventName)) {
    return { outcome: 'ignored', reason: `${eventName}: not a state deploy-medic acts on` };
  }
  const resolved = await resolveDeployment(deps.ecs, ref);
  if (resolved === undefined) return { outcome: 'ignored', reason: `${eventName}: service ${ref.cluster}/${ref.service} has no PRIMARY deployment` };

  if (eventName === 'SERVICE_STEADY_STATE') {
    // Steady means the PRIMARY deployment runs everything it should, alone.
    const { service, deployment } = resolved;
    const steady = (service.deployments ?? []).length === 1 && deployment.runningCount === deployment.desiredCount;
    if (!steady) return { outcome: 'ignored', reason: 'SERVICE_STEADY_STATE, but DescribeServices shows a rollout still in progress' };
    return recordLastKnownGood(deps, ref, deployment.taskDefinition, event.time, eventName);
  }
  // The event names no deployment: the PRIMARY one is what cannot place or start its tasks.
  const ours = await causedByUs(deps.ledger, serviceKey(ref), resolved.deployment.id, nowOf(deps));
  if (ours !== undefined) return { outcome: 'ignored', reason: ours };
  const incident = incidentForServiceEvent(ref, resolved.service.clusterArn ?? '', resolved.deployment, triggerOf(event));
  return startExecution(incident, raw, diagnose({ kind: 'ecs-service-action', event }, { config: deps.config() }), deps, deps.config());
}

async function recordLastKnownGood(
  deps: IngestDependencies,
  ref: { region: string; account: string; cluster: string; service: string },
  taskDefinitionArn: string,
  recordedAt: string,
  source: string,
): Promise<IngestResult> {
  const recorded = await deps.ledger.recordLastKnownGood(ref, { taskDefinitionArn, recordedAt, source });
  if (!recorded) return { outcome: 'ignored', reason: `${source}: the ledger already has a newer last known good for ${ref.cluster}/${ref.service}` };
  logger.info('last known good recorded', { ecsService: `${ref.cluster}/${ref.service}`, taskDefinitionArn, source });
  return { outcome: 'recorded', lastKnownGood: taskDefinitionArn, reason: source };
}

function triggerOf(event: EcsDeploymentStateChangeEvent | EcsServiceActionEvent) {
  return { eventId: event.id, detailType: event['detail-type'], time: event.time };
}

async function startExecution(incident: Incident, event: unknown, triage: Diagnosis, deps: IngestDependencies, config: MedicConfig): Promise<IngestResult> {
  // From here every log line of this invocation carries the incident key as its correlation id.
  correlateIncident(incident.key);
  const name = executionNameFor(incident.key);
  const input: RemediationInput = { incident, event, mode: config.mode, triage: { ...triage, incidentKey: incident.key } };
  // The record first, then the execution: a crash in between is healed by the redelivery, which
  // finds the record (and counts the delivery) and starts the execution, whose name makes it one.
  const record = await deps.ledger.openIncident({
    key: incident.key,
    kind: incident.resource.type,
    category: triage.category,
    mode: config.mode,
    executionName: name,
    openedAt: nowOf(deps).toISOString(),
  });
  try {
    const out = await transientAware('StartExecution', () =>
      deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn(), name, input: JSON.stringify(input) })),
    );
    logger.info('remediation started', { incidentKey: incident.key, executionArn: out.executionArn, category: triage.category, deliveries: record.deliveries });
    return {
      outcome: 'started',
      incidentKey: incident.key,
      executionName: name,
      ...(out.executionArn ? { executionArn: out.executionArn } : {}),
      kind: incident.resource.type,
      category: triage.category,
    };
  } catch (error) {
    // Same name already used: this incident already has its execution. That is the point.
    if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
      logger.info('duplicate: the incident already has its execution', { incidentKey: incident.key, executionName: name });
      return { outcome: 'duplicate', incidentKey: incident.key, executionName: name };
    }
    throw error;
  }
}

const nowOf = (deps: IngestDependencies): Date => (deps.now ?? (() => new Date()))();
