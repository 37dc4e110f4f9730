/**
 * One incident, one key. The key names the resource and the deployment it belongs to,
 * so every stopped task of one bad revision, and every duplicate delivery of the same
 * event, lands on the same incident and the same Step Functions execution.
 */
import { createHash } from 'node:crypto';
import { resourceName, serviceFromGroup, taskDefinitionRef } from './arn';
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
  deployment: { taskDefinitionArn: string; family: string; revision: number };
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
 * incident?.key; // 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7'
 */
export function incidentFromTaskEvent(event: EcsTaskStateChangeEvent): EcsServiceIncident | undefined {
  const { detail } = event;
  const service = serviceFromGroup(detail.group);
  if (service === undefined) return undefined;
  const cluster = resourceName(detail.clusterArn);
  const { family, revision } = taskDefinitionRef(detail.taskDefinitionArn);
  return {
    key: `ecs:${event.region}:${event.account}:${cluster}/${service}@${family}:${revision}`,
    resource: { type: 'ecs-service', region: event.region, account: event.account, clusterArn: detail.clusterArn, cluster, service },
    deployment: { taskDefinitionArn: detail.taskDefinitionArn, family, revision },
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
 * The incident key of a service and revision: the same key {@link incidentFromTaskEvent}
 * builds, for callers that learn the revision elsewhere (a deployment event's
 * `deploymentId`, resolved online through DescribeServices `deployments[].taskDefinition`).
 *
 * @example
 * ecsIncidentKey(serviceRefFromArn(event.resources[0])!, { family: 'checkout-api', revision: 7 });
 * // 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7'
 */
export function ecsIncidentKey(ref: Pick<EcsServiceRef, 'region' | 'account' | 'cluster' | 'service'>, deployment: { family: string; revision: number }): string {
  return `ecs:${ref.region}:${ref.account}:${ref.cluster}/${ref.service}@${deployment.family}:${deployment.revision}`;
}
