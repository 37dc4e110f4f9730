/**
 * Action `cfn-cancel-update`: cancel a stack update in progress, so CloudFormation rolls it
 * back now (emergency rollback of a stack mid-deploy).
 */
import { CancelUpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { ownRequestToken } from '../aws/requestToken';
import { transientAware } from '../aws/transient';
import { RemediationError } from '../errors';
import type { CfnCancelUpdatePlan } from '../planning/plan';
import { describeStack } from './cfnStackCalls';
import type { ActionDefinition, ActionOutcome } from './types';

export const cfnCancelUpdate: ActionDefinition<CfnCancelUpdatePlan> = {
  name: 'cfn-cancel-update',
  description: 'Cancel a stack update in progress; CloudFormation rolls it back',
  iamActions: ['cloudformation:DescribeStacks', 'cloudformation:CancelUpdateStack'],

  describe(plan) {
    return [`cancel the update of stack ${plan.stackName}: CloudFormation rolls it back`];
  },

  async apply(plan, { cloudformation }, context): Promise<ActionOutcome> {
    const now = context.now ?? (() => new Date());
    const stack = await describeStack(cloudformation, plan.stackId);
    if (stack.StackStatus !== 'UPDATE_IN_PROGRESS') {
      throw new RemediationError(`stack ${plan.stackName} is ${stack.StackStatus ?? 'unknown'}, not UPDATE_IN_PROGRESS: nothing to cancel`);
    }
    await transientAware('CancelUpdateStack', () =>
      cloudformation.send(new CancelUpdateStackCommand({ StackName: plan.stackId, ClientRequestToken: ownRequestToken(context.incidentKey, now()) })),
    );
    return {
      action: 'cfn-cancel-update',
      applied: true,
      dryRun: false,
      steps: [`cancelled the update of stack ${plan.stackName}: CloudFormation rolls it back`],
      before: { stackStatus: 'UPDATE_IN_PROGRESS' },
      after: { targetStackStatus: 'UPDATE_ROLLBACK_COMPLETE' },
      appliedAt: now().toISOString(),
    };
  },
};
