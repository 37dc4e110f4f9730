/**
 * What the system intends to do about an incident. A plan is data: the CLI prints it,
 * the state machine branches on `action`, `retry` and `fallback`, the notifier quotes it,
 * and only an action module (shared/actions) turns it into AWS writes.
 */
import type { MemoryChange } from './planMemoryResize';

import type { ClashingOrphan } from '../cleanup/clashingOrphans';
export type Plan = NoPlan | NotifyOnlyPlan | EcsResizeMemoryPlan | EcsRollbackPlan | EcsRedeployPlan | CfnCleanupDeletePlan | CfnDeleteStackPlan | CfnContinueUpdateRollbackPlan | CfnCancelUpdatePlan | CfnRollbackStackPlan;

/** Not an incident (normal life) or nothing left to do. */
export interface NoPlan {
  action: 'none';
  reason: string;
}

/** A human is needed: the runbook says what to do. No writes. */
export interface NotifyOnlyPlan {
  action: 'notify-only';
  reason: string;
}

/** How the state machine repeats a plan whose result did not become steady. */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
}

interface PlanBase {
  reason: string;
  /** Repeat the action (with ASL backoff) when verification fails. */
  retry?: RetryPolicy;
  /** What to do once the attempts are spent (a rollback, or notify-only). */
  fallback?: Plan;
}

interface WritingPlanBase extends PlanBase {
  cluster: string;
  service: string;
}

export interface EcsResizeMemoryPlan extends WritingPlanBase {
  action: 'ecs-resize-memory';
  /** The revision that ran out of memory: the new revision is derived from it. */
  taskDefinitionArn: string;
  /** Containers killed for memory. */
  containers: string[];
  /** The sizes to apply; absent when planned offline without the task definition's sizes. */
  change?: MemoryChange;
}

export interface EcsRollbackPlan extends WritingPlanBase {
  action: 'ecs-rollback';
  /** The failing revision. */
  fromTaskDefinitionArn: string;
  /** The last known good revision; absent offline (resolved from the ledger online). */
  toTaskDefinitionArn?: string;
  /** Where the target came from: the ledger, or the service's last COMPLETED deployment. */
  toSource?: string;
  /** The CloudFormation stack that owns the service (tag aws:cloudformation:stack-name), if any. */
  stackName?: string;
}

export interface EcsRedeployPlan extends WritingPlanBase {
  action: 'ecs-redeploy';
  /** Redeploy the same revision: for transient causes (registry throttling, network blips, capacity). */
  taskDefinitionArn: string;
}

export type PlanAction = Plan['action'];
export type WritingPlan = Exclude<Plan, NoPlan | NotifyOnlyPlan>;

interface StackPlanBase extends PlanBase {
  stackId: string;
  stackName: string;
}

/**
 * DELETE_FAILED: free what blocks the resources that failed to delete (what is proven the
 * stack's or orphaned), then delete the stack again. `preview` is the plan as diagnosed;
 * apply re-reads the blockers and re-plans, because they change while we wait (Lambda ENIs).
 */
export interface CfnCleanupDeletePlan extends StackPlanBase {
  action: 'cfn-cleanup-delete';
  preview: { steps: string[]; unresolvable: string[] };
}

/** Delete a stack; `retainFailed` keeps the resources still in DELETE_FAILED (and records them). */
export interface CfnDeleteStackPlan extends StackPlanBase {
  action: 'cfn-delete-stack';
  retainFailed: boolean;
  /** ROLLBACK_COMPLETE: proven orphans of an earlier stack of this name that would clash on re-create; deleted first. */
  clearOrphans?: ClashingOrphan[];
  /** Clashes left to a human, each a `skipped: ...` line with the reason and the command. */
  orphansLeft?: string[];
}

/** UPDATE_ROLLBACK_FAILED: continue the rollback, skipping only resources whose skip is safe. */
export interface CfnContinueUpdateRollbackPlan extends StackPlanBase {
  action: 'cfn-continue-update-rollback';
  resourcesToSkip: string[];
}

/** Emergency rollback of a stack mid-update: CancelUpdateStack. */
export interface CfnCancelUpdatePlan extends StackPlanBase {
  action: 'cfn-cancel-update';
}

/** Emergency rollback of a stack whose update failed with rollback disabled: RollbackStack. */
export interface CfnRollbackStackPlan extends StackPlanBase {
  action: 'cfn-rollback-stack';
}
