/**
 * The action registry: every remediation the system can apply, by plan `action` name.
 * Adding an action is one module plus one entry here; the registry test checks that each
 * entry's IAM actions are granted in serverless.yml and that it has docs.
 */
import type { Plan, WritingPlan } from '../planning/plan';
import { cfnCancelUpdate } from './cfnCancelUpdate';
import { cfnCleanupDelete } from './cfnCleanupDelete';
import { cfnContinueUpdateRollback } from './cfnContinueUpdateRollback';
import { cfnDeleteStack } from './cfnDeleteStack';
import { cfnRollbackStack } from './cfnRollbackStack';
import { ecsRedeploy } from './ecsRedeploy';
import { ecsResizeMemory } from './ecsResizeMemory';
import { ecsRollback } from './ecsRollback';
import type { ActionClients, ActionContext, ActionDefinition, ActionOutcome } from './types';

export const ACTIONS: { [K in WritingPlan['action']]: ActionDefinition<Extract<Plan, { action: K }>> } = {
  'ecs-resize-memory': ecsResizeMemory,
  'ecs-rollback': ecsRollback,
  'ecs-redeploy': ecsRedeploy,
  'cfn-cleanup-delete': cfnCleanupDelete,
  'cfn-delete-stack': cfnDeleteStack,
  'cfn-continue-update-rollback': cfnContinueUpdateRollback,
  'cfn-cancel-update': cfnCancelUpdate,
  'cfn-rollback-stack': cfnRollbackStack,
};

export function isWritingPlan(plan: Plan): plan is WritingPlan {
  return plan.action in ACTIONS;
}

/**
 * Runs a plan. Observe mode is a mode of the run, not code in each action: the action
 * only explains itself, and nothing touches AWS.
 *
 * @example
 * const outcome = await runAction(diagnosis.plan, { ecs, cloudformation }, { incidentKey, mode: 'observe' });
 * outcome.steps; // ['register checkout-api:8-or-later from checkout-api:7 with ...', ...]
 */
export async function runAction(plan: Plan, clients: ActionClients, context: ActionContext): Promise<ActionOutcome> {
  if (!isWritingPlan(plan)) {
    return { action: plan.action, applied: false, dryRun: context.mode !== 'auto', steps: [`no action: ${plan.reason}`] };
  }
  const definition = ACTIONS[plan.action] as ActionDefinition<WritingPlan>;
  // Only `auto` writes: `approve` reaches here as `auto` once on-call approved; anything else explains.
  if (context.mode !== 'auto') {
    return { action: plan.action, applied: false, dryRun: true, steps: definition.describe(plan).map((line) => `would ${line}`) };
  }
  return definition.apply(plan, clients, context);
}
