/**
 * From a classified ECS failure to a plan. One registry entry per category says what the
 * system does about it; the guards before it say when it does nothing at all.
 *
 * Used for stopped tasks, failed deployments and service actions alike, so the same cause
 * gets the same remedy whichever event reported it first.
 */
import type { Service } from '@aws-sdk/client-ecs';
import type { MedicConfig } from '../config';
import type { ClassificationVariant } from '../diagnosis/types';
import type { LastKnownGood } from '../ledger/ledger';
import { scopeVerdict } from '../policy/scope';
import type { EcsCategory } from '../taxonomy';
import type { EcsRollbackPlan, Plan } from './plan';
import { planMemoryResize, type TaskSizing } from './planMemoryResize';

import { STACK_NAME_TAG } from '../aws/cfnTags';

export { STACK_NAME_TAG };

export interface EcsPlanInput {
  cluster: string;
  service: string;
  /** The failing revision. */
  taskDefinitionArn: string;
  category: EcsCategory;
  /** How sure the classifier is; below config.remediation.minConfidenceToAct nothing is changed. */
  confidence: number;
  variant?: ClassificationVariant | undefined;
  /** Containers the evidence names (OOM-killed ones). */
  containers: string[];
  /** What Describe calls and the ledger returned; absent offline. */
  facts: { service?: Service | null; lastKnownGood?: LastKnownGood | null };
  /** Task sizes, for the OOM resize (from DescribeTaskDefinition online, the event offline). */
  sizing: () => TaskSizing;
  config: MedicConfig;
}

type Policy = (input: EcsPlanInput) => Plan;

const notify = (reason: string): Plan => ({ action: 'notify-only', reason });

const resize: Policy = (input) => {
  const { memoryMultiplier, maxTaskMemoryMiB } = input.config.remediation;
  const result = planMemoryResize(input.sizing(), input.containers, { multiplier: memoryMultiplier, maxTaskMemoryMiB });
  if (!result.ok) return notify(`cannot raise memory: ${result.reason}`);
  return {
    action: 'ecs-resize-memory',
    reason: `raise memory x${memoryMultiplier} (cap ${maxTaskMemoryMiB} MiB)`,
    cluster: input.cluster,
    service: input.service,
    taskDefinitionArn: input.taskDefinitionArn,
    containers: input.containers,
    change: result.change,
  };
};

/**
 * Roll back to the last known good revision: the ledger's record first (it survives a
 * stalled circuit breaker), else the deployment ECS still shows as COMPLETED.
 */
export function rollbackPlan(input: EcsPlanInput, why: string): Plan {
  const { service, lastKnownGood } = input.facts;
  const online = service !== undefined;
  const previous = service?.deployments?.find((d) => d.status === 'ACTIVE' && d.rolloutState === 'COMPLETED' && d.taskDefinition !== input.taskDefinitionArn);
  const target = lastKnownGood
    ? { arn: lastKnownGood.taskDefinitionArn, source: `last known good since ${lastKnownGood.recordedAt} (${lastKnownGood.source})` }
    : previous?.taskDefinition
      ? { arn: previous.taskDefinition, source: `the previous deployment ${previous.id ?? ''} (COMPLETED)` }
      : undefined;

  if (online && target === undefined) return notify(`${why}, but no last known good revision is recorded for this service: nothing safe to roll back to`);
  if (target?.arn === input.taskDefinitionArn) {
    return notify(`the failing revision ${input.taskDefinitionArn} is the last known good one: not a bad deploy, so no rollback (check what changed around it)`);
  }
  const stackName = service?.tags?.find((t) => t.key === STACK_NAME_TAG)?.value;
  const plan: EcsRollbackPlan = {
    action: 'ecs-rollback',
    reason: `${why}: roll back to the last known good revision`,
    cluster: input.cluster,
    service: input.service,
    fromTaskDefinitionArn: input.taskDefinitionArn,
    ...(target ? { toTaskDefinitionArn: target.arn, toSource: target.source } : {}),
    ...(stackName ? { stackName } : {}),
  };
  return plan;
}

/** Launch the same revision again, with backoff between attempts, then fall back. */
function redeployThen(input: EcsPlanInput, why: string, fallback: Plan): Plan {
  return {
    action: 'ecs-redeploy',
    reason: `${why}: launch again (up to ${input.config.remediation.redeployMaxAttempts} attempts, backoff 30 s doubling), then ${fallback.action}`,
    cluster: input.cluster,
    service: input.service,
    taskDefinitionArn: input.taskDefinitionArn,
    retry: { maxAttempts: input.config.remediation.redeployMaxAttempts },
    fallback,
  };
}

const rollbackBadRevision =
  (what: string): Policy =>
  (input) =>
    rollbackPlan(input, `${what} in the new revision`);

/** What the system does about each cause. Normal life never reaches here. */
export const ECS_REMEDIATION_POLICIES: Record<EcsCategory, Policy> = {
  OOM: resize,
  IMAGE_PULL: (input) =>
    input.variant === 'transient'
      ? redeployThen(input, 'image pull failed transiently (registry throttling or timeout)', rollbackPlan(input, 'image pull kept failing'))
      : rollbackPlan(input, 'the image cannot be pulled (missing repository, tag or digest, or denied access)'),
  SECRETS_OR_CONFIG: rollbackBadRevision('a secret or configuration value cannot be resolved'),
  PERMISSIONS: rollbackBadRevision('a permission is missing'),
  ARCH_MISMATCH: rollbackBadRevision('the image does not match the task CPU architecture'),
  APP_CRASH: rollbackBadRevision('the application crashes at start'),
  HEALTH_CHECK: rollbackBadRevision('tasks fail their health checks'),
  CAPACITY_PLACEMENT: (input) =>
    redeployThen(
      input,
      `no capacity to place the task${input.variant ? ` (${input.variant})` : ''}`,
      notify(`still no capacity after retrying${input.variant ? `: the ${input.variant} constraint failed` : ''}; add capacity or relax the constraint`),
    ),
  NETWORK: (input) => redeployThen(input, 'the task could not reach a network dependency', rollbackPlan(input, 'the network failure persisted')),
  DEPENDENCY: () => notify('a container dependency did not start: follow the runbook'),
  SPOT_OR_MAINTENANCE: () => ({ action: 'none', reason: 'SPOT_OR_MAINTENANCE: normal life, not an incident' }),
  SCALING_OR_USER: () => ({ action: 'none', reason: 'SCALING_OR_USER: normal life, not an incident' }),
  UNKNOWN: () => notify('cause not recognised: a human is needed (see the evidence)'),
};

/**
 * The guards, then the category's policy.
 *
 * @example
 * planEcsRemediation({ cluster: 'prod', service: 'checkout-api', taskDefinitionArn, category: 'APP_CRASH',
 *   containers: [], facts: { service, lastKnownGood }, sizing, config });
 * // { action: 'ecs-rollback', toTaskDefinitionArn: '...:6', ... }
 */
export function planEcsRemediation(input: EcsPlanInput): Plan {
  const { service } = input.facts;
  const where = `${input.cluster}/${input.service}`;
  if (service === null || (service && service.status !== 'ACTIVE')) {
    return { action: 'none', reason: `service ${where} no longer exists or is not ACTIVE` };
  }
  if (service?.taskDefinition !== undefined && service.taskDefinition !== input.taskDefinitionArn) {
    // Someone (or a rollback) has already moved the service on; acting now would fight that.
    return notify(`service now runs ${service.taskDefinition}, not the failing ${input.taskDefinitionArn}: leaving it alone`);
  }
  const plan = ECS_REMEDIATION_POLICIES[input.category](input);
  if (plan.action === 'none' || plan.action === 'notify-only') return plan;
  if (service) {
    // Scope (opt-in tag, allowlist, protected) is checked online, where the tags are known.
    const verdict = scopeVerdict({ kind: 'ecs-service', name: where, tags: service.tags }, input.config.scope);
    if (!verdict.writable) return notify(`${verdict.reason}: would ${plan.action}, reporting only`);
  }
  // A wrong confident action is worse than asking: a weak reading is reported, not acted on.
  const min = input.config.remediation.minConfidenceToAct;
  if (input.confidence < min) {
    return notify(`${input.category} at confidence ${input.confidence.toFixed(2)} is below the ${min} needed to act: would ${plan.action}, reporting only`);
  }
  return plan;
}
