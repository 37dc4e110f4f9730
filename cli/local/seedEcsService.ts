/**
 * Seeds a local AWS endpoint (moto_server) with what an ECS incident needs: a cluster,
 * task definition revisions and a service on the newest one. Used by `medic demo` and
 * the integration tests.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';

export interface SeedOptions {
  cluster: string;
  service: string;
  family: string;
  /** Container images of each revision to register, oldest first. The service runs the last. */
  images: string[];
  desiredCount?: number;
  /** Task size (Fargate pair) of every revision. */
  cpu?: string;
  memory?: string;
}

export interface SeededService {
  clusterArn: string;
  serviceArn: string;
  taskDefinitionArns: string[];
}

export function fargateTaskDefinition(family: string, image: string, cpu = '256', memory = '512'): RegisterTaskDefinitionCommandInput {
  return {
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu,
    memory,
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    containerDefinitions: [
      {
        name: family,
        image,
        essential: true,
        memory: Number(memory),
        memoryReservation: Number(memory) / 2,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
      },
    ],
    tags: [{ key: 'deploy-medic:enabled', value: 'true' }],
  };
}

export async function seedEcsService(ecs: ECSClient, options: SeedOptions): Promise<SeededService> {
  const cluster = await ecs.send(new CreateClusterCommand({ clusterName: options.cluster }));
  const taskDefinitionArns: string[] = [];
  for (const image of options.images) {
    const out = await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition(options.family, image, options.cpu, options.memory)));
    taskDefinitionArns.push(out.taskDefinition?.taskDefinitionArn ?? '');
  }
  const service = await ecs.send(
    new CreateServiceCommand({
      cluster: options.cluster,
      serviceName: options.service,
      taskDefinition: taskDefinitionArns.at(-1),
      desiredCount: options.desiredCount ?? 2,
      launchType: 'FARGATE',
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 },
      tags: [{ key: 'deploy-medic:enabled', value: 'true' }],
    }),
  );
  return { clusterArn: cluster.cluster?.clusterArn ?? '', serviceArn: service.service?.serviceArn ?? '', taskDefinitionArns };
}

/**
 * A recorded EventBridge event moved onto seeded resources: same shape and texts, with
 * the account, region, cluster, service and task definition ARNs of the local account.
 */
export interface RecordedEvent {
  id: string;
  account: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export function retargetTaskEvent<T extends RecordedEvent>(
  event: T,
  target: { account: string; region: string; clusterArn: string; service: string; taskDefinitionArn: string; containerName: string; taskId?: string },
): T {
  const taskId = target.taskId ?? String((event.detail.taskArn as string).split('/').pop());
  const clusterName = target.clusterArn.split('/').pop() ?? '';
  const taskArn = `arn:aws:ecs:${target.region}:${target.account}:task/${clusterName}/${taskId}`;
  const containers = ((event.detail.containers as Array<Record<string, unknown>> | undefined) ?? []).map((c) => ({ ...c, name: target.containerName, taskArn }));
  return {
    ...event,
    account: target.account,
    region: target.region,
    resources: [taskArn],
    detail: {
      ...event.detail,
      clusterArn: target.clusterArn,
      taskArn,
      taskDefinitionArn: target.taskDefinitionArn,
      group: `service:${target.service}`,
      containers,
    },
  };
}
