/**
 * What the system intends to do about an incident. A plan is data: the CLI prints it,
 * the state machine branches on `action`, `retry` and `fallback`, the notifier quotes it,
 * and only an action module (shared/actions) turns it into AWS writes.
 */
import type { MemoryChange } from './planMemoryResize';

export type Plan = NoPlan | NotifyOnlyPlan | EcsResizeMemoryPlan | EcsRollbackPlan | EcsRedeployPlan;

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

interface WritingPlanBase {
  reason: string;
  cluster: string;
  service: string;
  /** Repeat the action (with ASL backoff) when verification fails. */
  retry?: RetryPolicy;
  /** What to do once the attempts are spent (a rollback, or notify-only). */
  fallback?: Plan;
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
