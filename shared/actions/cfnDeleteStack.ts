/**
 * Action `cfn-delete-stack`: delete a stack - the fallback once cleanup is spent, keeping the
 * resources that still fail to delete (RetainResources, valid only for a DELETE_FAILED stack),
 * and saying exactly what was retained, so it can be followed up. Also deletes a stack that
 * never got created (ROLLBACK_COMPLETE), which CloudFormation cannot update.
 */
import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { ownRequestToken } from '../aws/requestToken';
import { transientAware } from '../aws/transient';
import type { CfnDeleteStackPlan } from '../planning/plan';
import { describeStack, stackResources } from './cfnStackCalls';
import type { ActionDefinition, ActionOutcome } from './types';

export const cfnDeleteStack: ActionDefinition<CfnDeleteStackPlan> = {
  name: 'cfn-delete-stack',
  description: 'Delete a stack, retaining the resources that still fail to delete',
  iamActions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackResources', 'cloudformation:DeleteStack'],

  describe(plan) {
    return [plan.retainFailed ? `delete stack ${plan.stackName}, retaining the resources still in DELETE_FAILED` : `delete stack ${plan.stackName}`];
  },

  async apply(plan, { cloudformation }, context): Promise<ActionOutcome> {
    const now = context.now ?? (() => new Date());
    const stack = await describeStack(cloudformation, plan.stackId);
    const retain =
      plan.retainFailed && stack.StackStatus === 'DELETE_FAILED'
        ? (await stackResources(cloudformation, plan.stackId)).filter((r) => r.ResourceStatus === 'DELETE_FAILED').map((r) => ({ logicalId: r.LogicalResourceId ?? '', physicalId: r.PhysicalResourceId ?? '', type: r.ResourceType ?? '' }))
        : [];
    await transientAware('DeleteStack', () =>
      cloudformation.send(
        new DeleteStackCommand({
          StackName: plan.stackId,
          ClientRequestToken: ownRequestToken(context.incidentKey, now()),
          ...(retain.length > 0 ? { RetainResources: retain.map((r) => r.logicalId) } : {}),
        }),
      ),
    );
    return {
      action: 'cfn-delete-stack',
      applied: true,
      dryRun: false,
      steps: [
        `deleted stack ${plan.stackName} (was ${stack.StackStatus ?? 'unknown'})`,
        ...retain.map((r) => `retained ${r.logicalId} (${r.type} ${r.physicalId}): delete it by hand once its blocker is resolved`),
      ],
      before: { stackStatus: stack.StackStatus },
      after: { targetStackStatus: 'DELETE_COMPLETE', retained: retain },
      appliedAt: now().toISOString(),
    };
  },
};
