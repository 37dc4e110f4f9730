/**
 * Plans the cleanup of a stack whose delete failed: for every blocker of every resource that
 * failed to delete, write, wait, or leave it to a human - and say why.
 *
 * The safety invariant lives here: a step targets only a resource that is in the failed
 * stack's resource list, carries the stack's `aws:cloudformation:stack-id` tag, or is proven
 * orphaned (a detached ENI whose only security groups belong to the stack). Data stores are
 * never touched. test/unit/planStackCleanup.test.ts checks the invariant over generated graphs.
 */
import { protectionOf } from '../policy/scope';
import type { BlockedResource, CleanupPlan, CleanupPolicy, CleanupSkip, CleanupStep, CleanupWait, StackScope } from './types';

import { STACK_ID_TAG } from '../aws/cfnTags';

export { STACK_ID_TAG };

export const DEFAULT_CLEANUP_POLICY: CleanupPolicy = { revokeExternalReferences: false, protected: [] };

/** A physical id or tag set proves membership in the stack. */
export function belongsToStack(scope: StackScope, physicalId: string, tags: Record<string, string> = {}): boolean {
  return scope.resources.some((r) => r.physicalId === physicalId) || tags[STACK_ID_TAG] === scope.stackId;
}

/**
 * @example
 * const plan = planStackCleanup(scope, blockedResources);
 * plan.steps;        // [{ kind: 'delete-eni', target: 'eni-0a1b', proof: 'detached ENI whose only security groups belong to the stack' }]
 * plan.unresolvable; // ['DatabaseSubnetGroup'] - a DB instance still uses it
 */
export function planStackCleanup(scope: StackScope, blocked: readonly BlockedResource[], policy: CleanupPolicy = DEFAULT_CLEANUP_POLICY): CleanupPlan {
  const steps: CleanupStep[] = [];
  const waits: CleanupWait[] = [];
  const skips: CleanupSkip[] = [];
  const seen = new Set<string>();

  for (const resource of blocked) {
    const forResource = resource.logicalId;
    if (resource.blockers.length === 0) {
      skips.push({ target: resource.physicalId, forResource, reason: `no blocker found for ${resource.type}: ${resource.reason ?? 'no reason given'}`, fix: 'read the stack events; retry the delete by hand' });
    }
    for (const blocker of resource.blockers) {
      switch (blocker.kind) {
        case 'eni': {
          const { eni } = blocker;
          if (seen.has(eni.id)) break;
          seen.add(eni.id);
          const protection = protectionOf(eni.id, eni.tags, policy);
          if (protection !== undefined) {
            skips.push({ target: eni.id, forResource, reason: `protected (${protection}): never touched`, fix: `remove it by hand if it really must go, or retain ${forResource}` });
          } else if (eni.status === 'available') {
            if (belongsToStack(scope, eni.id, eni.tags)) {
              steps.push({ kind: 'delete-eni', target: eni.id, forResource, proof: 'the ENI carries the stack id or is in the stack' });
            } else if (eni.groupIds.length > 0 && eni.groupIds.every((g) => belongsToStack(scope, g))) {
              steps.push({ kind: 'delete-eni', target: eni.id, forResource, proof: 'detached ENI whose only security groups belong to the stack' });
            } else {
              const outside = eni.groupIds.filter((g) => !belongsToStack(scope, g));
              skips.push({
                target: eni.id,
                forResource,
                reason: `detached, but also in ${outside.join(', ')} outside the stack: not proven orphaned`,
                fix: `aws ec2 delete-network-interface --network-interface-id ${eni.id}`,
              });
            }
          } else if (eni.owner === 'lambda') {
            waits.push({ target: eni.id, forResource, reason: 'ENI owned by Lambda: AWS releases it (up to 45 minutes after the function leaves the VPC); waiting, not touching' });
          } else {
            skips.push({
              target: eni.id,
              forResource,
              reason: `attached ENI owned by ${eni.owner} (${eni.description || 'no description'}): resolve it through its owner`,
              fix: ownerFix(eni.owner, eni.id),
            });
          }
          break;
        }
        case 'sg-reference': {
          const { reference } = blocker;
          const target = `${reference.groupId}:${reference.direction}:${reference.protocol}:${reference.fromPort ?? ''}-${reference.toPort ?? ''}->${reference.referencedGroupId}`;
          if (seen.has(target)) break;
          seen.add(target);
          const inStack = belongsToStack(scope, reference.groupId, reference.tags);
          // The rule lives in the holder group: revoking it modifies that group.
          const protection = protectionOf(reference.groupId, reference.tags, policy);
          if (protection !== undefined) {
            skips.push({ target, forResource, reason: `the rule's group ${reference.groupId} is protected (${protection}): never touched` });
          } else if (inStack || policy.revokeExternalReferences) {
            steps.push({
              kind: 'revoke-reference',
              target,
              forResource,
              proof: inStack
                ? `the rule's group ${reference.groupId} belongs to the stack`
                : `policy revokeExternalReferences allows revoking rules that reference the stack's group ${reference.referencedGroupId}`,
              reference,
            });
          } else {
            skips.push({
              target,
              forResource,
              reason: `a rule in ${reference.groupId} (outside the stack) references ${reference.referencedGroupId}`,
              fix: `aws ec2 revoke-security-group-${reference.direction} --group-id ${reference.groupId} --ip-permissions IpProtocol=${reference.protocol}${portsArg(reference)},UserIdGroupPairs=[{GroupId=${reference.referencedGroupId}}]`,
            });
          }
          break;
        }
        case 'db-instance':
        case 'db-cluster':
          skips.push({
            target: blocker.id,
            forResource,
            reason: `${blocker.kind === 'db-instance' ? 'DB instance' : 'DB cluster'} ${blocker.id} still uses it: data stores are never touched`,
            fix: `move or delete ${blocker.id} deliberately (snapshot first), or retain ${forResource}`,
          });
          break;
        case 'bucket-not-empty':
          skips.push({ target: blocker.bucket, forResource, reason: `bucket ${blocker.bucket} is not empty: objects are never deleted`, fix: `aws s3 rm s3://${blocker.bucket} --recursive (after checking what is in it)` });
          break;
        case 'unknown':
          skips.push({ target: resource.physicalId, forResource, reason: blocker.reason });
          break;
      }
    }
  }
  const unresolvable = [...new Set(skips.map((s) => s.forResource))];
  return { steps, waits, skips, unresolvable };
}

function ownerFix(owner: string, eniId: string): string {
  switch (owner) {
    case 'elb':
      return `delete or move the load balancer that owns ${eniId}`;
    case 'rds':
      return `the DB instance behind ${eniId} keeps it: never deleted automatically`;
    case 'ecs':
      return `stop the ECS tasks attached to ${eniId}`;
    case 'ec2-instance':
      return `terminate or move the instance attached to ${eniId}`;
    default:
      return `find the owner of ${eniId}: aws ec2 describe-network-interfaces --network-interface-ids ${eniId}`;
  }
}

function portsArg(reference: { fromPort?: number | undefined; toPort?: number | undefined }): string {
  return reference.fromPort === undefined ? '' : `,FromPort=${reference.fromPort},ToPort=${reference.toPort ?? reference.fromPort}`;
}

/** One line per step, wait and skip, for the CLI, the state machine result and the alert alike. */
export function describeCleanup(plan: CleanupPlan): string[] {
  return [
    ...plan.steps.map((s) => `${s.kind === 'delete-eni' ? 'delete ENI' : 'revoke rule'} ${s.target} (blocks ${s.forResource}): ${s.proof}`),
    ...plan.waits.map((w) => `wait for ${w.target} (blocks ${w.forResource}): ${w.reason}`),
    ...plan.skips.map((s) => `skipped: ${s.target} (blocks ${s.forResource}): ${s.reason}${s.fix ? `; fix: ${s.fix}` : ''}`),
  ];
}
