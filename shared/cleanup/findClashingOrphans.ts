/**
 * Finds what holds each clashing name and reads what the proof needs (read-only): the
 * candidates of each type in the registry, and the status of the stack each one's tags name.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBSubnetGroupsCommand, ListTagsForResourceCommand, type RDSClient } from '@aws-sdk/client-rds';
import { transientAware } from '../aws/transient';
import { LOGICAL_ID_TAG, STACK_ID_TAG, STACK_NAME_TAG, tagMap } from '../aws/cfnTags';
import { errorName } from '../preflight/awsErrors';
import type { Clash, OrphanCandidate } from './clashingOrphans';

export interface OrphanReadClients {
  cloudformation: CloudFormationClient;
  ec2: EC2Client;
  rds: RDSClient;
}

type Finder = (clients: OrphanReadClients, stackName: string, clash: Clash) => Promise<Array<Omit<OrphanCandidate, 'clash' | 'ownerStackStatus'>>>;

/** One finder per type of ORPHAN_TYPES. */
const FINDERS: Record<string, Finder> = {
  'AWS::EC2::SecurityGroup': async ({ ec2 }, stackName, clash) => {
    const out = await transientAware('DescribeSecurityGroups', () =>
      ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: `tag:${STACK_NAME_TAG}`, Values: [stackName] },
            { Name: `tag:${LOGICAL_ID_TAG}`, Values: [clash.logicalId] },
            ...(clash.name ? [{ Name: 'group-name', Values: [clash.name] }] : []),
          ],
        }),
      ),
    );
    return Promise.all(
      (out.SecurityGroups ?? []).map(async (g) => {
        const enis = await transientAware('DescribeNetworkInterfaces', () =>
          ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [g.GroupId!] }] })),
        );
        const count = enis.NetworkInterfaces?.length ?? 0;
        return { type: 'AWS::EC2::SecurityGroup', physicalId: g.GroupId!, tags: tagMap(g.Tags), ...(count > 0 ? { inUseBy: `${count} network interface${count === 1 ? '' : 's'}` } : {}) };
      }),
    );
  },
  // RDS cannot filter subnet groups by tag: the error's quoted name finds it, or nothing does.
  'AWS::RDS::DBSubnetGroup': async ({ rds }, _stackName, clash) => {
    if (!clash.name) return [];
    let groups;
    try {
      groups = await transientAware('DescribeDBSubnetGroups', () => rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: clash.name })));
    } catch (error) {
      if (errorName(error) === 'DBSubnetGroupNotFoundFault') return [];
      throw error;
    }
    return Promise.all(
      (groups.DBSubnetGroups ?? []).map(async (g) => {
        const tags = await transientAware('ListTagsForResource', () => rds.send(new ListTagsForResourceCommand({ ResourceName: g.DBSubnetGroupArn })));
        return { type: 'AWS::RDS::DBSubnetGroup', physicalId: g.DBSubnetGroupName!, tags: tagMap(tags.TagList) };
      }),
    );
  },
};

/**
 * @example
 * const candidates = await gatherClashingOrphans({ cloudformation, ec2, rds }, 'orders', clashes);
 * candidates[0]; // { type: 'AWS::EC2::SecurityGroup', physicalId: 'sg-...', tags: {...}, ownerStackStatus: 'GONE' }
 */
export async function gatherClashingOrphans(clients: OrphanReadClients, stackName: string, clashes: readonly Clash[]): Promise<OrphanCandidate[]> {
  const found = await Promise.all(
    clashes.map(async (clash) => {
      const find = FINDERS[clash.type];
      if (find === undefined || clash.ownerStack !== undefined) return [];
      return (await find(clients, stackName, clash)).map((c) => ({ ...c, clash }));
    }),
  );
  const candidates = found.flat();
  const status = new Map<string, string | undefined>();
  for (const id of new Set(candidates.map((c) => c.tags[STACK_ID_TAG]).filter((id): id is string => Boolean(id)))) {
    status.set(id, await stackStatus(clients.cloudformation, id));
  }
  return candidates.map((c) => ({ ...c, ownerStackStatus: c.tags[STACK_ID_TAG] ? status.get(c.tags[STACK_ID_TAG]) : undefined }));
}

/** A stack's status by its id: deleted stacks stay describable by id for a while, then are unknown (`GONE`). */
async function stackStatus(cloudformation: CloudFormationClient, stackId: string): Promise<string | undefined> {
  try {
    const out = await transientAware('DescribeStacks', () => cloudformation.send(new DescribeStacksCommand({ StackName: stackId })));
    return out.Stacks?.[0]?.StackStatus ?? 'GONE';
  } catch (error) {
    if (errorName(error) === 'ValidationError' && /does not exist/.test((error as Error).message)) return 'GONE';
    return undefined;
  }
}
