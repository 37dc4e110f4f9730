/**
 * Check: orphaned resources. CloudFormation tags what it creates with
 * `aws:cloudformation:stack-name` / `stack-id` / `logical-id`. A resource that still carries
 * this stack's name but not the current stack's id was left by an earlier stack of the same
 * name (a failed create whose rollback could not delete it, a DELETE_FAILED stack deleted
 * with --retain-resources, a DeletionPolicy: Retain). Each one is reported with the exact
 * delete command, in the order they can be deleted: network interfaces before their
 * security groups, security groups and DB subnet groups before subnets, subnets before VPCs.
 *
 * Read-only: it only prints the commands. Whether to run them is a human's call.
 */
import type { Stack } from '@aws-sdk/client-cloudformation';
import {
  type Filter,
  type NetworkInterface,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  type Tag,
} from '@aws-sdk/client-ec2';
import { ListTagsForResourceCommand, paginateDescribeDBSubnetGroups } from '@aws-sdk/client-rds';
import { GetBucketTaggingCommand, paginateListBuckets } from '@aws-sdk/client-s3';
import { describeError, errorName } from '../awsErrors';
import type { Finding, PreflightCheck, PreflightContext } from '../types';

import { LOGICAL_ID_TAG, STACK_ID_TAG, STACK_NAME_TAG, tagMap } from '../../aws/cfnTags';

export { LOGICAL_ID_TAG, STACK_ID_TAG, STACK_NAME_TAG };

/** Tag reads in flight at once (one GetBucketTagging per bucket, one ListTagsForResource per DB subnet group). */
const TAG_READS_IN_FLIGHT = 8;

/** Runs `fn` over `items` with at most `limit` calls in flight, results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

type Tags = Record<string, string>;

interface Owner {
  stack?: Stack;
  /** Physical ids of the current stack's resources. */
  physicalIds: Set<string>;
}

/** True when CloudFormation tags say "this stack name", and the resource is not the current stack's. */
function isOrphan(tags: Tags, physicalId: string, owner: Owner, stackName: string): boolean {
  if (tags[STACK_NAME_TAG] !== stackName) return false;
  if (owner.stack === undefined) return true;
  return tags[STACK_ID_TAG] !== owner.stack.StackId && !owner.physicalIds.has(physicalId);
}

/** "created by stack X (logical id Y), which no longer exists" / "by an earlier stack named X". */
function origin(tags: Tags, owner: Owner, stackName: string): string {
  const logical = tags[LOGICAL_ID_TAG] ? ` as ${tags[LOGICAL_ID_TAG]}` : '';
  const id = tags[STACK_ID_TAG] ? ` (${tags[STACK_ID_TAG]})` : '';
  return owner.stack === undefined
    ? `was created${logical} by stack ${stackName}${id}, which no longer exists`
    : `was created${logical} by an earlier stack named ${stackName}${id}, not by the current one (${owner.stack.StackId})`;
}

interface Source {
  /** What the source looks at, for the "none found" and "could not check" lines. */
  what: string;
  find(context: PreflightContext, owner: Owner): Promise<Finding[]>;
}

const byStackName = (name: string): Filter[] => [{ Name: `tag:${STACK_NAME_TAG}`, Values: [name] }];

async function collect<T>(pages: AsyncIterable<T>, pick: (page: T) => unknown[] | undefined): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const page of pages) all.push(...(pick(page) ?? []));
  return all;
}

function eniFinding(eni: NetworkInterface, why: string, region: string): Finding {
  const id = eni.NetworkInterfaceId ?? '?';
  const desc = eni.Description ? ` "${eni.Description}"` : '';
  if (eni.Status === 'available') {
    return {
      id: 'orphans.available-eni',
      severity: 'warning',
      resource: id,
      message: `network interface ${id}${desc} in ${eni.SubnetId ?? '?'} is available (attached to nothing) and ${why}`,
      fix: `aws ec2 delete-network-interface --network-interface-id ${id} --region ${region}`,
    };
  }
  const lambda = eni.InterfaceType === 'lambda' || /^AWS Lambda VPC ENI/.test(eni.Description ?? '');
  const attachedTo = eni.Attachment?.InstanceId ?? eni.Attachment?.InstanceOwnerId ?? eni.RequesterId ?? 'an AWS service';
  return {
    id: 'orphans.eni-in-use',
    severity: 'info',
    resource: id,
    message: `network interface ${id}${desc} is ${eni.Status ?? 'in use'} (${lambda ? 'owned by Lambda' : `attached to ${attachedTo}`}) and ${why}: it cannot be deleted while in use`,
    fix: lambda
      ? 'skipped: AWS deletes a Lambda ENI some time after its function is deleted or leaves the VPC; run medic preflight again later'
      : `detach it from ${attachedTo} (or move that to another security group) first`,
  };
}

const ec2Source: Source = {
  what: 'security groups, network interfaces, subnets, VPCs',
  async find(context, owner) {
    const { ec2 } = context.clients;
    const { stackName: name, region } = context;
    const Filters = byStackName(name);
    const orphan = <T extends { Tags?: Tag[]; TagSet?: Tag[] }>(items: T[], id: (t: T) => string | undefined) =>
      items.filter((item) => isOrphan(tagMap(item.Tags ?? item.TagSet), id(item) ?? '', owner, name));

    const [groups, subnets, vpcs, taggedEnis] = await Promise.all([
      collect(paginateDescribeSecurityGroups({ client: ec2 }, { Filters }), (p) => p.SecurityGroups),
      collect(paginateDescribeSubnets({ client: ec2 }, { Filters }), (p) => p.Subnets),
      collect(paginateDescribeVpcs({ client: ec2 }, { Filters }), (p) => p.Vpcs),
      collect(paginateDescribeNetworkInterfaces({ client: ec2 }, { Filters }), (p) => p.NetworkInterfaces),
    ]);
    const orphanGroups = orphan(groups as Array<{ GroupId?: string; GroupName?: string; VpcId?: string; Tags?: Tag[] }>, (g) => g.GroupId);
    const orphanEnis = orphan(taggedEnis as NetworkInterface[], (e) => e.NetworkInterfaceId);

    // Interfaces in an orphaned security group keep it from being deleted, tagged or not.
    const groupIds = orphanGroups.map((g) => g.GroupId!).filter(Boolean);
    const inGroups = groupIds.length
      ? ((await collect(paginateDescribeNetworkInterfaces({ client: ec2 }, { Filters: [{ Name: 'group-id', Values: groupIds }] }), (p) => p.NetworkInterfaces)) as NetworkInterface[])
      : [];

    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const eni of orphanEnis) {
      seen.add(eni.NetworkInterfaceId!);
      findings.push(eniFinding(eni, origin(tagMap(eni.TagSet), owner, name), region));
    }
    const blockedGroups = new Set<string>();
    for (const eni of inGroups) {
      const groupsOfEni = (eni.Groups ?? []).map((g) => g.GroupId).filter((g): g is string => groupIds.includes(g ?? ''));
      groupsOfEni.forEach((g) => blockedGroups.add(g));
      if (seen.has(eni.NetworkInterfaceId!)) continue;
      seen.add(eni.NetworkInterfaceId!);
      findings.push(eniFinding(eni, `is in security group ${groupsOfEni.join(', ')}, which stack ${name} left behind`, region));
    }
    for (const g of orphanGroups) {
      findings.push({
        id: 'orphans.security-group',
        severity: 'warning',
        resource: g.GroupId!,
        message: `security group ${g.GroupId} "${g.GroupName}" in ${g.VpcId ?? '?'} ${origin(tagMap(g.Tags), owner, name)}`,
        fix: `aws ec2 delete-security-group --group-id ${g.GroupId} --region ${region}${blockedGroups.has(g.GroupId!) ? ' (after its network interfaces above)' : ''}`,
      });
    }
    for (const s of orphan(subnets as Array<{ SubnetId?: string; CidrBlock?: string; VpcId?: string; Tags?: Tag[] }>, (s) => s.SubnetId)) {
      findings.push({
        id: 'orphans.subnet',
        severity: 'warning',
        resource: s.SubnetId!,
        message: `subnet ${s.SubnetId} (${s.CidrBlock}) in ${s.VpcId} ${origin(tagMap(s.Tags), owner, name)}`,
        fix: `aws ec2 delete-subnet --subnet-id ${s.SubnetId} --region ${region}`,
      });
    }
    for (const v of orphan(vpcs as Array<{ VpcId?: string; CidrBlock?: string; Tags?: Tag[] }>, (v) => v.VpcId)) {
      findings.push({
        id: 'orphans.vpc',
        severity: 'warning',
        resource: v.VpcId!,
        message: `VPC ${v.VpcId} (${v.CidrBlock}) ${origin(tagMap(v.Tags), owner, name)}; it counts against the VPCs-per-Region quota`,
        fix: `aws ec2 delete-vpc --vpc-id ${v.VpcId} --region ${region} (after what is left in it: subnets, security groups, internet gateways)`,
      });
    }
    return findings;
  },
};

const rdsSource: Source = {
  what: 'DB subnet groups',
  async find(context, owner) {
    const { rds } = context.clients;
    const groups = (await collect(paginateDescribeDBSubnetGroups({ client: rds }, {}), (p) => p.DBSubnetGroups)) as Array<{
      DBSubnetGroupName?: string;
      DBSubnetGroupArn?: string;
      VpcId?: string;
    }>;
    // RDS has no tag filter on subnet groups: one ListTagsForResource each.
    const tagged = await mapLimit(groups, TAG_READS_IN_FLIGHT, async (g) => ({
      group: g,
      tags: tagMap((await rds.send(new ListTagsForResourceCommand({ ResourceName: g.DBSubnetGroupArn }))).TagList),
    }));
    return tagged
      .filter(({ group, tags }) => isOrphan(tags, group.DBSubnetGroupName ?? '', owner, context.stackName))
      .map(({ group, tags }) => ({
        id: 'orphans.db-subnet-group',
        severity: 'warning' as const,
        resource: group.DBSubnetGroupName!,
        message: `DB subnet group ${group.DBSubnetGroupName} in ${group.VpcId} ${origin(tags, owner, context.stackName)}`,
        fix: `aws rds delete-db-subnet-group --db-subnet-group-name ${group.DBSubnetGroupName} --region ${context.region}`,
      }));
  },
};

const s3Source: Source = {
  what: 'S3 buckets',
  async find(context, owner) {
    const { s3 } = context.clients;
    const buckets = (await collect(paginateListBuckets({ client: s3 }, { BucketRegion: context.region }), (p) => p.Buckets)) as Array<{
      Name?: string;
      BucketRegion?: string;
    }>;
    // BucketRegion filters on the server; an endpoint that ignores it still answers with the region.
    const inRegion = buckets.filter((b) => b.Name && (b.BucketRegion === undefined || b.BucketRegion === context.region));
    const unreadable: string[] = [];
    const tagged = await mapLimit(inRegion, TAG_READS_IN_FLIGHT, async (b) => {
      try {
        return { name: b.Name!, tags: tagMap((await s3.send(new GetBucketTaggingCommand({ Bucket: b.Name }))).TagSet) };
      } catch (error) {
        // No tags, or deleted since the listing: nothing to report. Anything else: say it was not read.
        if (!['NoSuchTagSet', 'NoSuchBucket'].includes(errorName(error))) unreadable.push(`${b.Name} (${errorName(error)})`);
        return { name: b.Name!, tags: {} };
      }
    });
    const findings: Finding[] = tagged
      .filter(({ name, tags }) => isOrphan(tags, name, owner, context.stackName))
      .map(({ name, tags }) => ({
        id: 'orphans.s3-bucket',
        severity: 'warning',
        resource: name,
        message: `S3 bucket ${name} ${origin(tags, owner, context.stackName)}`,
        fix: `aws s3 rb s3://${name} --region ${context.region} (add --force only after checking its objects: it deletes them)`,
      }));
    if (unreadable.length) {
      findings.push({
        id: 'orphans.unreadable-buckets',
        severity: 'info',
        message: `could not read the tags of ${unreadable.length} bucket(s): ${unreadable.slice(0, 5).join(', ')}${unreadable.length > 5 ? ', ...' : ''}; orphans among them are not reported`,
        fix: 'grant s3:GetBucketTagging on them to the CI role',
      });
    }
    return findings;
  },
};

const SOURCES: Source[] = [ec2Source, rdsSource, s3Source];

export const orphansCheck: PreflightCheck = {
  name: 'orphans',
  summary: 'Resources tagged aws:cloudformation:stack-name=NAME that the current stack does not own (left by an earlier failed stack), and available ENIs in them',
  iamActions: [
    'cloudformation:DescribeStacks',
    'cloudformation:ListStackResources',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DescribeVpcs',
    'rds:DescribeDBSubnetGroups',
    'rds:ListTagsForResource',
    's3:ListAllMyBuckets',
    's3:GetBucketTagging',
  ],
  needsTemplate: false,

  async run(context) {
    const stack = await context.stack();
    const owner: Owner = { ...(stack ? { stack } : {}), physicalIds: new Set((await context.stackResources()).map((r) => r.PhysicalResourceId ?? '')) };
    // Each source on its own: a denied RDS call must not hide the EC2 orphans.
    const results = await Promise.all(
      SOURCES.map(async (source) => {
        try {
          return { source, findings: await source.find(context, owner) };
        } catch (error) {
          return { source, error };
        }
      }),
    );
    const findings = results.flatMap((r) => r.findings ?? []);
    // Deletion order across sources: ENIs, then DB subnet groups, then the rest of EC2, then buckets.
    const order = ['orphans.available-eni', 'orphans.eni-in-use', 'orphans.db-subnet-group', 'orphans.security-group', 'orphans.subnet', 'orphans.vpc'];
    const rank = (f: Finding) => (order.includes(f.id) ? order.indexOf(f.id) : order.length);
    findings.sort((a, b) => rank(a) - rank(b));

    const found = findings.some((f) => f.id !== 'orphans.unreadable-buckets');
    const failed = results.filter((r) => 'error' in r);
    for (const r of failed) {
      findings.push({
        id: 'orphans.could-not-check',
        severity: 'info',
        message: `could not check ${r.source.what}: ${describeError(r.error)}`,
        fix: 'grant the read-only actions in docs/preflight.md to the CI role',
      });
    }
    const looked = results.filter((r) => !('error' in r)).map((r) => r.source.what);
    if (!found && looked.length) {
      findings.unshift({
        id: 'orphans.none',
        severity: 'info',
        message: `no ${looked.join(', ')} tagged ${STACK_NAME_TAG}=${context.stackName} outside the current stack in ${context.region}`,
        fix: '',
      });
    }
    return findings;
  },
};
