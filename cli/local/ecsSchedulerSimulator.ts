/**
 * moto has no ECS scheduler: after UpdateService it keeps reporting the service's first
 * deployment forever, with no running tasks. This stands in for the scheduler, and only
 * for what ECS would *report*: every UpdateService (a new revision, or forceNewDeployment)
 * starts a new PRIMARY deployment - named in the UpdateService response, as ECS does - whose
 * running count climbs by `tasksStartedPerLook` each time DescribeServices looks, while the
 * previous deployment drains. Revisions in `crashingRevisions` never get a task running
 * (their tasks keep stopping), as a bad deployment behaves.
 *
 * Every write still goes to moto for real; only the passing of time is simulated. Used by
 * `medic demo` and the end-to-end tests, never by the product.
 */
import type { Deployment, DescribeServicesCommandOutput, ECSClient, Service, UpdateServiceCommandInput, UpdateServiceCommandOutput } from '@aws-sdk/client-ecs';

export interface SchedulerSimulatorOptions {
  tasksStartedPerLook?: number;
  crashingRevisions?: ReadonlySet<string>;
  /** Looks after which a crashing rollout is FAILED, as the deployment circuit breaker would say (default 3). */
  failAfterLooks?: number;
}

interface Rollout {
  taskDefinition: string;
  running: number;
  id: string;
  looks: number;
  previous?: { taskDefinition: string; running: number; id: string };
}

export function simulateEcsScheduler(ecs: ECSClient, options: SchedulerSimulatorOptions = {}): ECSClient {
  const step = options.tasksStartedPerLook ?? 1;
  const crashing = options.crashingRevisions ?? new Set<string>();
  const failAfterLooks = options.failAfterLooks ?? 3;
  const rollouts = new Map<string, Rollout>();
  let nextId = 1;
  // ECS deployment ids are `ecs-svc/` and 19 digits; a string, so no number overflows.
  const newId = () => `ecs-svc/7${String(nextId++).padStart(18, '0')}`;

  const startRollout = (key: string, taskDefinition: string): Rollout => {
    const current = rollouts.get(key);
    const previous = current ? { taskDefinition: current.taskDefinition, running: current.running, id: current.id } : undefined;
    const rollout: Rollout = { taskDefinition, running: 0, id: newId(), looks: 0, ...(previous ? { previous } : {}) };
    rollouts.set(key, rollout);
    return rollout;
  };

  const deploymentsOf = (rollout: Rollout, desired: number): Deployment[] => {
    const done = rollout.running === desired && !crashing.has(rollout.taskDefinition);
    const failed = crashing.has(rollout.taskDefinition) && rollout.looks >= failAfterLooks;
    const primary: Deployment = {
      id: rollout.id,
      status: 'PRIMARY',
      taskDefinition: rollout.taskDefinition,
      desiredCount: desired,
      pendingCount: desired - rollout.running,
      runningCount: rollout.running,
      failedTasks: crashing.has(rollout.taskDefinition) ? 2 : 0,
      rolloutState: done ? 'COMPLETED' : failed ? 'FAILED' : 'IN_PROGRESS',
      rolloutStateReason: done
        ? `ECS deployment ${rollout.id} completed.`
        : failed
          ? 'ECS deployment circuit breaker: tasks failed to start.'
          : `ECS deployment ${rollout.id} in progress.`,
    };
    const draining: Deployment[] = rollout.previous
      ? [{ id: rollout.previous.id, status: 'ACTIVE', taskDefinition: rollout.previous.taskDefinition, desiredCount: 0, runningCount: rollout.previous.running, rolloutState: 'COMPLETED' }]
      : [];
    return [primary, ...draining];
  };

  /** One look by DescribeServices: time passes, one more task starts. */
  const look = (service: Service): Service => {
    const key = service.serviceArn ?? '';
    const desired = service.desiredCount ?? 0;
    const current = service.taskDefinition ?? '';
    let rollout = rollouts.get(key);
    if (rollout === undefined) {
      // First sight of a service: it was deployed before we looked, so a healthy revision is
      // already fully running and a crashing one has nothing running.
      rollout = startRollout(key, current);
      rollout.running = crashing.has(current) ? 0 : desired;
    } else if (rollout.taskDefinition !== current) {
      // Deployed by someone else (another client, CloudFormation): a rollout starts all the same.
      rollout = startRollout(key, current);
    }
    rollout.looks += 1;
    if (!crashing.has(rollout.taskDefinition)) rollout.running = Math.min(desired, rollout.running + step);
    if (rollout.previous) {
      rollout.previous.running = Math.max(0, desired - rollout.running);
      if (rollout.running === desired) delete rollout.previous;
    }
    return { ...service, runningCount: rollout.running + (rollout.previous?.running ?? 0), deployments: deploymentsOf(rollout, desired) };
  };

  ecs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'DescribeServicesCommand') {
        const output = result.output as DescribeServicesCommandOutput;
        output.services = output.services?.map(look);
      }
      if (context.commandName === 'UpdateServiceCommand') {
        const input = args.input as UpdateServiceCommandInput;
        const output = result.output as UpdateServiceCommandOutput;
        const service = output.service;
        if (service?.serviceArn && (input.taskDefinition !== undefined || input.forceNewDeployment)) {
          const rollout = startRollout(service.serviceArn, service.taskDefinition ?? input.taskDefinition ?? '');
          output.service = { ...service, deployments: deploymentsOf(rollout, service.desiredCount ?? 0) };
        }
      }
      return result;
    },
    { step: 'initialize', name: 'ecsSchedulerSimulator' },
  );
  return ecs;
}
