/**
 * Has the stack reached the state the remediation drives it to? A pure reading of
 * DescribeStacks, like evaluateDeployment for services; the waiting is ASL.
 */
import type { Stack } from '@aws-sdk/client-cloudformation';
import type { DeploymentCheck } from './evaluateDeployment';

/** Failed end states per target: CloudFormation stops there and waits for a human (or for us). */
const FAILED_FOR: Record<string, readonly string[]> = {
  DELETE_COMPLETE: ['DELETE_FAILED'],
  UPDATE_ROLLBACK_COMPLETE: ['UPDATE_ROLLBACK_FAILED'],
};

/**
 * @example
 * evaluateStack(stack, 'DELETE_COMPLETE', { now, deadline }).status; // 'IN_PROGRESS' while DELETE_IN_PROGRESS
 */
export function evaluateStack(stack: Stack | undefined, target: string, clock: { now: Date; deadline: Date }): DeploymentCheck {
  const checkedAt = clock.now.toISOString();
  // A stack described by id stays visible as DELETE_COMPLETE; a missing one is gone all the same.
  const status = stack?.StackStatus ?? 'DELETE_COMPLETE';
  const detail = `stack ${stack?.StackName ?? ''} is ${status}${stack?.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}`.replace('stack  is', 'stack is');
  if (status === target) return { status: 'STEADY', detail, checkedAt };
  if ((FAILED_FOR[target] ?? []).includes(status)) return { status: 'FAILED', detail, checkedAt };
  if (!status.endsWith('_IN_PROGRESS')) return { status: 'SUPERSEDED', detail: `${detail}, not heading to ${target}`, checkedAt };
  if (clock.now.getTime() >= clock.deadline.getTime()) {
    return { status: 'DEADLINE_EXCEEDED', detail: `${detail} at the deadline ${clock.deadline.toISOString()}`, checkedAt };
  }
  return { status: 'IN_PROGRESS', detail, checkedAt };
}
