/**
 * Builds the blocker graph of a stack whose delete failed: for each resource that failed to
 * delete, what still holds it, read (never written) from EC2, RDS and S3.
 */
import { tagMap } from '../aws/cfnTags';
import {
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type NetworkInterface,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { transientAware } from '../aws/transient';
import type { BlockedResource, Blocker, EniFact, EniOwner, SecurityGroupReference } from './types';

export interface BlockerSources {
  ec2: EC2Client;
  rds: RDSClient;
  s3: S3Client;
}

export interface FailedResource {
  logicalId: string;
  physicalId: string;
  type: string;
  reason?: string | undefined;
}

/**
 * @example
 * const blocked = await gatherBlockers({ ec2, rds, s3 }, [{ logicalId: 'DatabaseSecurityGroup', physicalId: 'sg-0a1b', type: 'AWS::EC2::SecurityGroup' }]);
 * blocked[0].blockers; // [{ kind: 'eni', eni: { id: 'eni-...', status: 'available', owner: 'lambda', ... } }, ...]
 */
export async function gatherBlockers(sources: BlockerSources, failed: readonly FailedResource[]): Promise<BlockedResource[]> {
  return Promise.all(failed.map(async (resource) => ({ ...resource, blockers: await blockersOf(sources, resource) })));
}

async function blockersOf(sources: BlockerSources, resource: FailedResource): Promise<Blocker[]> {
  switch (resource.type) {
    case 'AWS::EC2::SecurityGroup':
      return [
        ...(await enisWhere(sources.ec2, 'group-id', resource.physicalId)),
        ...(await referencesTo(sources.ec2, resource.physicalId)),
      ];
    case 'AWS::EC2::Subnet':
      return enisWhere(sources.ec2, 'subnet-id', resource.physicalId);
    case 'AWS::EC2::VPC':
      return enisWhere(sources.ec2, 'vpc-id', resource.physicalId);
    case 'AWS::RDS::DBSubnetGroup':
      return databasesIn(sources.rds, resource.physicalId);
    case 'AWS::S3::Bucket':
      return bucketContents(sources.s3, resource.physicalId);
    default:
      return [{ kind: 'unknown', reason: `no blocker finder for ${resource.type}: ${resource.reason ?? 'no reason given'}` }];
  }
}

async function enisWhere(ec2: EC2Client, filter: 'group-id' | 'subnet-id' | 'vpc-id', value: string): Promise<Blocker[]> {
  const out = await transientAware('DescribeNetworkInterfaces', () =>
    ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: filter, Values: [value] }] })),
  );
  return (out.NetworkInterfaces ?? []).map((eni) => ({ kind: 'eni', eni: eniFact(eni) }));
}

/**
 * Who holds an ENI. AWS marks its managed interfaces by InterfaceType, RequesterId or a
 * Description of a known form ("AWS Lambda VPC ENI-...", "ELB app/...", "RDSNetworkInterface",
 * "arn:aws:ecs:...:attachment/..."); anything else attached to an instance is the instance's.
 */
export function eniOwner(eni: Pick<NetworkInterface, 'InterfaceType' | 'RequesterId' | 'Description' | 'Attachment'>): EniOwner {
  const description = eni.Description ?? '';
  const type: string = eni.InterfaceType ?? '';
  if (type === 'lambda' || description.startsWith('AWS Lambda VPC ENI')) return 'lambda';
  if (type === 'nat_gateway') return 'nat-gateway';
  if (type === 'vpc_endpoint' || type === 'gateway_load_balancer_endpoint') return 'vpc-endpoint';
  if (type === 'efs' || description.startsWith('EFS mount target')) return 'efs';
  if (eni.RequesterId === 'amazon-elb' || description.startsWith('ELB ')) return 'elb';
  if (eni.RequesterId === 'amazon-rds' || description.startsWith('RDSNetworkInterface')) return 'rds';
  if (description.includes(':ecs:') || description.startsWith('ecs-')) return 'ecs';
  if (eni.Attachment?.InstanceId) return 'ec2-instance';
  return 'unknown';
}

function eniFact(eni: NetworkInterface): EniFact {
  return {
    id: eni.NetworkInterfaceId ?? '',
    status: eni.Status ?? 'unknown',
    owner: eniOwner(eni),
    description: eni.Description ?? '',
    groupIds: (eni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
    tags: tagMap(eni.TagSet),
  };
}

async function referencesTo(ec2: EC2Client, groupId: string): Promise<Blocker[]> {
  const [ingress, egress] = await Promise.all(
    (['ip-permission.group-id', 'egress.ip-permission.group-id'] as const).map((name) =>
      transientAware('DescribeSecurityGroups', () => ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: name, Values: [groupId] }] }))),
    ),
  );
  const refs: SecurityGroupReference[] = [
    ...(ingress?.SecurityGroups ?? []).flatMap((g) => rulesReferencing(g, 'ingress', groupId)),
    ...(egress?.SecurityGroups ?? []).flatMap((g) => rulesReferencing(g, 'egress', groupId)),
  ];
  return refs.map((reference) => ({ kind: 'sg-reference', reference }));
}

function rulesReferencing(group: SecurityGroup, direction: 'ingress' | 'egress', groupId: string): SecurityGroupReference[] {
  // A group's rule referencing itself does not keep it alive from outside: CloudFormation deletes it with the group.
  if (group.GroupId === groupId) return [];
  const permissions = direction === 'ingress' ? group.IpPermissions : group.IpPermissionsEgress;
  return (permissions ?? [])
    .filter((p) => (p.UserIdGroupPairs ?? []).some((pair) => pair.GroupId === groupId))
    .map((p) => ({
      groupId: group.GroupId ?? '',
      direction,
      protocol: p.IpProtocol ?? '-1',
      fromPort: p.FromPort,
      toPort: p.ToPort,
      referencedGroupId: groupId,
      tags: tagMap(group.Tags),
    }));
}

async function databasesIn(rds: RDSClient, subnetGroupName: string): Promise<Blocker[]> {
  const [instances, clusters] = await Promise.all([
    transientAware('DescribeDBInstances', () => rds.send(new DescribeDBInstancesCommand({}))),
    transientAware('DescribeDBClusters', () => rds.send(new DescribeDBClustersCommand({}))),
  ]);
  const blockers: Blocker[] = [];
  for (const db of instances.DBInstances ?? []) {
    if (db.DBSubnetGroup?.DBSubnetGroupName === subnetGroupName) blockers.push({ kind: 'db-instance', id: db.DBInstanceIdentifier ?? '', status: db.DBInstanceStatus });
  }
  for (const cluster of clusters.DBClusters ?? []) {
    if (cluster.DBSubnetGroup === subnetGroupName) blockers.push({ kind: 'db-cluster', id: cluster.DBClusterIdentifier ?? '', status: cluster.Status });
  }
  return blockers;
}

async function bucketContents(s3: S3Client, bucket: string): Promise<Blocker[]> {
  const out = await transientAware('ListObjectsV2', () => s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 })));
  return (out.KeyCount ?? 0) > 0 ? [{ kind: 'bucket-not-empty', bucket }] : [];
}

