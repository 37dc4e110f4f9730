/**
 * Action `cfn-cleanup-delete`: for a stack in DELETE_FAILED, re-read what blocks the
 * resources that failed to delete, remove the blockers the planner proves safe (detached ENIs
 * of the stack, rules in the stack's own groups that reference its groups), then DeleteStack
 * again. Blockers that need a human are reported, never touched; Lambda ENIs are waited for
 * (the state machine retries this action with backoff).
 *
 * Idempotent: a blocker already gone (NotFound) is a blocker removed.
 */
import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { DeleteNetworkInterfaceCommand, type EC2Client, RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { ownRequestToken } from '../aws/requestToken';
import { transientAware } from '../aws/transient';
import { gatherBlockers } from '../cleanup/gatherBlockers';
import { DEFAULT_CLEANUP_POLICY, describeCleanup, planStackCleanup } from '../cleanup/planStackCleanup';
import type { CleanupStep, StackScope } from '../cleanup/types';
import { RemediationError } from '../errors';
import type { CfnCleanupDeletePlan } from '../planning/plan';
import { describeStack, stackResources } from './cfnStackCalls';
import type { ActionDefinition, ActionOutcome } from './types';

/** EC2 errors that mean "already done". */
const ALREADY_GONE = new Set(['InvalidNetworkInterfaceID.NotFound', 'InvalidPermission.NotFound', 'InvalidGroup.NotFound']);

export const cfnCleanupDelete: ActionDefinition<CfnCleanupDeletePlan> = {
  name: 'cfn-cleanup-delete',
  description: 'Remove what provably blocks a DELETE_FAILED stack, then delete it again',
  iamActions: [
    'cloudformation:DescribeStacks',
    'cloudformation:DescribeStackResources',
    'cloudformation:DeleteStack',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSecurityGroups',
    'ec2:DeleteNetworkInterface',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:RevokeSecurityGroupEgress',
    'rds:DescribeDBInstances',
    'rds:DescribeDBClusters',
    's3:ListBucket',
  ],

  describe(plan) {
    return [
      ...plan.preview.steps,
      ...(plan.preview.unresolvable.length > 0 ? [`(cannot be freed safely: ${plan.preview.unresolvable.join(', ')})`] : []),
      `delete stack ${plan.stackName} again`,
    ];
  },

  async apply(plan, clients, context): Promise<ActionOutcome> {
    const now = context.now ?? (() => new Date());
    const stack = await describeStack(clients.cloudformation, plan.stackId);
    if (stack.StackStatus !== 'DELETE_FAILED' && stack.StackStatus !== 'ROLLBACK_FAILED') {
      throw new RemediationError(`stack ${plan.stackName} is ${stack.StackStatus ?? 'unknown'}, not DELETE_FAILED or ROLLBACK_FAILED: not touching it`);
    }
    const resources = await stackResources(clients.cloudformation, plan.stackId);
    const scope: StackScope = {
      stackId: plan.stackId,
      stackName: plan.stackName,
      resources: resources.map((r) => ({ logicalId: r.LogicalResourceId ?? '', physicalId: r.PhysicalResourceId, type: r.ResourceType ?? '', status: r.ResourceStatus ?? '' })),
    };
    const failed = resources
      .filter((r) => r.ResourceStatus === 'DELETE_FAILED' && r.PhysicalResourceId)
      .map((r) => ({ logicalId: r.LogicalResourceId ?? '', physicalId: r.PhysicalResourceId ?? '', type: r.ResourceType ?? '', reason: r.ResourceStatusReason }));
    // Re-planned with the same protection as at diagnosis: a blocker protected since then is still skipped.
    const cleanup = planStackCleanup(scope, await gatherBlockers(clients, failed), { ...DEFAULT_CLEANUP_POLICY, protected: context.protectedResources ?? [] });

    const done: string[] = [];
    for (const step of cleanup.steps) done.push(await executeStep(clients.ec2, step));
    await transientAware('DeleteStack', () => clients.cloudformation.send(new DeleteStackCommand({ StackName: plan.stackId, ClientRequestToken: ownRequestToken(context.incidentKey, now()) })));
    return {
      action: 'cfn-cleanup-delete',
      applied: true,
      dryRun: false,
      steps: [
        ...done,
        ...describeCleanup({ ...cleanup, steps: [] }),
        `deleted stack ${plan.stackName} again${cleanup.unresolvable.length > 0 ? ` (still blocked: ${cleanup.unresolvable.join(', ')})` : ''}`,
      ],
      before: { stackStatus: stack.StackStatus, failed: failed.map((f) => f.logicalId) },
      after: { targetStackStatus: 'DELETE_COMPLETE', unresolvable: cleanup.unresolvable, waiting: cleanup.waits.map((w) => w.target) },
      appliedAt: now().toISOString(),
    };
  },
};

async function executeStep(ec2: EC2Client, step: CleanupStep): Promise<string> {
  try {
    if (step.kind === 'delete-eni') {
      await transientAware('DeleteNetworkInterface', () => ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: step.target })));
      return `deleted ENI ${step.target} (blocked ${step.forResource}): ${step.proof}`;
    }
    const { reference } = step;
    const permission = {
      IpProtocol: reference.protocol,
      ...(reference.fromPort !== undefined ? { FromPort: reference.fromPort, ToPort: reference.toPort } : {}),
      UserIdGroupPairs: [{ GroupId: reference.referencedGroupId }],
    };
    const input = { GroupId: reference.groupId, IpPermissions: [permission] };
    if (reference.direction === 'ingress') {
      await transientAware('RevokeSecurityGroupIngress', () => ec2.send(new RevokeSecurityGroupIngressCommand(input)));
    } else {
      await transientAware('RevokeSecurityGroupEgress', () => ec2.send(new RevokeSecurityGroupEgressCommand(input)));
    }
    return `revoked ${reference.direction} rule ${step.target} (blocked ${step.forResource}): ${step.proof}`;
  } catch (error) {
    const code = (error as { name?: string; Code?: string }).name ?? '';
    if (ALREADY_GONE.has(code)) return `${step.target} already gone (blocked ${step.forResource})`;
    throw error;
  }
}
