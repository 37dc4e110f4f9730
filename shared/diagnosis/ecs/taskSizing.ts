/**
 * Reads task sizes from what AWS gives us (an event's task detail, or DescribeTaskDefinition)
 * into the plain numbers the planner works on.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { EcsTaskDetail } from '../../events/ecsTaskStateChange';
import type { TaskSizing } from '../../planning/planMemoryResize';

/**
 * ECS accepts task sizes as CPU units / MiB ("256", "512") or with units ("1 vCPU", "2 GB").
 * Returns undefined for anything else rather than guessing.
 */
export function parseSize(value: string | number | undefined, kind: 'cpu' | 'memory'): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value > 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb|mb|mib|gib)?\s*$/i.exec(value);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = match[2]?.toLowerCase();
  if (unit === undefined || unit === 'mb' || unit === 'mib') return amount > 0 ? amount : undefined;
  if (kind === 'cpu' && unit === 'vcpu') return amount * 1024;
  if (kind === 'memory' && (unit === 'gb' || unit === 'gib')) return amount * 1024;
  return undefined;
}

export function sizingFromTaskDefinition(taskDefinition: TaskDefinition, launchType?: string): TaskSizing {
  return {
    fargate: launchType === 'FARGATE' || (taskDefinition.requiresCompatibilities ?? []).includes('FARGATE'),
    cpu: parseSize(taskDefinition.cpu, 'cpu'),
    memory: parseSize(taskDefinition.memory, 'memory'),
    containers: (taskDefinition.containerDefinitions ?? []).map((c) => ({
      name: c.name ?? '',
      memory: c.memory,
      memoryReservation: c.memoryReservation,
    })),
  };
}

/** Sizes as far as the event alone tells them (offline diagnosis). */
export function sizingFromTaskEvent(detail: EcsTaskDetail): TaskSizing {
  return {
    fargate: detail.launchType === 'FARGATE' || (detail.capacityProviderName ?? '').startsWith('FARGATE'),
    cpu: parseSize(detail.cpu, 'cpu'),
    memory: parseSize(detail.memory, 'memory'),
    containers: detail.containers.map((c) => ({
      name: c.name,
      memory: parseSize(c.memory, 'memory'),
      memoryReservation: parseSize(c.memoryReservation, 'memory'),
    })),
  };
}
