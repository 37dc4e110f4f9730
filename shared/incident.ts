/**
 * One incident, one key. The key names the resource and the deployment it belongs to,
 * so every stopped task of one bad deployment, and every duplicate delivery of the same
 * event, lands on the same incident and the same Step Functions execution.
 *
 * For an ECS service that is the revision *and* the ECS deployment (`ecs-svc/<n>`): the same
 * revision deployed again (a pipeline retry, a manual rollback to it) and failing again is a
 * new incident, with its own execution - not a duplicate of one that ended weeks ago (an
 * execution name cannot be reused for 90 days, so a revision-only key would silently do
 * nothing). The loop breaker, not the key, stops a resource being remediated over and over.
 */
import { createHash } from 'node:crypto';
import { resourceName, serviceFromGroup, taskDefinitionRef } from './arn';
import { CFN_RESOURCE_INCIDENT_STATUSES, type CfnResourceStatusChangeEvent } from './events/cfnResourceStatusChange';
import { type CfnStackRef, stackRefFromId } from './events/cfnStackId';
import { type CfnStackStatusChangeEvent, isCfnStackIncidentStatus } from './events/cfnStackStatusChange';
import type { EcsDeploymentStateChangeEvent } from './events/ecsDeploymentStateChange';
import type { EcsServiceActionEvent } from './events/ecsServiceAction';
import type { EcsTaskStateChangeEvent } from './events/ecsTaskStateChange';

export interface EcsServiceIncident {
  key: string;
  resource: {
    type: 'ecs-service';
    region: string;
    account: string;
    clusterArn: string;
    cluster: string;
    service: string;
  };
  /** The failing revision, and the ECS deployment (`ecs-svc/<n>`) that runs it when the event says which. */
  deployment: { taskDefinitionArn: string; family: string; revision: number; id?: string };
  /** The event that opened the incident: when AWS saw it, and its id for the audit trail. */
  trigger: { eventId: string; detailType: string; time: string; taskArn?: string };
}

/**
 * A CloudFormation stack incident. Keyed by the stack (its name and the unique id of this
 * stack instance - a re-created stack of the same name is another stack) and the failed
 * state, so every event of one failed operation lands on one execution.
 */
export interface CfnStackIncident {
  key: string;
  resource: {
    type: 'cfn-stack';
    region: string;
    account: string;
    stackId: string;
    stackName: string;
  };
  /** The failed state the incident is about: DELETE_FAILED, UPDATE_ROLLBACK_FAILED ... */
  failure: { status: string; statusReason?: string };
  trigger: { eventId: string; detailType: string; time: string };
}

export type Incident = EcsServiceIncident | CfnStackIncident;

/** Where an incident happened, for people: `prod/checkout-api` or `stack checkout-db`. */
export function incidentSubject(incident: Incident): string {
  return incident.resource.type === 'ecs-service'
    ? `${incident.resource.cluster}/${incident.resource.service}`
    : `stack ${incident.resource.stackName}`;
}

/**
 * The incident of a stopped task, or `undefined` when the task was not started by a
 * service (a standalone RunTask has nothing to resize or roll back).
 *
 * @example
 * const incident = incidentFromTaskEvent(event);
 * incident?.key; // 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512'
 */
export function incidentFromTaskEvent(event: EcsTaskStateChangeEvent): EcsServiceIncident | undefined {
  const { detail } = event;
  const service = serviceFromGroup(detail.group);
  if (service === undefined) return undefined;
  const cluster = resourceName(detail.clusterArn);
  const { family, revision } = taskDefinitionRef(detail.taskDefinitionArn);
  const id = deploymentIdOf(event);
  return {
    key: ecsIncidentKey({ region: event.region, account: event.account, cluster, service }, { family, revision, id }),
    resource: { type: 'ecs-service', region: event.region, account: event.account, clusterArn: detail.clusterArn, cluster, service },
    deployment: { taskDefinitionArn: detail.taskDefinitionArn, family, revision, ...(id !== undefined ? { id } : {}) },
    trigger: { eventId: event.id, detailType: event['detail-type'], time: event.time, taskArn: detail.taskArn },
  };
}

const MAX_EXECUTION_NAME = 80;

/**
 * A Step Functions execution name derived from the incident key. Names allow 1-80 of
 * `[A-Za-z0-9-_]`, and a Standard execution name cannot be reused for 90 days, which is
 * exactly what makes a repeated delivery start nothing new. A hash of the full key keeps
 * two keys that differ only in stripped characters, or past the truncation, apart.
 *
 * @example
 * executionNameFor('ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7');
 * // 'ecs-us-east-1-111122223333-prod-checkout-api-checkout-api-7-<10 hex>'
 */
export function executionNameFor(key: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 10);
  const slug = key
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return `${slug.slice(0, MAX_EXECUTION_NAME - hash.length - 1)}-${hash}`;
}

/** The ECS service a service-level event (`ECS Deployment State Change`, `ECS Service Action`) is about. */
export interface EcsServiceRef {
  serviceArn: string;
  region: string;
  account: string;
  cluster: string;
  service: string;
}

/**
 * Cluster and service from a service ARN, the way service-level events name their service
 * (`resources[0]`). The short ARN format (`service/<service>`, kept by services created
 * before their account moved to the long one) names no cluster: pass the event's
 * `clusterArn` when it has one. `undefined` when the ARN is not a service ARN, or when the
 * cluster cannot be known.
 *
 * @example
 * serviceRefFromArn('arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api');
 * // { serviceArn: 'arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api',
 * //   region: 'us-east-1', account: '111122223333', cluster: 'prod', service: 'checkout-api' }
 */
export function serviceRefFromArn(arn: string, clusterArn?: string): EcsServiceRef | undefined {
  const match = /^arn:[^:]+:ecs:([^:]+):(\d{12}):service\/(?:([^/]+)\/)?([^/]+)$/.exec(arn);
  if (match === null) return undefined;
  const [, region = '', account = '', clusterInArn, service = ''] = match;
  const cluster = clusterInArn ?? (clusterArn !== undefined ? resourceName(clusterArn) : undefined);
  if (cluster === undefined || cluster === '') return undefined;
  return { serviceArn: arn, region, account, cluster, service };
}

/**
 * The ECS deployment an event belongs to (`ecs-svc/<n>`): the `deploymentId` of a deployment
 * event, the `startedBy` of a task a service deployment started. `ECS Service Action` events
 * name no deployment: `undefined`.
 *
 * @example
 * deploymentIdOf(deploymentFailedEvent); // 'ecs-svc/6120745581218348512'
 * deploymentIdOf(stoppedTaskEvent);      // the same id when that deployment started the task
 */
export function deploymentIdOf(event: EcsTaskStateChangeEvent | EcsDeploymentStateChangeEvent | EcsServiceActionEvent): string | undefined {
  switch (event['detail-type']) {
    case 'ECS Deployment State Change':
      return event.detail.deploymentId;
    case 'ECS Task State Change':
      return event.detail.startedBy?.startsWith('ecs-svc/') ? event.detail.startedBy : undefined;
    default:
      return undefined;
  }
}

/**
 * The incident key of a service, revision and deployment: the same key {@link incidentFromTaskEvent}
 * builds, for callers that learn the revision elsewhere (a deployment event's `deploymentId`,
 * resolved online through DescribeServices `deployments[].taskDefinition`). Without a
 * deployment id (a task no service deployment started) the key names the revision alone.
 *
 * @example
 * ecsIncidentKey(serviceRefFromArn(event.resources[0])!, { family: 'checkout-api', revision: 7, id: 'ecs-svc/6120745581218348512' });
 * // 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512'
 */
export function ecsIncidentKey(
  ref: Pick<EcsServiceRef, 'region' | 'account' | 'cluster' | 'service'>,
  deployment: { family: string; revision: number; id?: string | undefined },
): string {
  const revision = `ecs:${ref.region}:${ref.account}:${ref.cluster}/${ref.service}@${deployment.family}:${deployment.revision}`;
  return deployment.id ? `${revision}/${deployment.id}` : revision;
}

/**
 * The incident of a CloudFormation status event, or `undefined` when the event is not one.
 *
 * A `CloudFormation Stack Status Change` is an incident when the stack's new status is one the
 * stack stays stuck (or dead) in: `CFN_STACK_INCIDENT_STATUSES` (shared/events/cfnStackStatusChange.ts).
 *
 * A `CloudFormation Resource Status Change` names the failing resource, with its own reason,
 * seconds before the stack's own event - but not the stack's final status, which it cannot
 * know. It is read as follows:
 *  - resource `DELETE_FAILED` -> the incident of the stack's `DELETE_FAILED`: a resource that
 *    cannot be deleted fails a DeleteStack. Same key as the stack event of that operation
 *    (see {@link cfnIncidentKey}), so the resource events and the stack event of one failed
 *    delete are one incident whichever arrives first. Two cases where that guess is wrong,
 *    from the resource event alone indistinguishable: a delete during the rollback of a failed
 *    create (the stack ends `ROLLBACK_FAILED`: that is another key, so two incidents), and a
 *    delete in the cleanup phase of an update (CloudFormation retries, gives up on the old
 *    resource, and the update still completes: the resource is left behind, the stack is
 *    fine). The online diagnosis reads the stack's status before anything acts.
 *  - resource `CREATE_FAILED`, `UPDATE_FAILED` and every other status -> `undefined`: a
 *    resource failure is not an incident by itself (the stack rolls back; its own status
 *    decides, and its diagnosis reads the resource reasons back from the stack events).
 *
 * For a resource event, `failure.status` is the inferred stack status (`DELETE_FAILED`) and
 * `failure.statusReason` the resource's own reason, prefixed with the resource it is about.
 *
 * @example
 * incidentFromStackEvent(stackDeleteFailedEvent)?.key;
 * // 'cfn:us-east-1:111122223333:checkout-db@9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93:DELETE_FAILED:Console-DeleteStack-3f6c2a9e-8b41-4d7e-a0c5-91e2f4b7d386'
 * incidentFromStackEvent(securityGroupDeleteFailedEvent)?.key; // the same key
 */
export function incidentFromStackEvent(event: CfnStackStatusChangeEvent | CfnResourceStatusChangeEvent): CfnStackIncident | undefined {
  const { detail } = event;
  const ref = stackRefFromId(detail['stack-id']);
  if (ref === undefined) return undefined;
  const { status } = detail['status-details'];
  const reason = detail['status-details']['status-reason']?.trim() || undefined;

  let failure: CfnStackIncident['failure'];
  if (event['detail-type'] === 'CloudFormation Stack Status Change') {
    if (!isCfnStackIncidentStatus(status)) return undefined;
    failure = { status, ...(reason !== undefined ? { statusReason: reason } : {}) };
  } else {
    if (!(CFN_RESOURCE_INCIDENT_STATUSES as readonly string[]).includes(status)) return undefined;
    const about = `${event.detail['logical-resource-id']} (${event.detail['resource-type']})`;
    failure = { status: 'DELETE_FAILED', statusReason: reason !== undefined ? `${about}: ${reason}` : `${about}: DELETE_FAILED` };
  }
  return {
    key: cfnIncidentKey(ref, failure.status, detail['client-request-token']),
    resource: { type: 'cfn-stack', region: ref.region, account: ref.account, stackId: ref.stackId, stackName: ref.stackName },
    failure,
    trigger: { eventId: event.id, detailType: event['detail-type'], time: event.time },
  };
}

/**
 * The key of a CloudFormation stack incident:
 * `cfn:<region>:<account>:<stackName>@<stack uuid>:<failed status>[:<client-request-token>]`.
 *
 * - The stack uuid (the last part of the stack id) names this instance of the stack: a stack
 *   deleted and re-created under the same name is another stack, another incident. (The
 *   docs' abbreviated example ids have no uuid: then `@<uuid>` is left out.)
 * - The failed status: one stack instance can fail in several ways in its life (an
 *   `UPDATE_ROLLBACK_FAILED`, then, after a fix, a `DELETE_FAILED`), each with its own
 *   remediation (continue the rollback; clean up the blockers).
 * - The client request token, when the event has one. AWS documents that every event of one
 *   stack operation - the stack's and each resource's - carries the same token; the token is
 *   the operation's idempotency token (a retried request reuses it and is the same
 *   operation), and each new operation (a DeleteStack retried after a fix, a
 *   ContinueUpdateRollback) takes its own. So it is stable for exactly one operation: the
 *   resource and stack events of one failed delete share the key, and the next failed attempt
 *   is a new incident with its own execution - not a duplicate of the first, which would start
 *   nothing for the 90 days a Standard execution name stays taken. (deploy-medic's own calls
 *   carry its own tokens, shared/aws/requestToken.ts, and ingest ignores their events: its own
 *   retries are followed by the execution that made them, not opened again.) Tokens match
 *   `[a-zA-Z0-9][-a-zA-Z0-9]*` (API model), so `:` cannot occur in one and the key splits
 *   unambiguously.
 * - No token (an API call that passes none - the AWS CLI unless told to - leaves it empty): the
 *   key stops at the status. Every tokenless failure with that status on that stack instance
 *   is then one incident: a tokenless retry that fails the same way again is a duplicate of
 *   the first. Telling those apart needs the stack itself (DescribeStacks), not the event.
 *
 * @example
 * cfnIncidentKey({ region: 'us-east-1', account: '111122223333', stackName: 'checkout-db', stackUuid: '9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93' }, 'DELETE_FAILED');
 * // 'cfn:us-east-1:111122223333:checkout-db@9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93:DELETE_FAILED'
 */
export function cfnIncidentKey(
  ref: Pick<CfnStackRef, 'region' | 'account' | 'stackName' | 'stackUuid'>,
  failedStatus: string,
  clientRequestToken?: string,
): string {
  const stack = ref.stackUuid !== undefined ? `${ref.stackName}@${ref.stackUuid}` : ref.stackName;
  const token = clientRequestToken?.trim() ? `:${clientRequestToken.trim()}` : '';
  return `cfn:${ref.region}:${ref.account}:${stack}:${failedStatus}${token}`;
}
