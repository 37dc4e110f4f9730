/**
 * Action `ecs-resize-memory`: registers a new task definition revision with more memory
 * (derived from the revision that ran out) and moves the service to it.
 *
 * Idempotent: the new revision is tagged with the incident key, so a retried apply that
 * finds the service already on a revision carrying that tag reports it and writes nothing, and
 * one that finds the family's newest revision registered for this incident (an earlier try
 * failed between RegisterTaskDefinition and UpdateService) uses it rather than register another.
 */
import { type ECSClient, RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput, type Tag, type TaskDefinition } from '@aws-sdk/client-ecs';
import { taskDefinitionRef } from '../arn';
import { parseSize } from '../diagnosis/ecs/taskSizing';
import { RemediationError } from '../errors';
import type { EcsResizeMemoryPlan } from '../planning/plan';
import type { MemoryChange } from '../planning/planMemoryResize';
import { transientAware } from '../aws/transient';
import { describeActiveService, describeTaskDefinition, primaryDeploymentRunning, updateService } from './ecsServiceCalls';
import type { ActionDefinition, ActionOutcome } from './types';

export const INCIDENT_TAG = 'deploy-medic:incident';
export const DERIVED_FROM_TAG = 'deploy-medic:derived-from';

export const ecsResizeMemory: ActionDefinition<EcsResizeMemoryPlan> = {
  name: 'ecs-resize-memory',
  description: 'Register a task definition revision with more memory and update the service to it',
  iamActions: ['ecs:DescribeServices', 'ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition', 'ecs:TagResource', 'ecs:UpdateService', 'iam:PassRole'],

  describe(plan) {
    const { family, revision } = taskDefinitionRef(plan.taskDefinitionArn);
    return [
      `register ${family}:${revision + 1}-or-later from ${family}:${revision} with ${describeChange(plan.change)}`,
      `update service ${plan.cluster}/${plan.service} to the new revision`,
    ];
  },

  async apply(plan, { ecs }, context): Promise<ActionOutcome> {
    const change = plan.change;
    if (change === undefined) throw new RemediationError('ecs-resize-memory needs a planned change (diagnose online first)');

    const service = await describeActiveService(ecs, plan.cluster, plan.service);
    if (service.taskDefinition !== plan.taskDefinitionArn) {
      const current = await describeTaskDefinition(ecs, service.taskDefinition);
      if (tagValue(current.tags, INCIDENT_TAG) === context.incidentKey) {
        const deploymentId = primaryDeploymentRunning(service, service.taskDefinition);
        return {
          action: 'ecs-resize-memory',
          applied: false,
          dryRun: false,
          steps: [`already applied: service runs ${service.taskDefinition}, registered for this incident`],
          before: { taskDefinitionArn: plan.taskDefinitionArn },
          after: { taskDefinitionArn: service.taskDefinition, ...sizes(current.taskDefinition), ...(deploymentId ? { deploymentId } : {}) },
        };
      }
      throw new RemediationError(`service ${plan.cluster}/${plan.service} now runs ${service.taskDefinition}, not ${plan.taskDefinitionArn}: refusing to override it`);
    }

    // The failing revision as Diagnose read it, when it passed it along (a revision never changes).
    const carried = context.known?.failingTaskDefinition;
    const failing = carried?.taskDefinition.taskDefinitionArn === plan.taskDefinitionArn ? carried : await describeTaskDefinition(ecs, plan.taskDefinitionArn);
    assertSizesUnchanged(failing.taskDefinition, change);
    // An earlier try may have registered the revision and then failed on UpdateService (throttled,
    // timed out): the state machine retries the whole action, and must not register a second one.
    // On a first try (the state machine says so) there is no earlier one: no read.
    const earlier = context.firstTry ? undefined : await revisionRegisteredEarlier(ecs, plan.taskDefinitionArn, context.incidentKey);
    const registered =
      earlier ??
      (await transientAware('RegisterTaskDefinition', () => ecs.send(new RegisterTaskDefinitionCommand(registerInputFrom(failing.taskDefinition, failing.tags, change, context.incidentKey)))));
    const newArn = registered.taskDefinition?.taskDefinitionArn;
    if (newArn === undefined) throw new RemediationError('RegisterTaskDefinition returned no task definition ARN');

    const deploymentId = await updateService(ecs, { cluster: plan.cluster, service: plan.service, taskDefinition: newArn });
    const now = (context.now ?? (() => new Date()))();
    return {
      action: 'ecs-resize-memory',
      applied: true,
      dryRun: false,
      steps: [`registered ${newArn} with ${describeChange(change)}`, `updated service ${plan.cluster}/${plan.service} to ${newArn}`],
      before: { taskDefinitionArn: plan.taskDefinitionArn, ...sizes(failing.taskDefinition) },
      after: { taskDefinitionArn: newArn, ...sizes(registered.taskDefinition), ...(deploymentId ? { deploymentId } : {}) },
      appliedAt: now.toISOString(),
    };
  },
};

/**
 * The family's newest revision, when this incident registered it from the failing revision
 * (DescribeTaskDefinition of a bare family answers its latest ACTIVE revision).
 */
async function revisionRegisteredEarlier(ecs: ECSClient, failingArn: string, incidentKey: string): Promise<{ taskDefinition?: TaskDefinition } | undefined> {
  const { family, revision } = taskDefinitionRef(failingArn);
  const latest = await describeTaskDefinition(ecs, family);
  const ours = tagValue(latest.tags, INCIDENT_TAG) === incidentKey && tagValue(latest.tags, DERIVED_FROM_TAG) === `${family}:${revision}`;
  return ours ? { taskDefinition: latest.taskDefinition } : undefined;
}

export function describeChange(change: MemoryChange | undefined): string {
  if (change === undefined) return 'more memory (sizes computed when applied)';
  const parts: string[] = [];
  if (change.taskMemory) parts.push(`task memory ${change.taskMemory.from}->${change.taskMemory.to} MiB`);
  if (change.taskCpu) parts.push(`task cpu ${change.taskCpu.from}->${change.taskCpu.to}`);
  for (const c of change.containers) parts.push(`container ${c.name} memory ${c.memory.from}->${c.memory.to} MiB`);
  return parts.join(', ');
}

const tagValue = (tags: Tag[], key: string) => tags.find((t) => t.key === key)?.value;

function sizes(td: TaskDefinition | undefined) {
  return {
    cpu: td?.cpu,
    memory: td?.memory,
    containers: (td?.containerDefinitions ?? []).map((c) => ({ name: c.name, memory: c.memory, memoryReservation: c.memoryReservation })),
  };
}

/** The plan was made from a Describe a moment ago; if the sizes moved since, stop rather than guess. */
function assertSizesUnchanged(td: TaskDefinition, change: MemoryChange): void {
  if (change.taskMemory && parseSize(td.memory, 'memory') !== change.taskMemory.from) {
    throw new RemediationError(`task memory is ${td.memory}, plan expected ${change.taskMemory.from}`);
  }
  for (const c of change.containers) {
    const actual = td.containerDefinitions?.find((d) => d.name === c.name)?.memory;
    if (actual !== c.memory.from) throw new RemediationError(`container ${c.name} memory is ${actual}, plan expected ${c.memory.from}`);
  }
}

/**
 * A RegisterTaskDefinition input that copies every registrable field of the failing
 * revision and changes only the sizes. Read-only fields (ARN, revision, status,
 * registeredAt ...) are left out, because RegisterTaskDefinition rejects them.
 */
export function registerInputFrom(td: TaskDefinition, tags: Tag[], change: MemoryChange, incidentKey: string): RegisterTaskDefinitionCommandInput {
  const { family, revision } = taskDefinitionRef(td.taskDefinitionArn ?? '');
  const containers = (td.containerDefinitions ?? []).map((container) => {
    const resized = change.containers.find((c) => c.name === container.name);
    return resized ? { ...container, memory: resized.memory.to } : container;
  });
  const ours = new Set([INCIDENT_TAG, DERIVED_FROM_TAG]);
  return {
    family: td.family ?? family,
    taskRoleArn: td.taskRoleArn,
    executionRoleArn: td.executionRoleArn,
    networkMode: td.networkMode,
    containerDefinitions: containers,
    volumes: td.volumes,
    placementConstraints: td.placementConstraints,
    requiresCompatibilities: td.requiresCompatibilities,
    cpu: change.taskCpu ? String(change.taskCpu.to) : td.cpu,
    memory: change.taskMemory ? String(change.taskMemory.to) : td.memory,
    pidMode: td.pidMode,
    ipcMode: td.ipcMode,
    proxyConfiguration: td.proxyConfiguration,
    inferenceAccelerators: td.inferenceAccelerators,
    ephemeralStorage: td.ephemeralStorage,
    runtimePlatform: td.runtimePlatform,
    enableFaultInjection: td.enableFaultInjection,
    tags: [
      ...tags.filter((t) => t.key === undefined || !ours.has(t.key)),
      { key: INCIDENT_TAG, value: incidentKey },
      { key: DERIVED_FROM_TAG, value: `${family}:${revision}` },
    ],
  };
}
