import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeSecurityGroupsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeClustersCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, RDSClient } from '@aws-sdk/client-rds';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nameClashesCheck } from '../../shared/preflight/checks/nameClashes';
import { createPreflightClients } from '../../shared/preflight/clients';
import { createPreflightContext } from '../../shared/preflight/context';
import { parseTemplate } from '../../shared/preflight/template';
import { fixture } from '../support/fixtures';

const mocks = {
  sts: mockClient(STSClient),
  cfn: mockClient(CloudFormationClient),
  s3: mockClient(S3Client),
  rds: mockClient(RDSClient),
  ec2: mockClient(EC2Client),
  dynamodb: mockClient(DynamoDBClient),
  logs: mockClient(CloudWatchLogsClient),
  ecs: mockClient(ECSClient),
  iam: mockClient(IAMClient),
  sns: mockClient(SNSClient),
  ecr: mockClient(ECRClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
};
afterEach(() => Object.values(mocks).forEach((m) => m.reset()));

const R = 'eu-west-1';
const err = (name: string, httpStatusCode = 400) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
const missing = err('ValidationError');
missing.message = 'Stack with id orders-prod does not exist';

const run = (yaml: string) =>
  nameClashesCheck.run(
    createPreflightContext({ stackName: 'orders-prod', region: R, template: parseTemplate(`Resources:\n${yaml}`), clients: createPreflightClients({ region: R }) }),
  );
const one = (logicalId: string, type: string, properties: string) => `  ${logicalId}:\n    Type: ${type}\n    Properties:\n${properties.replace(/^/gm, '      ')}\n`;

beforeEach(() => {
  mocks.sts.on(GetCallerIdentityCommand).resolves(fixture('api/preflight-get-caller-identity-assumed-role.json'));
  mocks.cfn.on(DescribeStacksCommand).rejects(missing);
});

describe('Check: name-clash', () => {
  describe('a name that exists outside the stack blocks, for every type it can look up', () => {
    it.each([
      ['AWS::S3::Bucket', "BucketName: !Sub '${AWS::StackName}-assets-${AWS::AccountId}'", 'S3 bucket "orders-prod-assets-111122223333" already exists (in eu-west-1)',
        () => mocks.s3.on(HeadBucketCommand, { Bucket: 'orders-prod-assets-111122223333' }).resolves({ BucketRegion: R }),
        `aws s3 rb s3://orders-prod-assets-111122223333 --region ${R}`],
      ['AWS::RDS::DBSubnetGroup', 'DBSubnetGroupName: Orders-Prod-DB', 'DB subnet group "Orders-Prod-DB" already exists',
        () => mocks.rds.on(DescribeDBSubnetGroupsCommand, { DBSubnetGroupName: 'orders-prod-db' }).resolves({ DBSubnetGroups: [{ DBSubnetGroupName: 'orders-prod-db' }] }),
        `aws rds delete-db-subnet-group --db-subnet-group-name orders-prod-db --region ${R}`],
      ['AWS::RDS::DBInstance', 'DBInstanceIdentifier: orders-prod', 'DB instance "orders-prod" already exists',
        () => mocks.rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'orders-prod' }] }),
        `aws rds delete-db-instance --db-instance-identifier orders-prod --final-db-snapshot-identifier orders-prod-final --region ${R}`],
      ['AWS::DynamoDB::Table', 'TableName: orders', 'DynamoDB table "orders" already exists',
        () => mocks.dynamodb.on(DescribeTableCommand, { TableName: 'orders' }).resolves({ Table: { TableName: 'orders' } }),
        `aws dynamodb delete-table --table-name orders --region ${R}`],
      ['AWS::Logs::LogGroup', "LogGroupName: !Sub '/ecs/${AWS::StackName}/api'", 'log group "/ecs/orders-prod/api" already exists',
        () => mocks.logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/ecs/orders-prod/api' }).resolves({ logGroups: [{ logGroupName: '/ecs/orders-prod/api' }] }),
        `aws logs delete-log-group --log-group-name /ecs/orders-prod/api --region ${R}`],
      ['AWS::ECS::Cluster', 'ClusterName: orders', 'ECS cluster "orders" already exists',
        () => mocks.ecs.on(DescribeClustersCommand, { clusters: ['orders'] }).resolves({ clusters: [{ clusterName: 'orders', status: 'ACTIVE' }] }),
        `aws ecs delete-cluster --cluster orders --region ${R}`],
      ['AWS::IAM::Role', 'RoleName: orders-task-execution', 'IAM role "orders-task-execution" already exists',
        () => mocks.iam.on(GetRoleCommand, { RoleName: 'orders-task-execution' }).resolves({ Role: { RoleName: 'orders-task-execution' } as never }),
        'aws iam delete-role --role-name orders-task-execution (after detaching its policies and removing it from instance profiles)'],
      ['AWS::SNS::Topic', 'TopicName: orders-events', 'SNS topic "orders-events" already exists',
        () => mocks.sns.on(GetTopicAttributesCommand, { TopicArn: 'arn:aws:sns:eu-west-1:111122223333:orders-events' }).resolves({ Attributes: { TopicArn: 'arn:aws:sns:eu-west-1:111122223333:orders-events' } }),
        `aws sns delete-topic --topic-arn arn:aws:sns:eu-west-1:111122223333:orders-events --region ${R}`],
      ['AWS::ECR::Repository', 'RepositoryName: orders/api', 'ECR repository "orders/api" already exists',
        () => mocks.ecr.on(DescribeRepositoriesCommand, { repositoryNames: ['orders/api'] }).resolves({ repositories: [{ repositoryName: 'orders/api' }] }),
        `aws ecr delete-repository --repository-name orders/api --region ${R} (add --force only after checking its images: it deletes them)`],
      ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'Name: orders-alb', 'load balancer "orders-alb" already exists',
        () => mocks.elbv2.on(DescribeLoadBalancersCommand, { Names: ['orders-alb'] }).resolves({ LoadBalancers: [{ LoadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/orders-alb/50dc6c495c0c9188' }] }),
        `aws elbv2 delete-load-balancer --load-balancer-arn arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/orders-alb/50dc6c495c0c9188 --region ${R}`],
      ['AWS::ElasticLoadBalancingV2::TargetGroup', 'Name: orders-api', 'target group "orders-api" already exists',
        () => mocks.elbv2.on(DescribeTargetGroupsCommand, { Names: ['orders-api'] }).resolves({ TargetGroups: [{ TargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/orders-api/73e2d6bc24d8a067' }] }),
        `aws elbv2 delete-target-group --target-group-arn arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/orders-api/73e2d6bc24d8a067 --region ${R}`],
      ['AWS::EC2::SecurityGroup', 'GroupName: orders-app\nGroupDescription: app\nVpcId: vpc-0c1d2e3f4a5b6c7d8', 'security group "orders-app" already exists (sg-0d4e5f6a7b8c9d0e1 in vpc-0c1d2e3f4a5b6c7d8)',
        () => mocks.ec2.on(DescribeSecurityGroupsCommand, { Filters: [{ Name: 'group-name', Values: ['orders-app'] }, { Name: 'vpc-id', Values: ['vpc-0c1d2e3f4a5b6c7d8'] }] }).resolves({ SecurityGroups: [{ GroupId: 'sg-0d4e5f6a7b8c9d0e1' }] }),
        `aws ec2 delete-security-group --group-id sg-0d4e5f6a7b8c9d0e1 --region ${R}`],
    ])('%s', async (type, properties, clash, seed, deleteCommand) => {
      seed();
      const findings = await run(one('Thing', type, properties));
      const [property] = properties.split(':');
      expect(findings).toEqual([
        {
          id: 'name-clash.exists',
          severity: 'blocking',
          resource: 'Thing',
          message: `${clash}, outside stack orders-prod: the create of Thing would fail with ALREADY_EXISTS`,
          fix: `rename it in the template (or drop ${property} and let CloudFormation name it), import the existing one into the stack (a change set of type IMPORT), or delete it if nothing uses it: ${deleteCommand}`,
        },
      ]);
    });
  });

  it('a bucket name taken in another account (403) blocks too: bucket names are global', async () => {
    mocks.s3.on(HeadBucketCommand).rejects(err('Forbidden', 403));
    const [finding] = await run(one('AssetsBucket', 'AWS::S3::Bucket', 'BucketName: assets'));
    expect(finding).toMatchObject({ id: 'name-clash.exists', severity: 'blocking' });
    expect(finding!.message).toContain('(bucket names are global: it belongs to another account, or these credentials may not read it)');
  });

  it('free names are listed in one info line, with why (a VPC the template creates, the default VPC)', async () => {
    mocks.s3.on(HeadBucketCommand).rejects(err('NotFound', 404));
    mocks.ecs.on(DescribeClustersCommand).resolves({ clusters: [{ clusterName: 'orders', status: 'INACTIVE' }] });
    mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-0defa017defa017de', IsDefault: true }] });
    mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    const findings = await run(
      one('Vpc', 'AWS::EC2::VPC', 'CidrBlock: 10.20.0.0/16') +
        one('AppSecurityGroup', 'AWS::EC2::SecurityGroup', 'GroupName: orders-app\nGroupDescription: app\nVpcId: !Ref Vpc') +
        one('LegacySecurityGroup', 'AWS::EC2::SecurityGroup', 'GroupName: orders-legacy\nGroupDescription: legacy') +
        one('AssetsBucket', 'AWS::S3::Bucket', 'BucketName: orders-assets') +
        one('Cluster', 'AWS::ECS::Cluster', 'ClusterName: orders'),
    );
    expect(findings).toEqual([
      {
        id: 'name-clash.free',
        severity: 'info',
        message: 'physical names free: AppSecurityGroup (orders-app, in VPC Vpc, which this template creates); LegacySecurityGroup (orders-legacy); AssetsBucket (orders-assets); Cluster (orders)',
        fix: '',
      },
    ]);
    expect(mocks.ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { Filters: [{ Name: 'group-name', Values: ['orders-legacy'] }, { Name: 'vpc-id', Values: ['vpc-0defa017defa017de'] }] });
  });

  it('names known only at deploy time, and types it cannot look up, are reported as not checked', async () => {
    const findings = await run(
      one('OrdersTable', 'AWS::DynamoDB::Table', 'TableName: !Ref OrdersTableName') +
        one('AppSecurityGroup', 'AWS::EC2::SecurityGroup', 'GroupName: app\nGroupDescription: app\nVpcId: !ImportValue network-VpcId') +
        one('Relay', 'AWS::Lambda::Function', 'FunctionName: orders-relay'),
    );
    expect(findings).toEqual([
      { id: 'name-clash.not-checked', severity: 'info', resource: 'OrdersTable', message: 'TableName of OrdersTable (AWS::DynamoDB::Table) is !Ref OrdersTableName, known only at deploy time: not checked', fix: '' },
      { id: 'name-clash.not-checked', severity: 'info', resource: 'AppSecurityGroup', message: 'security group "app" (AppSecurityGroup): not checked, its VpcId is !ImportValue, known only at deploy time', fix: '' },
      { id: 'name-clash.not-checked', severity: 'info', resource: 'Relay', message: 'Lambda function "orders-relay" (Relay): not checked, preflight has no look-up for Lambda functions yet', fix: '' },
    ]);
  });

  it('a look-up that fails is "not checked", with the reason — never free', async () => {
    mocks.dynamodb.on(DescribeTableCommand).rejects(err('AccessDeniedException', 400));
    const findings = await run(one('OrdersTable', 'AWS::DynamoDB::Table', 'TableName: orders'));
    expect(findings).toEqual([
      { id: 'name-clash.not-checked', severity: 'info', resource: 'OrdersTable', message: 'DynamoDB table "orders" (OrdersTable): not checked, the look-up failed: AccessDeniedException', fix: '' },
    ]);
  });

  describe('when the stack exists', () => {
    beforeEach(() => {
      mocks.cfn.on(DescribeStacksCommand).resolves(fixture('api/preflight-describe-stacks-update-rollback-failed.json'));
      mocks.cfn.on(ListStackResourcesCommand).resolves(fixture('api/preflight-list-stack-resources-update-rollback-failed.json'));
      mocks.s3.on(HeadBucketCommand).resolves({ BucketRegion: R });
    });

    it('a name the stack already owns under the same logical id is not a clash', async () => {
      const findings = await run(one('AssetsBucket', 'AWS::S3::Bucket', "BucketName: !Sub '${AWS::StackName}-assets-${AWS::AccountId}'"));
      expect(findings).toEqual([{ id: 'name-clash.free', severity: 'info', message: "physical names free: AssetsBucket (orders-prod-assets-111122223333, already this stack's)", fix: '' }]);
    });

    it('the same name under a renamed logical id blocks: the new one is created before the old one is deleted', async () => {
      const [finding] = await run(one('StaticAssets', 'AWS::S3::Bucket', "BucketName: !Sub '${AWS::StackName}-assets-${AWS::AccountId}'"));
      expect(finding).toEqual({
        id: 'name-clash.renamed-logical-id',
        severity: 'blocking',
        resource: 'StaticAssets',
        message:
          'S3 bucket "orders-prod-assets-111122223333" (in eu-west-1) belongs to this stack as AssetsBucket; CloudFormation creates StaticAssets before deleting AssetsBucket, so the create fails with ALREADY_EXISTS',
        fix: 'keep the logical id AssetsBucket, or give StaticAssets a new BucketName (or none) for this deploy',
      });
    });
  });

  it('two resources of one type with one name block, whatever exists', async () => {
    mocks.s3.on(HeadBucketCommand).rejects(err('NotFound', 404));
    const findings = await run(one('A', 'AWS::S3::Bucket', 'BucketName: orders-assets') + one('B', 'AWS::S3::Bucket', 'BucketName: orders-assets'));
    expect(findings[0]).toEqual({
      id: 'name-clash.duplicate-in-template',
      severity: 'blocking',
      resource: 'B',
      message: 'B and A are both AWS::S3::Bucket named "orders-assets": the second create fails with ALREADY_EXISTS',
      fix: 'give B another name',
    });
  });

  it('a condition is named in the message', async () => {
    mocks.dynamodb.on(DescribeTableCommand).resolves({ Table: { TableName: 'orders' } });
    const findings = await run('  OrdersTable:\n    Type: AWS::DynamoDB::Table\n    Condition: IsProd\n    Properties:\n      TableName: orders\n');
    expect(findings[0]!.message).toMatch(/ \(created only when condition IsProd is true\)$/);
  });

  it('a template that names nothing: nothing can clash', async () => {
    expect(await run(one('Cluster', 'AWS::ECS::Cluster', 'CapacityProviders: [FARGATE]'))).toEqual([
      { id: 'name-clash.none', severity: 'info', message: 'the template fixes no physical names that preflight knows: CloudFormation generates them, nothing can clash', fix: '' },
    ]);
  });
});
