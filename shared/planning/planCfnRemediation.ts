/**
 * From a failed stack to a plan. The stack's status says which road (delete, continue the
 * rollback, delete a stack that never got created); the root cause's category says whether
 * the road is safe to take, or whether only a human can fix it (permissions, a template error,
 * a quota).
 */
import { DEFAULT_CLEANUP_POLICY, describeCleanup, planStackCleanup } from '../cleanup/planStackCleanup';
import type { BlockedResource, StackScope } from '../cleanup/types';
import { type Clash, type OrphanCandidate, planClashingOrphans } from '../cleanup/clashingOrphans';
import type { MedicConfig } from '../config';
import type { ScopeVerdict } from '../policy/scope';
import type { CfnCategory } from '../taxonomy';
import type { Plan } from './plan';

export interface CfnPlanInput {
  stackId: string;
  stackName: string;
  /** The stack's status now (DescribeStacks), which may have moved on since the event. */
  status: string;
  category: CfnCategory;
  /** May the stack be written (opt-in tag, allowlist, protected): shared/policy/scope.ts scopeVerdict. */
  verdict: ScopeVerdict;
  scope: StackScope;
  /** DELETE_FAILED: what blocks each resource that failed to delete. */
  blocked: readonly BlockedResource[];
  /** UPDATE_ROLLBACK_FAILED: the resources whose rollback failed, with their own category. */
  failedRollback: ReadonlyArray<{ logicalId: string; category: CfnCategory }>;
  /** ROLLBACK_COMPLETE: the creates that failed on a taken name, and the resources found holding those names. */
  clashes?: readonly Clash[];
  orphans?: readonly OrphanCandidate[];
  /** The quota named by a QUOTA_LIMIT reason, when the reason names one. */
  quota?: string | undefined;
  config: MedicConfig;
}

const notify = (reason: string): Plan => ({ action: 'notify-only', reason });

/** Causes only a human can fix: no write helps, whatever the status. */
const HUMAN_ONLY: Partial<Record<CfnCategory, (input: CfnPlanInput) => string>> = {
  PERMISSIONS: () => 'CloudFormation lacks a permission: grant it (see the evidence), then retry by hand',
  INVALID_TEMPLATE_OR_PARAM: () => 'the template or a parameter is invalid: fix it and deploy again',
  QUOTA_LIMIT: (input) => `a service quota is exhausted${input.quota ? ` (${input.quota})` : ''}: raise it in Service Quotas or free capacity, then deploy again`,
};

/**
 * @example
 * planCfnRemediation({ stackId, stackName: 'checkout-db', status: 'DELETE_FAILED', category: 'DEPENDENCY_VIOLATION', verdict: { writable: true }, scope, blocked, failedRollback: [], config });
 * // { action: 'cfn-cleanup-delete', preview: { steps: ['delete ENI eni-... (blocks DatabaseSecurityGroup): ...'], unresolvable: ['DatabaseSubnetGroup'] }, ... }
 */
export function planCfnRemediation(input: CfnPlanInput): Plan {
  const human = HUMAN_ONLY[input.category];
  if (human) return notify(human(input));
  const plan = planForStatus(input);
  if (plan.action !== 'none' && plan.action !== 'notify-only' && !input.verdict.writable) {
    return notify(`${input.verdict.reason}: would ${plan.action}, reporting only`);
  }
  return plan;
}

function planForStatus(input: CfnPlanInput): Plan {
  const base = { stackId: input.stackId, stackName: input.stackName };
  switch (input.status) {
    // ROLLBACK_FAILED: a failed create's rollback could not delete everything - the same blockers, the same cure.
    case 'ROLLBACK_FAILED':
    case 'DELETE_FAILED': {
      if (input.category === 'THROTTLING') {
        return { action: 'cfn-delete-stack', ...base, retainFailed: false, reason: 'the delete was throttled: delete again with backoff', retry: { maxAttempts: 4 } };
      }
      const cleanup = planStackCleanup(input.scope, input.blocked, { ...DEFAULT_CLEANUP_POLICY, protected: input.config.scope.protected });
      const waiting = cleanup.waits.length > 0;
      return {
        action: 'cfn-cleanup-delete',
        ...base,
        reason:
          `free what blocks ${input.blocked.map((b) => b.logicalId).join(', ') || 'the stack'}, then delete again` +
          (waiting ? ' (waiting for Lambda to release its ENIs, with backoff)' : '') +
          '; if blockers remain, delete retaining them',
        preview: { steps: describeCleanup(cleanup), unresolvable: cleanup.unresolvable },
        // Lambda ENIs go away on their own, within about 45 minutes: 6 attempts, 30 s doubling, reach past that.
        retry: { maxAttempts: waiting ? 6 : 2 },
        fallback: { action: 'cfn-delete-stack', ...base, retainFailed: true, reason: 'blockers remain that cannot be removed safely: delete, retaining the resources that still fail' },
      };
    }
    case 'UPDATE_ROLLBACK_FAILED': {
      if (input.category === 'THROTTLING' || input.category === 'STABILIZATION_TIMEOUT') {
        return { action: 'cfn-continue-update-rollback', ...base, resourcesToSkip: [], reason: `the rollback failed on ${input.category}: continue it as is`, retry: { maxAttempts: 3 } };
      }
      // Skipping is safe only for a resource that no longer exists: nothing is left to roll back.
      const unsafe = input.failedRollback.filter((r) => r.category !== 'NOT_FOUND');
      if (input.failedRollback.length === 0 || unsafe.length > 0) {
        return notify(
          `the rollback of ${unsafe.map((r) => `${r.logicalId} (${r.category})`).join(', ') || 'the stack'} failed and skipping it is not proven safe: fix it, then aws cloudformation continue-update-rollback --stack-name ${input.stackName}`,
        );
      }
      const skip = input.failedRollback.map((r) => r.logicalId);
      return { action: 'cfn-continue-update-rollback', ...base, resourcesToSkip: skip, reason: `continue the rollback, skipping ${skip.join(', ')}: they no longer exist` };
    }
    case 'ROLLBACK_COMPLETE': {
      // A stack whose creation rolled back cannot be updated, only deleted; the next deploy re-creates it -
      // and clashes again on a name an earlier stack left taken, unless that orphan goes first.
      const orphans = planClashingOrphans(base, input.clashes ?? [], input.orphans ?? []);
      const clearing = orphans.delete.length > 0 ? `, after deleting ${orphans.delete.map((o) => `${o.physicalId} (left as ${o.logicalId} by an earlier stack)`).join(', ')} that would clash` : '';
      return {
        action: 'cfn-delete-stack',
        ...base,
        retainFailed: false,
        reason: `the stack never got created and cannot be updated: delete it${clearing} so the next deploy can create it`,
        ...(orphans.delete.length > 0 ? { clearOrphans: orphans.delete } : {}),
        ...(orphans.leave.length > 0 ? { orphansLeft: orphans.leave } : {}),
      };
    }
    default:
      return notify(`stack is ${input.status}: ${input.category === 'UNKNOWN' ? 'cause not recognised' : input.category}; follow the runbook`);
  }
}
