/**
 * Action `cfn-continue-update-rollback`: UPDATE_ROLLBACK_FAILED is a dead end until the
 * rollback is continued. Only resources the planner proved safe to skip are skipped.
 */
import { ContinueUpdateRollbackCommand } from '@aws-sdk/client-cloudformation';
import { ownRequestToken } from '../aws/requestToken';
import { transientAware } from '../aws/transient';
import { RemediationError } from '../errors';
import type { CfnContinueUpdateRollbackPlan } from '../planning/plan';
import { describeStack } from './cfnStackCalls';
import type { ActionDefinition, ActionOutcome } from './types';

export const cfnContinueUpdateRollback: ActionDefinition<CfnContinueUpdateRollbackPlan> = {
  name: 'cfn-continue-update-rollback',
  description: 'Continue a failed update rollback, skipping only resources whose skip is safe',
  iamActions: ['cloudformation:DescribeStacks', 'cloudformation:ContinueUpdateRollback'],

  describe(plan) {
    return [
      `continue the update rollback of stack ${plan.stackName}${plan.resourcesToSkip.length > 0 ? `, skipping ${plan.resourcesToSkip.join(', ')}` : ''}`,
    ];
  },

  async apply(plan, { cloudformation }, context): Promise<ActionOutcome> {
    const now = context.now ?? (() => new Date());
    const stack = await describeStack(cloudformation, plan.stackId);
    if (stack.StackStatus !== 'UPDATE_ROLLBACK_FAILED') {
      throw new RemediationError(`stack ${plan.stackName} is ${stack.StackStatus ?? 'unknown'}, not UPDATE_ROLLBACK_FAILED: not touching it`);
    }
    await transientAware('ContinueUpdateRollback', () =>
      cloudformation.send(
        new ContinueUpdateRollbackCommand({
          StackName: plan.stackId,
          ClientRequestToken: ownRequestToken(context.incidentKey, now()),
          ...(plan.resourcesToSkip.length > 0 ? { ResourcesToSkip: plan.resourcesToSkip } : {}),
        }),
      ),
    );
    return {
      action: 'cfn-continue-update-rollback',
      applied: true,
      dryRun: false,
      steps: [`continued the update rollback of ${plan.stackName}${plan.resourcesToSkip.length > 0 ? `, skipping ${plan.resourcesToSkip.join(', ')}` : ''}`],
      before: { stackStatus: 'UPDATE_ROLLBACK_FAILED' },
      after: { targetStackStatus: 'UPDATE_ROLLBACK_COMPLETE', skipped: plan.resourcesToSkip },
      appliedAt: now().toISOString(),
    };
  },
};
