/**
 * Fail-fast: how many failed launches of one revision, with one cause, before the system
 * acts. The ECS circuit breaker waits for clamp(ceil(0.5 x desiredCount), 3, 200) failed
 * launches (and CloudFormation for its stabilisation timeout, ~3 h); deploy-medic rolls
 * back after FAIL_FAST_FAILED_LAUNCHES (default 2), whatever the desired count.
 *
 * A memory resize starts at the first OOM kill: the kill itself is proof, and a bigger
 * revision is no loss if the first was a fluke.
 */
import type { MedicConfig } from '../config';
import type { Plan } from '../planning/plan';

export function failedLaunchesBeforeActing(plan: Plan, config: MedicConfig): number {
  return plan.action === 'ecs-resize-memory' ? 1 : config.remediation.failFastFailedLaunches;
}

/** The ECS deployment circuit breaker's failure threshold, for comparison (AWS docs). */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(0.5 * desiredCount)));
}
