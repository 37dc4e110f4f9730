/**
 * One incident, one key. The key names the resource and the deployment it belongs to,
 * so every stopped task of one bad revision, and every duplicate delivery of the same
 * event, lands on the same incident and the same Step Functions execution.
 */
import { createHash } from 'node:crypto';
import { resourceName, serviceFromGroup, taskDefinitionRef } from './arn';
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
  trigger: { eventId: string; detailType: string; time: string; taskArn: string };
}

export type Incident = EcsServiceIncident;

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
