/**
 * Orphans that would clash on re-create. A create that rolled back (ROLLBACK_COMPLETE) because
 * a name was taken (ALREADY_EXISTS) is often blocked by its own past: an earlier stack of the
 * same name left the resource behind (a DeletionPolicy: Retain, a delete with
 * --retain-resources), still tagged with that stack's name and logical id. Deleting the dead
 * stack is not enough - the next create clashes again - so those orphans go first.
 *
 * The proof (isProvenClashingOrphan) is the whole safety story: a resource is deleted only if
 * CloudFormation's own tags say it was created as THIS logical id by a stack of THIS name, that
 * stack is gone (DELETE_COMPLETE, or unknown to CloudFormation), nothing uses it now, and its
 * type is one deploy-medic knows how to delete and holds no data. Everything else is reported
 * with the command a human would run.
 *
 * A registry, because the list of types will grow (ORPHAN_TYPES here, and one entry each in
 * findClashingOrphans.ts and removeClashingOrphan.ts).
 */

import { LOGICAL_ID_TAG, STACK_ID_TAG, STACK_NAME_TAG } from '../aws/cfnTags';

export { LOGICAL_ID_TAG, STACK_ID_TAG, STACK_NAME_TAG };

/** A create that failed because the name was taken: what the failed stack wanted to create. */
export interface Clash {
  logicalId: string;
  type: string;
  /** The physical name the error quoted, when it quoted one. */
  name?: string | undefined;
  /** A live stack that owns the name (`... already exists in stack arn:...`): never an orphan. */
  ownerStack?: string | undefined;
}

/** A resource found for a clash, with everything the proof needs. */
export interface OrphanCandidate {
  clash: Clash;
  type: string;
  /** sg-..., the DB subnet group name. */
  physicalId: string;
  tags: Record<string, string>;
  /** The status of the stack its stack-id tag names: a status, `GONE` (CloudFormation no longer knows it), or undefined (could not tell). */
  ownerStackStatus?: string | undefined;
  /** What still uses it ("2 network interfaces"); a resource in use is never deleted. */
  inUseBy?: string | undefined;
}

/** A proven orphan, as the plan carries it to the action. */
export interface ClashingOrphan {
  logicalId: string;
  type: string;
  physicalId: string;
  /** The dead stack that created it. */
  createdBy: string;
}

/**
 * The types deploy-medic deletes when proven orphaned: networking and grouping resources that
 * hold no data. Data stores (buckets, tables, log groups, databases, secrets, keys) are never
 * here: their clashes are reported, whatever the tags say. How each is found and deleted lives
 * apart (findClashingOrphans.ts reads, removeClashingOrphan.ts deletes), so the read-only
 * diagnose bundle carries no delete call - the IAM-from-code proof checks that.
 */
export const ORPHAN_TYPES: Record<string, { command(physicalId: string): string }> = {
  'AWS::EC2::SecurityGroup': { command: (id) => `aws ec2 delete-security-group --group-id ${id}` },
  'AWS::RDS::DBSubnetGroup': { command: (id) => `aws rds delete-db-subnet-group --db-subnet-group-name ${id}` },
};

const DEAD = new Set(['DELETE_COMPLETE', 'GONE']);

/**
 * The proof. Pure, so the property test can throw generated candidates at it.
 *
 * @example
 * isProvenClashingOrphan(candidate, { stackId, stackName }); // { proven: false, why: 'its stack ... is UPDATE_COMPLETE, not gone' }
 */
export function isProvenClashingOrphan(candidate: OrphanCandidate, failed: { stackId: string; stackName: string }): { proven: true } | { proven: false; why: string } {
  const { tags, clash } = candidate;
  if (ORPHAN_TYPES[candidate.type] === undefined || candidate.type !== clash.type) return { proven: false, why: `${candidate.type} is not a type deploy-medic deletes (it may hold data)` };
  if (clash.ownerStack !== undefined) return { proven: false, why: `the name belongs to stack ${clash.ownerStack}` };
  if (tags[STACK_NAME_TAG] !== failed.stackName) return { proven: false, why: `it was not created by a stack named ${failed.stackName}` };
  if (tags[LOGICAL_ID_TAG] !== clash.logicalId) return { proven: false, why: `it was not created as ${clash.logicalId}` };
  const createdBy = tags[STACK_ID_TAG];
  if (!createdBy) return { proven: false, why: 'it carries no stack-id tag' };
  if (createdBy === failed.stackId) return { proven: false, why: 'it belongs to the failed stack itself' };
  if (!DEAD.has(candidate.ownerStackStatus ?? '')) {
    return { proven: false, why: candidate.ownerStackStatus === undefined ? `could not tell whether stack ${createdBy} still exists` : `its stack ${createdBy} is ${candidate.ownerStackStatus}, not gone` };
  }
  if (candidate.inUseBy !== undefined) return { proven: false, why: `it is still used by ${candidate.inUseBy}` };
  return { proven: true };
}

/** The plan's view: proven orphans to delete, and a line per clash deploy-medic leaves to a human. */
export function planClashingOrphans(
  failed: { stackId: string; stackName: string },
  clashes: readonly Clash[],
  candidates: readonly OrphanCandidate[],
): { delete: ClashingOrphan[]; leave: string[] } {
  const toDelete: ClashingOrphan[] = [];
  const leave: string[] = [];
  for (const clash of clashes) {
    const mine = candidates.filter((c) => c.clash.logicalId === clash.logicalId && c.clash.type === clash.type);
    const what = `${clash.logicalId} (${clash.type}${clash.name ? ` "${clash.name}"` : ''})`;
    if (mine.length === 0) {
      const why = clash.ownerStack
        ? `the name belongs to stack ${clash.ownerStack}: rename it in the template, or remove it from that stack`
        : ORPHAN_TYPES[clash.type] === undefined
          ? `${clash.type} is not a type deploy-medic deletes (it may hold data): check it, delete or import it by hand, or rename it in the template`
          : 'no resource left by an earlier stack of this name was found: the name is taken by something else; rename it in the template';
      leave.push(`skipped: ${what} clashes on re-create - ${why}`);
      continue;
    }
    for (const candidate of mine) {
      const proof = isProvenClashingOrphan(candidate, failed);
      if (proof.proven) {
        if (toDelete.some((o) => o.type === candidate.type && o.physicalId === candidate.physicalId)) continue;
        toDelete.push({ logicalId: clash.logicalId, type: candidate.type, physicalId: candidate.physicalId, createdBy: candidate.tags[STACK_ID_TAG]! });
      } else {
        leave.push(`skipped: ${what} clashes with ${candidate.physicalId}, not proven orphaned (${proof.why}): ${ORPHAN_TYPES[candidate.type]?.command(candidate.physicalId) ?? 'check it by hand'} once it is safe`);
      }
    }
  }
  return { delete: toDelete, leave };
}
