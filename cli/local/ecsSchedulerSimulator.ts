/**
 * moto has no ECS scheduler: after UpdateService it keeps reporting the service's first
 * deployment forever, with no running tasks. This stands in for the scheduler, and only
 * for reads: it rewrites DescribeServices answers into what ECS reports during a rolling
 * update - the service's current task definition as the PRIMARY deployment, whose running
 * count climbs by `tasksStartedPerLook` each time someone looks, while the previous
 * deployment drains. Revisions listed in `crashingRevisions` never get a task running
 * (their tasks keep stopping), as a bad deployment behaves.
 *
 * Every write still goes to moto for real; only time passing is simulated. Used by
 * `medic demo` and the end-to-end integration test, never by the product.
 */
import type { Deployment, DescribeServicesCommandOutput, ECSClient, Service } from '@aws-sdk/client-ecs';

export interface SchedulerSimulatorOptions {
  tasksStartedPerLook?: number;
  crashingRevisions?: ReadonlySet<string>;
}

interface Rollout {
  taskDefinition: string;
  running: number;
  id: string;
  previous?: { taskDefinition: string; running: number; id: string };
}

export function simulateEcsScheduler(ecs: ECSClient, options: SchedulerSimulatorOptions = {}): ECSClient {
  const step = options.tasksStartedPerLook ?? 1;
  const crashing = options.crashingRevisions ?? new Set<string>();
  const rollouts = new Map<string, Rollout>();
  let nextId = 1;

  const look = (service: Service): Service => {
    const key = service.serviceArn ?? '';
    const desired = service.desiredCount ?? 0;
    const current = service.taskDefinition ?? '';
    let rollout = rollouts.get(key);
    if (rollout === undefined || rollout.taskDefinition !== current) {
      const previous = rollout ? { taskDefinition: rollout.taskDefinition, running: rollout.running, id: rollout.id } : undefined;
      rollout = { taskDefinition: current, running: 0, id: `ecs-svc/${String(nextId++).padStart(19, '0')}`, ...(previous ? { previous } : {}) };
      rollouts.set(key, rollout);
    } else if (!crashing.has(current)) {
      rollout.running = Math.min(desired, rollout.running + step);
    }
    const done = rollout.running === desired && !crashing.has(current);
    if (done) delete rollout.previous;
    if (rollout.previous) rollout.previous.running = Math.max(0, desired - rollout.running);

    const primary: Deployment = {
      id: rollout.id,
      status: 'PRIMARY',
      taskDefinition: current,
      desiredCount: desired,
      pendingCount: desired - rollout.running,
      runningCount: rollout.running,
      failedTasks: crashing.has(current) ? 1 : 0,
      rolloutState: done ? 'COMPLETED' : 'IN_PROGRESS',
      rolloutStateReason: done ? `ECS deployment ${rollout.id} completed.` : `ECS deployment ${rollout.id} in progress.`,
    };
    const draining: Deployment[] = rollout.previous
      ? [{ id: rollout.previous.id, status: 'ACTIVE', taskDefinition: rollout.previous.taskDefinition, desiredCount: 0, runningCount: rollout.previous.running, rolloutState: 'COMPLETED' }]
      : [];
    return { ...service, runningCount: rollout.running + (rollout.previous?.running ?? 0), deployments: [primary, ...draining] };
  };

  ecs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'DescribeServicesCommand') {
        const output = result.output as DescribeServicesCommandOutput;
        output.services = output.services?.map(look);
      }
      return result;
    },
    { step: 'initialize', name: 'ecsSchedulerSimulator' },
  );
  return ecs;
}
