/**
 * Action `cfn-rollback-stack`: roll a stack back to its last stable state (RollbackStack) -
 * for a stack whose update failed with rollback disabled (UPDATE_FAILED), or whose create did.
 */
import { RollbackStackCommand } from '@aws-sdk/client-cloudformation';
import { ownRequestToken } from '../aws/requestToken';
import { transientAware } from '../aws/transient';
import { RemediationError } from '../errors';
import type { CfnRollbackStackPlan } from '../planning/plan';
import { describeStack } from './cfnStackCalls';
import type { ActionDefinition, ActionOutcome } from './types';

/** RollbackStack works from these states (CloudFormation API reference). */
const ROLLBACKABLE: Record<string, string> = { UPDATE_FAILED: 'UPDATE_ROLLBACK_COMPLETE', CREATE_FAILED: 'ROLLBACK_COMPLETE' };

export const cfnRollbackStack: ActionDefinition<CfnRollbackStackPlan> = {
  name: 'cfn-rollback-stack',
  description: 'Roll a stack back to its last stable state (RollbackStack)',
  iamActions: ['cloudformation:DescribeStacks', 'cloudformation:RollbackStack'],

  describe(plan) {
    return [`roll stack ${plan.stackName} back to its last stable state (RollbackStack)`];
  },

  async apply(plan, { cloudformation }, context): Promise<ActionOutcome> {
    const now = context.now ?? (() => new Date());
    const stack = await describeStack(cloudformation, plan.stackId);
    const target = ROLLBACKABLE[stack.StackStatus ?? ''];
    if (target === undefined) throw new RemediationError(`stack ${plan.stackName} is ${stack.StackStatus ?? 'unknown'}: RollbackStack does not apply`);
    await transientAware('RollbackStack', () =>
      cloudformation.send(new RollbackStackCommand({ StackName: plan.stackId, ClientRequestToken: ownRequestToken(context.incidentKey, now()) })),
    );
    return {
      action: 'cfn-rollback-stack',
      applied: true,
      dryRun: false,
      steps: [`rolled stack ${plan.stackName} back (RollbackStack, was ${stack.StackStatus ?? 'unknown'})`],
      before: { stackStatus: stack.StackStatus },
      after: { targetStackStatus: target },
      appliedAt: now().toISOString(),
    };
  },
};
