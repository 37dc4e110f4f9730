/**
 * Read-only fact gathering for an ECS incident: the service as it is now and the
 * revision that failed. Used by the Diagnose task and by `medic diagnose` online.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { transientAware } from '../aws/transient';
import type { EcsFacts } from '../diagnosis/ecs/diagnoseStoppedTask';
import type { EcsServiceIncident } from '../incident';

/**
 * @example
 * const facts = await gatherEcsFacts(ecs, incident); // { service, taskDefinition }
 */
export async function gatherEcsFacts(ecs: ECSClient, incident: EcsServiceIncident): Promise<EcsFacts> {
  const [services, taskDefinition] = await Promise.all([
    transientAware('DescribeServices', () =>
      ecs.send(new DescribeServicesCommand({ cluster: incident.resource.clusterArn, services: [incident.resource.service], include: ['TAGS'] })),
    ),
    transientAware('DescribeTaskDefinition', () =>
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: incident.deployment.taskDefinitionArn, include: ['TAGS'] })),
    ),
  ]);
  return {
    service: services.services?.[0] ?? null,
    taskDefinition: taskDefinition.taskDefinition ?? null,
  };
}
