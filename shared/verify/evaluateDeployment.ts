/**
 * Is the remediated deployment done? A pure reading of DescribeServices, so the Verify
 * loop's decisions are tested without AWS. The waiting itself is ASL (Wait + backoff).
 */
import type { Service } from '@aws-sdk/client-ecs';

export type DeploymentStatus =
  /** The target revision is the only deployment and runs desiredCount tasks. */
  | 'STEADY'
  /** Still rolling out: wait and look again. */
  | 'IN_PROGRESS'
  /** ECS says the rollout failed (circuit breaker), or the service is gone. */
  | 'FAILED'
  /** Someone deployed another revision meanwhile: not ours to judge any more. */
  | 'SUPERSEDED'
  /** Not steady, and the deadline has passed. */
  | 'DEADLINE_EXCEEDED';

export interface DeploymentCheck {
  status: DeploymentStatus;
  detail: string;
  checkedAt: string;
  runningCount?: number;
  desiredCount?: number;
  rolloutState?: string;
}

/**
 * @example
 * evaluateDeployment(service, 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8', {
 *   now: new Date(), deadline: new Date(Date.now() + 600_000),
 * }).status; // 'IN_PROGRESS'
 */
export type DeploymentTarget =
  /** The revision we deployed; with the deployment id when ECS named it (a redeploy of the same revision is told apart by it). */
  | { taskDefinitionArn: string; deploymentId?: string | undefined }
  /** Any revision but this one (after a CloudFormation cancel, CloudFormation picks it). */
  | { awayFromTaskDefinitionArn: string };

export function evaluateDeployment(service: Service | undefined, target: string | DeploymentTarget, clock: { now: Date; deadline: Date }): DeploymentCheck {
  const wanted: DeploymentTarget = typeof target === 'string' ? { taskDefinitionArn: target } : target;
  const checkedAt = clock.now.toISOString();
  if (service === undefined || service.status !== 'ACTIVE') {
    return { status: 'FAILED', detail: 'service not found or not ACTIVE', checkedAt };
  }
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const counts = { runningCount: primary?.runningCount, desiredCount: primary?.desiredCount, rolloutState: primary?.rolloutState };

  if ('awayFromTaskDefinitionArn' in wanted) {
    if (primary === undefined) return { status: 'FAILED', detail: 'no PRIMARY deployment', checkedAt, ...counts };
    if (primary.taskDefinition === wanted.awayFromTaskDefinitionArn) {
      // Still on the failing revision: the rollback has not reached ECS yet.
      const still = `still on ${wanted.awayFromTaskDefinitionArn}`;
      return clock.now.getTime() >= clock.deadline.getTime()
        ? { status: 'DEADLINE_EXCEEDED', detail: `${still} at the deadline ${clock.deadline.toISOString()}`, checkedAt, ...counts }
        : { status: 'IN_PROGRESS', detail: still, checkedAt, ...counts };
    }
  } else {
    if (primary === undefined || primary.taskDefinition !== wanted.taskDefinitionArn) {
      return { status: 'SUPERSEDED', detail: `primary deployment runs ${primary?.taskDefinition ?? 'nothing'}, not ${wanted.taskDefinitionArn}`, checkedAt, ...counts };
    }
    if (wanted.deploymentId !== undefined && primary.id !== wanted.deploymentId) {
      return { status: 'SUPERSEDED', detail: `primary deployment is ${primary.id ?? 'unnamed'}, not ours (${wanted.deploymentId})`, checkedAt, ...counts };
    }
  }
  if (primary === undefined) return { status: 'FAILED', detail: 'no PRIMARY deployment', checkedAt, ...counts };
  if (primary.rolloutState === 'FAILED') {
    return { status: 'FAILED', detail: `rollout FAILED: ${primary.rolloutStateReason ?? 'no reason given'}`, checkedAt, ...counts };
  }
  const steady =
    deployments.length === 1 &&
    primary.runningCount === primary.desiredCount &&
    (primary.rolloutState === undefined || primary.rolloutState === 'COMPLETED');
  if (steady) {
    return { status: 'STEADY', detail: `${primary.runningCount}/${primary.desiredCount} tasks running on ${primary.taskDefinition ?? 'the target revision'}`, checkedAt, ...counts };
  }
  const progress = `${primary.runningCount ?? 0}/${primary.desiredCount ?? 0} running, rolloutState ${primary.rolloutState ?? 'n/a'}, ${deployments.length} deployment(s)`;
  if (clock.now.getTime() >= clock.deadline.getTime()) {
    return { status: 'DEADLINE_EXCEEDED', detail: `not steady by the deadline ${clock.deadline.toISOString()}: ${progress}`, checkedAt, ...counts };
  }
  return { status: 'IN_PROGRESS', detail: progress, checkedAt, ...counts };
}
