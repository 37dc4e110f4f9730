import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeNetworkInterfacesCommand,
  type DescribeNetworkInterfacesCommandInput,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import { DescribeDBSubnetGroupsCommand, ListTagsForResourceCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetBucketTaggingCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orphansCheck } from '../../shared/preflight/checks/orphans';
import { createPreflightClients } from '../../shared/preflight/clients';
import { createPreflightContext } from '../../shared/preflight/context';
import { fixture } from '../support/fixtures';

const cfn = mockClient(CloudFormationClient);
const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
const s3 = mockClient(S3Client);
afterEach(() => [cfn, ec2, rds, s3].forEach((m) => m.reset()));

const R = 'eu-west-1';
const OLD_STACK = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/orders-prod/0e7d6c5b-0a1b-11f0-8a2b-06c1f4e5d3a1';
const CURRENT_STACK = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/orders-prod/5b1c7e40-1a2b-11f0-9c3d-0a8f2b7c1e55';
const cfnTags = (logicalId: string, stackId = OLD_STACK) => [
  { Key: 'aws:cloudformation:stack-name', Value: 'orders-prod' },
  { Key: 'aws:cloudformation:stack-id', Value: stackId },
  { Key: 'aws:cloudformation:logical-id', Value: logicalId },
];
const missing = Object.assign(new Error('Stack with id orders-prod does not exist'), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
const denied = (what: string) => Object.assign(new Error(`User is not authorized to perform: ${what}`), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
const noTags = Object.assign(new Error('The TagSet does not exist'), { name: 'NoSuchTagSet', $metadata: { httpStatusCode: 404 } });

const context = () => createPreflightContext({ stackName: 'orders-prod', region: R, clients: createPreflightClients({ region: R }) });

const APP_SG = 'sg-0d4e5f6a7b8c9d0e1';
const lambdaEni = () => fixture<{ NetworkInterfaces: NetworkInterface[] }>('api/preflight-describe-network-interfaces-lambda.json').NetworkInterfaces[0]!;
const availableEni: NetworkInterface = {
  NetworkInterfaceId: 'eni-07a6b5c4d3e2f1a09',
  Description: 'orders-prod outbox relay',
  Status: 'available',
  InterfaceType: 'interface',
  SubnetId: 'subnet-0a9b8c7d6e5f40312',
  Groups: [{ GroupId: APP_SG, GroupName: 'orders-prod-app' }],
  TagSet: [],
};

/** The account after a failed create of orders-prod whose rollback could not delete everything. */
function seedLeftovers() {
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: APP_SG, GroupName: 'orders-prod-app', VpcId: 'vpc-0c1d2e3f4a5b6c7d8', Tags: cfnTags('AppSecurityGroup') }] });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-0a9b8c7d6e5f40312', CidrBlock: '10.20.1.0/24', VpcId: 'vpc-0c1d2e3f4a5b6c7d8', Tags: cfnTags('PrivateSubnetA') }] });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-0c1d2e3f4a5b6c7d8', CidrBlock: '10.20.0.0/16', Tags: cfnTags('Vpc') }] });
  ec2.on(DescribeNetworkInterfacesCommand).callsFake((input: DescribeNetworkInterfacesCommandInput) =>
    input.Filters?.[0]?.Name === 'group-id' ? { NetworkInterfaces: [availableEni, lambdaEni()] } : { NetworkInterfaces: [] },
  );
  rds.on(DescribeDBSubnetGroupsCommand).resolves({
    DBSubnetGroups: [
      { DBSubnetGroupName: 'orders-prod-db', DBSubnetGroupArn: 'arn:aws:rds:eu-west-1:111122223333:subgrp:orders-prod-db', VpcId: 'vpc-0c1d2e3f4a5b6c7d8' },
      { DBSubnetGroupName: 'billing-db', DBSubnetGroupArn: 'arn:aws:rds:eu-west-1:111122223333:subgrp:billing-db', VpcId: 'vpc-0ffee0ffee0ffee00' },
    ],
  });
  rds.on(ListTagsForResourceCommand, { ResourceName: 'arn:aws:rds:eu-west-1:111122223333:subgrp:orders-prod-db' }).resolves({ TagList: cfnTags('DatabaseSubnetGroup') });
  rds.on(ListTagsForResourceCommand, { ResourceName: 'arn:aws:rds:eu-west-1:111122223333:subgrp:billing-db' }).resolves({ TagList: [{ Key: 'aws:cloudformation:stack-name', Value: 'billing' }] });
  s3.on(ListBucketsCommand).resolves({
    Buckets: [
      { Name: 'orders-prod-assets-111122223333', BucketRegion: R },
      { Name: 'acme-terraform-state', BucketRegion: R },
      { Name: 'acme-audit-logs', BucketRegion: R },
    ],
  });
  s3.on(GetBucketTaggingCommand, { Bucket: 'orders-prod-assets-111122223333' }).resolves({ TagSet: cfnTags('AssetsBucket') });
  s3.on(GetBucketTaggingCommand, { Bucket: 'acme-terraform-state' }).rejects(noTags);
  s3.on(GetBucketTaggingCommand, { Bucket: 'acme-audit-logs' }).rejects(denied('s3:GetBucketTagging'));
}

describe('Check: orphans', () => {
  beforeEach(() => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    rds.on(DescribeDBSubnetGroupsCommand).resolves({ DBSubnetGroups: [] });
    s3.on(ListBucketsCommand).resolves({ Buckets: [] });
  });

  it('lists what a failed stack left behind, in the order it can be deleted, each with its delete command', async () => {
    cfn.on(DescribeStacksCommand).rejects(missing);
    seedLeftovers();
    const findings = await orphansCheck.run(context());
    const gone = `(${OLD_STACK}), which no longer exists`;
    expect(findings).toEqual([
      {
        id: 'orphans.available-eni',
        severity: 'warning',
        resource: 'eni-07a6b5c4d3e2f1a09',
        message: `network interface eni-07a6b5c4d3e2f1a09 "orders-prod outbox relay" in subnet-0a9b8c7d6e5f40312 is available (attached to nothing) and is in security group ${APP_SG}, which stack orders-prod left behind`,
        fix: `aws ec2 delete-network-interface --network-interface-id eni-07a6b5c4d3e2f1a09 --region ${R}`,
      },
      {
        id: 'orphans.eni-in-use',
        severity: 'info',
        resource: 'eni-0f1e2d3c4b5a69788',
        message: `network interface eni-0f1e2d3c4b5a69788 "AWS Lambda VPC ENI-orders-prod-outbox-relay-9c2f7d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f" is in-use (owned by Lambda) and is in security group ${APP_SG}, which stack orders-prod left behind: it cannot be deleted while in use`,
        fix: 'skipped: AWS deletes a Lambda ENI some time after its function is deleted or leaves the VPC; run medic preflight again later',
      },
      {
        id: 'orphans.db-subnet-group',
        severity: 'warning',
        resource: 'orders-prod-db',
        message: `DB subnet group orders-prod-db in vpc-0c1d2e3f4a5b6c7d8 was created as DatabaseSubnetGroup by stack orders-prod ${gone}`,
        fix: `aws rds delete-db-subnet-group --db-subnet-group-name orders-prod-db --region ${R}`,
      },
      {
        id: 'orphans.security-group',
        severity: 'warning',
        resource: APP_SG,
        message: `security group ${APP_SG} "orders-prod-app" in vpc-0c1d2e3f4a5b6c7d8 was created as AppSecurityGroup by stack orders-prod ${gone}`,
        fix: `aws ec2 delete-security-group --group-id ${APP_SG} --region ${R} (after its network interfaces above)`,
      },
      {
        id: 'orphans.subnet',
        severity: 'warning',
        resource: 'subnet-0a9b8c7d6e5f40312',
        message: `subnet subnet-0a9b8c7d6e5f40312 (10.20.1.0/24) in vpc-0c1d2e3f4a5b6c7d8 was created as PrivateSubnetA by stack orders-prod ${gone}`,
        fix: `aws ec2 delete-subnet --subnet-id subnet-0a9b8c7d6e5f40312 --region ${R}`,
      },
      {
        id: 'orphans.vpc',
        severity: 'warning',
        resource: 'vpc-0c1d2e3f4a5b6c7d8',
        message: `VPC vpc-0c1d2e3f4a5b6c7d8 (10.20.0.0/16) was created as Vpc by stack orders-prod ${gone}; it counts against the VPCs-per-Region quota`,
        fix: `aws ec2 delete-vpc --vpc-id vpc-0c1d2e3f4a5b6c7d8 --region ${R} (after what is left in it: subnets, security groups, internet gateways)`,
      },
      {
        id: 'orphans.s3-bucket',
        severity: 'warning',
        resource: 'orders-prod-assets-111122223333',
        message: `S3 bucket orders-prod-assets-111122223333 was created as AssetsBucket by stack orders-prod ${gone}`,
        fix: `aws s3 rb s3://orders-prod-assets-111122223333 --region ${R} (add --force only after checking its objects: it deletes them)`,
      },
      {
        id: 'orphans.unreadable-buckets',
        severity: 'info',
        message: 'could not read the tags of 1 bucket(s): acme-audit-logs (AccessDenied); orphans among them are not reported',
        fix: 'grant s3:GetBucketTagging on them to the CI role',
      },
    ]);
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { Filters: [{ Name: 'tag:aws:cloudformation:stack-name', Values: ['orders-prod'] }] });
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, { Filters: [{ Name: 'group-id', Values: [APP_SG] }] });
    expect(s3).toHaveReceivedCommandWith(ListBucketsCommand, { BucketRegion: R });
  });

  it('when the stack exists, its own resources are not orphans; those of an earlier stack of the same name are', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'orders-prod', StackId: CURRENT_STACK, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
    cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [{ LogicalResourceId: 'AppSecurityGroup', PhysicalResourceId: 'sg-0aaaaaaaaaaaaaaa1', ResourceType: 'AWS::EC2::SecurityGroup', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        { GroupId: 'sg-0aaaaaaaaaaaaaaa1', GroupName: 'orders-prod-app', VpcId: 'vpc-1', Tags: cfnTags('AppSecurityGroup', CURRENT_STACK) },
        { GroupId: APP_SG, GroupName: 'orders-prod-AppSecurityGroup-1XK2Q', VpcId: 'vpc-0c1d2e3f4a5b6c7d8', Tags: cfnTags('AppSecurityGroup') },
      ],
    });
    const findings = await orphansCheck.run(context());
    expect(findings).toEqual([
      {
        id: 'orphans.security-group',
        severity: 'warning',
        resource: APP_SG,
        message: `security group ${APP_SG} "orders-prod-AppSecurityGroup-1XK2Q" in vpc-0c1d2e3f4a5b6c7d8 was created as AppSecurityGroup by an earlier stack named orders-prod (${OLD_STACK}), not by the current one (${CURRENT_STACK})`,
        fix: `aws ec2 delete-security-group --group-id ${APP_SG} --region ${R}`,
      },
    ]);
  });

  it('a source that cannot be read says so, and the others still report', async () => {
    cfn.on(DescribeStacksCommand).rejects(missing);
    seedLeftovers();
    rds.on(DescribeDBSubnetGroupsCommand).rejects(denied('rds:DescribeDBSubnetGroups'));
    const findings = await orphansCheck.run(context());
    expect(findings.map((f) => f.id)).toEqual([
      'orphans.available-eni',
      'orphans.eni-in-use',
      'orphans.security-group',
      'orphans.subnet',
      'orphans.vpc',
      'orphans.s3-bucket',
      'orphans.unreadable-buckets',
      'orphans.could-not-check',
    ]);
    expect(findings.at(-1)).toEqual({
      id: 'orphans.could-not-check',
      severity: 'info',
      message: 'could not check DB subnet groups: AccessDenied: User is not authorized to perform: rds:DescribeDBSubnetGroups',
      fix: 'grant the read-only actions in docs/preflight.md to the CI role',
    });
  });

  it('nothing left behind: one info line saying what was looked at', async () => {
    cfn.on(DescribeStacksCommand).rejects(missing);
    expect(await orphansCheck.run(context())).toEqual([
      {
        id: 'orphans.none',
        severity: 'info',
        message: `no security groups, network interfaces, subnets, VPCs, DB subnet groups, S3 buckets tagged aws:cloudformation:stack-name=orders-prod outside the current stack in ${R}`,
        fix: '',
      },
    ]);
  });

  it('buckets of other regions are not read (ListBuckets answers with their region)', async () => {
    cfn.on(DescribeStacksCommand).rejects(missing);
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'acme-us-logs', BucketRegion: 'us-east-1' }] });
    await orphansCheck.run(context());
    expect(s3).not.toHaveReceivedCommand(GetBucketTaggingCommand);
  });
});
