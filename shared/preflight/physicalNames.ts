/**
 * Resource types whose physical name the template can fix (`BucketName: acme-assets`), and,
 * for most of them, how to find out whether a resource of that name already exists. Adding a
 * type is one entry here (and a case in test/unit/preflightNameClashes.test.ts).
 */
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand } from '@aws-sdk/client-rds';
import { DescribeSecurityGroupsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeClustersCommand } from '@aws-sdk/client-ecs';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { errorName, httpStatus } from './awsErrors';
import { resolveLiteral, type PseudoParameters } from './literal';
import type { TemplateResource } from './template';
import type { PreflightContext } from './types';

export type Lookup =
  | { state: 'free'; why?: string }
  | { state: 'taken'; /** as CloudFormation records it (PhysicalResourceId) */ physicalId: string; detail?: string }
  | { state: 'not-checked'; why: string };

export interface LookupInput {
  name: string;
  resource: TemplateResource;
  context: PreflightContext;
  pseudo: PseudoParameters;
}

export interface PhysicalNameType {
  type: string;
  /** The property that fixes the physical name. */
  property: string;
  /** For messages: "S3 bucket". */
  noun: string;
  /** How to look the name up; absent when preflight cannot check this type yet. */
  lookup?: (input: LookupInput) => Promise<Lookup>;
  /** The IAM actions `lookup` needs. */
  iamActions: readonly string[];
  /** The command that deletes the existing resource (`id` is its physical id), for the fix. */
  deleteCommand?: (name: string, region: string, id: string) => string;
  /** Physical names some services store in lower case (RDS). */
  caseInsensitive?: boolean;
}

/** Runs a describe call: resolves to `taken` when it answers, `free` on one of the not-found errors. */
async function describe(call: () => Promise<string | undefined>, notFound: string[], detail?: string): Promise<Lookup> {
  try {
    const physicalId = await call();
    return physicalId === undefined ? { state: 'free' } : { state: 'taken', physicalId, ...(detail ? { detail } : {}) };
  } catch (error) {
    if (notFound.includes(errorName(error))) return { state: 'free' };
    throw error;
  }
}

async function securityGroupLookup({ name, resource, context, pseudo }: LookupInput): Promise<Lookup> {
  const { ec2 } = context.clients;
  const vpcProp = resource.properties.VpcId;
  let vpcId: string;
  if (vpcProp === undefined) {
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    const defaultVpc = vpcs.Vpcs?.[0]?.VpcId;
    if (defaultVpc === undefined) return { state: 'not-checked', why: 'no VpcId and no default VPC in the region' };
    vpcId = defaultVpc;
  } else {
    const ref = typeof vpcProp === 'object' && vpcProp !== null && 'Ref' in vpcProp ? String((vpcProp as { Ref: unknown }).Ref) : undefined;
    if (ref !== undefined && context.template?.resources.some((r) => r.logicalId === ref && r.type === 'AWS::EC2::VPC')) {
      return { state: 'free', why: `in VPC ${ref}, which this template creates` };
    }
    const resolved = resolveLiteral(vpcProp, pseudo);
    if (!resolved.known) return { state: 'not-checked', why: `its VpcId is ${resolved.why}, known only at deploy time` };
    vpcId = resolved.value;
  }
  const out = await ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }, { Name: 'vpc-id', Values: [vpcId] }] }),
  );
  const group = out.SecurityGroups?.[0];
  return group ? { state: 'taken', physicalId: group.GroupId ?? name, detail: `${group.GroupId} in ${vpcId}` } : { state: 'free' };
}

export const PHYSICAL_NAME_TYPES: readonly PhysicalNameType[] = [
  {
    type: 'AWS::S3::Bucket',
    property: 'BucketName',
    noun: 'S3 bucket',
    iamActions: ['s3:ListBucket'],
    // Bucket names are global: 403 means it exists in another account (or we may not read ours).
    async lookup({ name, context }) {
      try {
        const out = await context.clients.s3.send(new HeadBucketCommand({ Bucket: name }));
        return { state: 'taken', physicalId: name, detail: `in ${out.BucketRegion ?? 'this account'}` };
      } catch (error) {
        const status = httpStatus(error);
        if (status === 404 || errorName(error) === 'NotFound' || errorName(error) === 'NoSuchBucket') return { state: 'free' };
        if (status === 403) return { state: 'taken', physicalId: name, detail: 'bucket names are global: it belongs to another account, or these credentials may not read it' };
        throw error;
      }
    },
    deleteCommand: (name, region) => `aws s3 rb s3://${name} --region ${region}`,
  },
  {
    type: 'AWS::RDS::DBSubnetGroup',
    property: 'DBSubnetGroupName',
    noun: 'DB subnet group',
    iamActions: ['rds:DescribeDBSubnetGroups'],
    caseInsensitive: true,
    lookup: ({ name, context }) =>
      describe(async () => {
        const g = (await context.clients.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name.toLowerCase() }))).DBSubnetGroups?.[0];
        return g?.DBSubnetGroupName;
      }, ['DBSubnetGroupNotFoundFault']),
    deleteCommand: (name, region) => `aws rds delete-db-subnet-group --db-subnet-group-name ${name.toLowerCase()} --region ${region}`,
  },
  {
    type: 'AWS::RDS::DBInstance',
    property: 'DBInstanceIdentifier',
    noun: 'DB instance',
    iamActions: ['rds:DescribeDBInstances'],
    caseInsensitive: true,
    lookup: ({ name, context }) =>
      describe(async () => {
        const db = (await context.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name.toLowerCase() }))).DBInstances?.[0];
        return db?.DBInstanceIdentifier;
      }, ['DBInstanceNotFoundFault', 'DBInstanceNotFound']),
    deleteCommand: (name, region) => `aws rds delete-db-instance --db-instance-identifier ${name.toLowerCase()} --final-db-snapshot-identifier ${name.toLowerCase()}-final --region ${region}`,
  },
  {
    type: 'AWS::RDS::DBCluster',
    property: 'DBClusterIdentifier',
    noun: 'DB cluster',
    iamActions: ['rds:DescribeDBClusters'],
    caseInsensitive: true,
    lookup: ({ name, context }) =>
      describe(async () => {
        const c = (await context.clients.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: name.toLowerCase() }))).DBClusters?.[0];
        return c?.DBClusterIdentifier;
      }, ['DBClusterNotFoundFault']),
  },
  {
    type: 'AWS::EC2::SecurityGroup',
    property: 'GroupName',
    noun: 'security group',
    iamActions: ['ec2:DescribeSecurityGroups', 'ec2:DescribeVpcs'],
    lookup: securityGroupLookup,
    deleteCommand: (_name, region, groupId) => `aws ec2 delete-security-group --group-id ${groupId} --region ${region}`,
  },
  {
    type: 'AWS::DynamoDB::Table',
    property: 'TableName',
    noun: 'DynamoDB table',
    iamActions: ['dynamodb:DescribeTable'],
    lookup: ({ name, context }) =>
      describe(async () => (await context.clients.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table?.TableName, ['ResourceNotFoundException']),
    deleteCommand: (name, region) => `aws dynamodb delete-table --table-name ${name} --region ${region}`,
  },
  {
    type: 'AWS::Logs::LogGroup',
    property: 'LogGroupName',
    noun: 'log group',
    iamActions: ['logs:DescribeLogGroups'],
    async lookup({ name, context }) {
      const logs = await context.clients.logs();
      const { DescribeLogGroupsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
      const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 50 }));
      return out.logGroups?.some((g) => g.logGroupName === name) ? { state: 'taken', physicalId: name } : { state: 'free' };
    },
    deleteCommand: (name, region) => `aws logs delete-log-group --log-group-name ${name} --region ${region}`,
  },
  {
    type: 'AWS::ECS::Cluster',
    property: 'ClusterName',
    noun: 'ECS cluster',
    iamActions: ['ecs:DescribeClusters'],
    // An INACTIVE (deleted) cluster's name can be used again.
    lookup: ({ name, context }) =>
      describe(async () => {
        const out = await context.clients.ecs.send(new DescribeClustersCommand({ clusters: [name] }));
        return out.clusters?.find((c) => c.status !== 'INACTIVE')?.clusterName;
      }, []),
    deleteCommand: (name, region) => `aws ecs delete-cluster --cluster ${name} --region ${region}`,
  },
  {
    type: 'AWS::IAM::Role',
    property: 'RoleName',
    noun: 'IAM role',
    iamActions: ['iam:GetRole'],
    lookup: ({ name, context }) =>
      describe(async () => (await context.clients.iam.send(new GetRoleCommand({ RoleName: name }))).Role?.RoleName, ['NoSuchEntityException', 'NoSuchEntity']),
    deleteCommand: (name) => `aws iam delete-role --role-name ${name} (after detaching its policies and removing it from instance profiles)`,
  },
  {
    type: 'AWS::SNS::Topic',
    property: 'TopicName',
    noun: 'SNS topic',
    iamActions: ['sns:GetTopicAttributes'],
    lookup: ({ name, context, pseudo }) => {
      const arn = `arn:${pseudo.partition}:sns:${context.region}:${pseudo.accountId}:${name}`;
      return describe(async () => ((await context.clients.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes ? arn : undefined), ['NotFoundException', 'NotFound']);
    },
    deleteCommand: (_name, region, arn) => `aws sns delete-topic --topic-arn ${arn} --region ${region}`,
  },
  {
    type: 'AWS::ECR::Repository',
    property: 'RepositoryName',
    noun: 'ECR repository',
    iamActions: ['ecr:DescribeRepositories'],
    lookup: ({ name, context }) =>
      describe(
        async () => (await context.clients.ecr(context.region).send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).repositories?.[0]?.repositoryName,
        ['RepositoryNotFoundException'],
      ),
    deleteCommand: (name, region) => `aws ecr delete-repository --repository-name ${name} --region ${region} (add --force only after checking its images: it deletes them)`,
  },
  {
    type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    property: 'Name',
    noun: 'load balancer',
    iamActions: ['elasticloadbalancing:DescribeLoadBalancers'],
    lookup: ({ name, context }) =>
      describe(
        async () => (await context.clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers?.[0]?.LoadBalancerArn,
        ['LoadBalancerNotFoundException', 'LoadBalancerNotFound'],
      ),
    deleteCommand: (_name, region, arn) => `aws elbv2 delete-load-balancer --load-balancer-arn ${arn} --region ${region}`,
  },
  {
    type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
    property: 'Name',
    noun: 'target group',
    iamActions: ['elasticloadbalancing:DescribeTargetGroups'],
    lookup: ({ name, context }) =>
      describe(
        async () => (await context.clients.elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] }))).TargetGroups?.[0]?.TargetGroupArn,
        ['TargetGroupNotFoundException', 'TargetGroupNotFound'],
      ),
    deleteCommand: (_name, region, arn) => `aws elbv2 delete-target-group --target-group-arn ${arn} --region ${region}`,
  },
  // Named, but not looked up yet: preflight says so instead of passing them silently.
  { type: 'AWS::Lambda::Function', property: 'FunctionName', noun: 'Lambda function', iamActions: [] },
  { type: 'AWS::SQS::Queue', property: 'QueueName', noun: 'SQS queue', iamActions: [] },
  { type: 'AWS::SecretsManager::Secret', property: 'Name', noun: 'secret', iamActions: [] },
  { type: 'AWS::SSM::Parameter', property: 'Name', noun: 'SSM parameter', iamActions: [] },
  { type: 'AWS::StepFunctions::StateMachine', property: 'StateMachineName', noun: 'state machine', iamActions: [] },
  { type: 'AWS::Events::Rule', property: 'Name', noun: 'EventBridge rule', iamActions: [] },
  { type: 'AWS::KMS::Alias', property: 'AliasName', noun: 'KMS alias', iamActions: [] },
  { type: 'AWS::IAM::ManagedPolicy', property: 'ManagedPolicyName', noun: 'IAM managed policy', iamActions: [] },
  { type: 'AWS::IAM::InstanceProfile', property: 'InstanceProfileName', noun: 'instance profile', iamActions: [] },
  { type: 'AWS::CloudWatch::Alarm', property: 'AlarmName', noun: 'alarm', iamActions: [] },
];

export function physicalNameType(type: string): PhysicalNameType | undefined {
  return PHYSICAL_NAME_TYPES.find((t) => t.type === type);
}
