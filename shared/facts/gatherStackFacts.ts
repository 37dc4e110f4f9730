/**
 * Read-only fact gathering for a stack incident: the stack now, its resources, its recent
 * events, and - for a stack whose delete failed - what blocks each resource that failed.
 */
import {
  type CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Stack,
  type StackEvent,
  type StackResource,
} from '@aws-sdk/client-cloudformation';
import { transientAware } from '../aws/transient';
import { type BlockerSources, gatherBlockers } from '../cleanup/gatherBlockers';
import type { BlockedResource } from '../cleanup/types';
import type { Clash, OrphanCandidate } from '../cleanup/clashingOrphans';
import { gatherClashingOrphans } from '../cleanup/findClashingOrphans';
import { clashesOf } from '../diagnosis/cfn/clashes';
import type { CfnStackIncident } from '../incident';

export interface StackFacts {
  stack: Stack | null;
  resources: StackResource[];
  /** Newest first, as DescribeStackEvents returns them (first page). */
  events: StackEvent[];
  blocked: BlockedResource[];
  /** ROLLBACK_COMPLETE: creates that failed because a name was taken, and what holds each name. */
  clashes: Clash[];
  orphans: OrphanCandidate[];
}

const DELETE_STATES = new Set(['DELETE_FAILED', 'ROLLBACK_FAILED']);

/**
 * @example
 * const facts = await gatherStackFacts({ cloudformation, ec2, rds, s3 }, incident);
 * facts.blocked; // [{ logicalId: 'DatabaseSecurityGroup', blockers: [{ kind: 'eni', ... }] }]
 */
export async function gatherStackFacts(sources: BlockerSources & { cloudformation: CloudFormationClient }, incident: CfnStackIncident): Promise<StackFacts> {
  const StackName = incident.resource.stackId;
  const [stacks, resources, events] = await Promise.all([
    transientAware('DescribeStacks', () => sources.cloudformation.send(new DescribeStacksCommand({ StackName }))),
    transientAware('DescribeStackResources', () => sources.cloudformation.send(new DescribeStackResourcesCommand({ StackName }))),
    transientAware('DescribeStackEvents', () => sources.cloudformation.send(new DescribeStackEventsCommand({ StackName }))),
  ]);
  const stack = stacks.Stacks?.[0] ?? null;
  const all = resources.StackResources ?? [];
  const blocked = DELETE_STATES.has(stack?.StackStatus ?? '')
    ? await gatherBlockers(
        sources,
        all
          .filter((r) => r.ResourceStatus === 'DELETE_FAILED' && r.PhysicalResourceId)
          .map((r) => ({ logicalId: r.LogicalResourceId ?? '', physicalId: r.PhysicalResourceId ?? '', type: r.ResourceType ?? '', reason: r.ResourceStatusReason })),
      )
    : [];
  // A create that rolled back on a taken name: find what holds the name (left by an earlier stack?).
  const clashes = stack?.StackStatus === 'ROLLBACK_COMPLETE' ? clashesOf(events.StackEvents ?? [], incident.resource.stackId) : [];
  const orphans = clashes.length > 0 ? await gatherClashingOrphans(sources, incident.resource.stackName, clashes) : [];
  return { stack, resources: all, events: events.StackEvents ?? [], blocked, clashes, orphans };
}
