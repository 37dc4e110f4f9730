/** The ECS reads and writes the actions share, each transient-aware and explicit about "not found". */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type Service,
  type Tag,
  type TaskDefinition,
  UpdateServiceCommand,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { transientAware } from '../aws/transient';
import { RemediationError } from '../errors';

export async function describeActiveService(ecs: ECSClient, cluster: string, service: string, withTags = false): Promise<Service & { taskDefinition: string }> {
  const out = await transientAware('DescribeServices', () =>
    ecs.send(new DescribeServicesCommand({ cluster, services: [service], ...(withTags ? { include: ['TAGS'] } : {}) })),
  );
  const found = out.services?.[0];
  if (found?.status !== 'ACTIVE' || found.taskDefinition === undefined) {
    throw new RemediationError(`service ${cluster}/${service} not found or not ACTIVE`);
  }
  return { ...found, taskDefinition: found.taskDefinition };
}

export async function describeTaskDefinition(ecs: ECSClient, arn: string): Promise<{ taskDefinition: TaskDefinition; tags: Tag[] }> {
  const out = await transientAware('DescribeTaskDefinition', () =>
    ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] })),
  );
  if (out.taskDefinition === undefined) throw new RemediationError(`task definition ${arn} not found`);
  return { taskDefinition: out.taskDefinition, tags: out.tags ?? [] };
}

/** UpdateService, returning the id of the deployment it started (the new PRIMARY), when ECS says. */
/**
 * The id of the PRIMARY deployment when it runs `taskDefinitionArn`: the deployment an earlier
 * try of ours started when its UpdateService answer was lost. The retried action reports it, so
 * the caused-by-us marker is written all the same (ingest then ignores that deployment's tasks
 * while the execution watches it, instead of opening an incident of their own).
 */
export function primaryDeploymentRunning(service: Service, taskDefinitionArn: string): string | undefined {
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  return primary?.taskDefinition === taskDefinitionArn ? primary.id : undefined;
}

export async function updateService(ecs: ECSClient, input: UpdateServiceCommandInput): Promise<string | undefined> {
  const out = await transientAware('UpdateService', () => ecs.send(new UpdateServiceCommand(input)));
  return out.service?.deployments?.find((d) => d.status === 'PRIMARY')?.id;
}
