/**
 * Turns an emergency rollback request into the run state the emergency state machine acts
 * on: the incident, what to do (a plan the action registry runs), and a diagnosis-shaped
 * account of who asked and why, for the alerts. Reads, never writes; refuses anything outside
 * the opt-in scope or that cannot be rolled back, before anything changes.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { resourceName, taskDefinitionRef } from '../arn';
import { transientAware } from '../aws/transient';
import type { Diagnosis } from '../diagnosis/types';
import type { Incident } from '../incident';
import type { LedgerReader } from '../ledger/ledgerReader';
import type { Plan } from '../planning/plan';
import { STACK_NAME_TAG } from '../planning/planEcsRemediation';
import { isOptedIn, OPT_IN_TAG, PROTECTED_TAG, protectionOf, type Tags } from '../policy/scope';

const isProtectedByTag = (tags: Tags) => protectionOf('', tags, { protected: [] }) !== undefined;
import type { RemediationInput } from '../runState';
import { type EmergencyRequest, parseEmergencyRequest, RequestRefused } from './request';

export interface EmergencyRun extends RemediationInput {
  diagnosis: Diagnosis;
  request: EmergencyRequest;
}

export interface EmergencySources {
  ecs: ECSClient;
  cloudformation: CloudFormationClient;
  ledger?: LedgerReader;
  region: string;
  account: string;
}

const RUNBOOK = 'docs/operations.md#emergency-rollback';

/**
 * @example
 * const run = await prepareRollback(input, { ecs, cloudformation, ledger, region: 'us-east-1', account: '111122223333' }, new Date());
 * run.diagnosis.plan; // { action: 'ecs-rollback', toTaskDefinitionArn: '...:6', ... }
 * @throws RequestRefused malformed, out of scope, or nothing to roll back
 */
export async function prepareRollback(raw: unknown, sources: EmergencySources, now: Date): Promise<EmergencyRun> {
  const request = parseEmergencyRequest(raw);
  const who = `requested by ${request.requestedBy}: ${request.reason}`;
  const { target } = request;
  const { incident, plan, evidence } =
    target.type === 'ecs-service' ? await ecsRollback(request, target, sources, now) : await stackRollback(request, target, sources, now);
  const diagnosis: Diagnosis = {
    category: 'UNKNOWN',
    confidence: 0,
    summary: `emergency rollback ${who}`,
    evidence: [`requested by ${request.requestedBy} at ${now.toISOString()}`, `reason: ${request.reason}`, ...evidence],
    plan,
    runbook: RUNBOOK,
    incidentKey: incident.key,
  };
  return { incident, event: raw, mode: request.dryRun ? 'observe' : 'auto', triage: diagnosis, diagnosis, request };
}

type Target = EmergencyRequest['target'];

async function ecsRollback(request: EmergencyRequest, target: Extract<Target, { type: 'ecs-service' }>, sources: EmergencySources, now: Date) {
  const { cluster, service } = target;
  const out = await transientAware('DescribeServices', () => sources.ecs.send(new DescribeServicesCommand({ cluster, services: [service], include: ['TAGS'] })));
  const found = out.services?.[0];
  if (found?.status !== 'ACTIVE' || found.taskDefinition === undefined) throw new RequestRefused(`service ${cluster}/${service} not found or not ACTIVE`);
  if (!isOptedIn(found.tags)) throw new RequestRefused(`service ${cluster}/${service} is outside the opt-in scope (tag ${OPT_IN_TAG}=true): refused`);
  // The remediate role cannot write a protected resource either; refuse before anything starts.
  if (isProtectedByTag(found.tags)) throw new RequestRefused(`service ${cluster}/${service} is protected (tag ${PROTECTED_TAG}=true): refused`);
  const current = found.taskDefinition;
  const ref = { region: sources.region, account: sources.account, cluster: resourceName(found.clusterArn ?? cluster), service };

  let to: { arn: string; source: string };
  if (request.toRevision !== undefined) {
    const wanted = typeof request.toRevision === 'number' ? `${taskDefinitionRef(current).family}:${request.toRevision}` : request.toRevision;
    const td = await transientAware('DescribeTaskDefinition', () => sources.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: wanted })));
    if (td.taskDefinition?.taskDefinitionArn === undefined) throw new RequestRefused(`task definition ${wanted} not found`);
    to = { arn: td.taskDefinition.taskDefinitionArn, source: `named by ${request.requestedBy}` };
  } else {
    const good = await sources.ledger?.lastKnownGood(ref);
    const previous = found.deployments?.find((d) => d.status === 'ACTIVE' && d.rolloutState === 'COMPLETED' && d.taskDefinition !== current);
    if (good && good.taskDefinitionArn !== current) to = { arn: good.taskDefinitionArn, source: `last known good since ${good.recordedAt} (${good.source})` };
    else if (previous?.taskDefinition) to = { arn: previous.taskDefinition, source: `the previous deployment ${previous.id ?? ''} (COMPLETED)` };
    else throw new RequestRefused(`no last known good revision for ${cluster}/${service} other than the one it runs (${current}): name one with toRevision`);
  }
  if (to.arn === current) throw new RequestRefused(`service ${cluster}/${service} already runs ${current}: nothing to roll back`);

  const { family, revision } = taskDefinitionRef(current);
  const incident: Incident = {
    key: `manual:ecs:${ref.region}:${ref.account}:${ref.cluster}/${service}@${now.getTime()}`,
    resource: { type: 'ecs-service', region: ref.region, account: ref.account, clusterArn: found.clusterArn ?? cluster, cluster: ref.cluster, service },
    deployment: { taskDefinitionArn: current, family, revision },
    trigger: { eventId: `manual-${now.getTime()}`, detailType: 'Emergency rollback', time: now.toISOString() },
  };
  const stackName = found.tags?.find((t) => t.key === STACK_NAME_TAG)?.value;
  const plan: Plan = {
    action: 'ecs-rollback',
    reason: `emergency rollback requested by ${request.requestedBy}`,
    cluster: ref.cluster,
    service,
    fromTaskDefinitionArn: current,
    toTaskDefinitionArn: to.arn,
    toSource: to.source,
    ...(stackName ? { stackName } : {}),
  };
  return { incident, plan, evidence: [`service runs ${current}; rolling back to ${to.arn} (${to.source})`] };
}

/** What an emergency rollback does for each stack state; anything else is refused. */
const STACK_ROLLBACK: Record<string, 'cfn-cancel-update' | 'cfn-rollback-stack' | 'cfn-continue-update-rollback'> = {
  UPDATE_IN_PROGRESS: 'cfn-cancel-update',
  UPDATE_FAILED: 'cfn-rollback-stack',
  CREATE_FAILED: 'cfn-rollback-stack',
  UPDATE_ROLLBACK_FAILED: 'cfn-continue-update-rollback',
};

async function stackRollback(request: EmergencyRequest, target: Extract<Target, { type: 'cfn-stack' }>, sources: EmergencySources, now: Date) {
  const { stackName } = target;
  const out = await transientAware('DescribeStacks', () => sources.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).catch((error: Error) => {
    if (error.name === 'ValidationError') throw new RequestRefused(`stack ${stackName} not found`);
    throw error;
  });
  const stack = out.Stacks?.[0];
  if (stack?.StackId === undefined) throw new RequestRefused(`stack ${stackName} not found`);
  if (!isOptedIn((stack.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })))) {
    throw new RequestRefused(`stack ${stackName} is outside the opt-in scope (tag ${OPT_IN_TAG}=true): refused`);
  }
  if (isProtectedByTag(stack.Tags)) throw new RequestRefused(`stack ${stackName} is protected (tag ${PROTECTED_TAG}=true): refused`);
  const status = stack.StackStatus ?? 'unknown';
  const action = STACK_ROLLBACK[status];
  if (action === undefined) throw new RequestRefused(`stack ${stackName} is ${status}: there is no update to roll back (possible from ${Object.keys(STACK_ROLLBACK).join(', ')})`);
  const uuid = stack.StackId.split('/').pop() ?? '';
  const incident: Incident = {
    key: `manual:cfn:${sources.region}:${sources.account}:${stackName}@${uuid}:${now.getTime()}`,
    resource: { type: 'cfn-stack', region: sources.region, account: sources.account, stackId: stack.StackId, stackName },
    failure: { status },
    trigger: { eventId: `manual-${now.getTime()}`, detailType: 'Emergency rollback', time: now.toISOString() },
  };
  const base = { stackId: stack.StackId, stackName, reason: `emergency rollback requested by ${request.requestedBy}` };
  const plan: Plan = action === 'cfn-continue-update-rollback' ? { action, ...base, resourcesToSkip: [] } : { action, ...base };
  return { incident, plan, evidence: [`stack ${stackName} is ${status}: ${plan.action}`] };
}
