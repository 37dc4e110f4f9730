/**
 * Incidents of service-level events (`ECS Deployment State Change`, `ECS Service Action`):
 * those events name the service but not the revision, so the revision is read from
 * DescribeServices - the deployment the event names, or the PRIMARY one. The key is then the
 * same one a stopped task of that revision gets, so both land on one incident.
 */
import { DescribeServicesCommand, type Deployment, type ECSClient, type Service } from '@aws-sdk/client-ecs';
import { taskDefinitionRef } from '../arn';
import { transientAware } from '../aws/transient';
import { ecsIncidentKey, type EcsServiceIncident, type EcsServiceRef } from '../incident';

export interface ResolvedDeployment {
  service: Service;
  deployment: Deployment & { taskDefinition: string };
}

/**
 * The deployment `deploymentId` names (or the PRIMARY one), as DescribeServices reports it
 * now; `undefined` when the service is gone or ECS no longer lists that deployment.
 */
export async function resolveDeployment(ecs: ECSClient, ref: EcsServiceRef, deploymentId?: string): Promise<ResolvedDeployment | undefined> {
  const out = await transientAware('DescribeServices', () => ecs.send(new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] })));
  const service = out.services?.[0];
  if (service === undefined || service.status !== 'ACTIVE') return undefined;
  const deployment = (service.deployments ?? []).find((d) => (deploymentId !== undefined ? d.id === deploymentId : d.status === 'PRIMARY'));
  if (deployment?.taskDefinition === undefined) return undefined;
  return { service, deployment: { ...deployment, taskDefinition: deployment.taskDefinition } };
}

export function incidentForServiceEvent(
  ref: EcsServiceRef,
  clusterArn: string,
  deployment: { taskDefinition: string; id?: string | undefined },
  trigger: { eventId: string; detailType: string; time: string },
): EcsServiceIncident {
  const taskDefinitionArn = deployment.taskDefinition;
  const { family, revision } = taskDefinitionRef(taskDefinitionArn);
  const { id } = deployment;
  return {
    key: ecsIncidentKey(ref, { family, revision, id }),
    resource: { type: 'ecs-service', region: ref.region, account: ref.account, clusterArn, cluster: ref.cluster, service: ref.service },
    deployment: { taskDefinitionArn, family, revision, ...(id ? { id } : {}) },
    trigger,
  };
}
