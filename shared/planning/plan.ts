/**
 * What the system intends to do about an incident. A plan is data: the CLI prints it,
 * the state machine branches on `action`, the notifier quotes it, and only an action
 * module (shared/actions) turns it into AWS writes.
 */
import type { MemoryChange } from './planMemoryResize';

export type Plan =
  /** Not an incident (normal life) or nothing left to do. */
  | { action: 'none'; reason: string }
  /** A human is needed: the runbook says what to do. No writes. */
  | { action: 'notify-only'; reason: string }
  | EcsResizeMemoryPlan;

export interface EcsResizeMemoryPlan {
  action: 'ecs-resize-memory';
  reason: string;
  cluster: string;
  service: string;
  /** The revision that ran out of memory: the new revision is derived from it. */
  taskDefinitionArn: string;
  /** Containers killed for memory. */
  containers: string[];
  /** The sizes to apply; absent when planned offline without the task definition's sizes. */
  change?: MemoryChange;
}

export type PlanAction = Plan['action'];
