/**
 * The IAM actions CloudFormation calls to create each resource type — the primary ones, the
 * ones a deploy role most often lacks — and the ARN of the resource when its name is known,
 * so the simulation asks about the real resource, not `*`. A type missing here is reported
 * as not simulated, never as allowed. Adding a type is one entry.
 */
import { resolveLiteral, type PseudoParameters } from './literal';
import type { Template, TemplateResource } from './template';

interface CreateSpec {
  actions: readonly string[];
  /** The ARN of the created resource when its name is known before the deploy. */
  arn?: (name: string, p: PseudoParameters) => string;
  nameProperty?: string;
  /** Properties that pass a role to the service: they need iam:PassRole on that role. */
  passRole?: readonly string[];
}

const regional = (service: string, rest: (name: string) => string) => (name: string, p: PseudoParameters) =>
  `arn:${p.partition}:${service}:${p.region}:${p.accountId}:${rest(name)}`;

export const CREATE_ACTIONS: Readonly<Record<string, CreateSpec>> = {
  'AWS::S3::Bucket': { actions: ['s3:CreateBucket'], nameProperty: 'BucketName', arn: (n, p) => `arn:${p.partition}:s3:::${n}` },
  'AWS::S3::BucketPolicy': { actions: ['s3:PutBucketPolicy'] },
  'AWS::EC2::VPC': { actions: ['ec2:CreateVpc'] },
  'AWS::EC2::Subnet': { actions: ['ec2:CreateSubnet'] },
  'AWS::EC2::SecurityGroup': { actions: ['ec2:CreateSecurityGroup'] },
  'AWS::EC2::SecurityGroupIngress': { actions: ['ec2:AuthorizeSecurityGroupIngress'] },
  'AWS::EC2::InternetGateway': { actions: ['ec2:CreateInternetGateway'] },
  'AWS::EC2::VPCGatewayAttachment': { actions: ['ec2:AttachInternetGateway'] },
  'AWS::EC2::RouteTable': { actions: ['ec2:CreateRouteTable'] },
  'AWS::EC2::Route': { actions: ['ec2:CreateRoute'] },
  'AWS::EC2::SubnetRouteTableAssociation': { actions: ['ec2:AssociateRouteTable'] },
  'AWS::EC2::EIP': { actions: ['ec2:AllocateAddress'] },
  'AWS::EC2::NatGateway': { actions: ['ec2:CreateNatGateway'] },
  'AWS::RDS::DBSubnetGroup': {
    actions: ['rds:CreateDBSubnetGroup'],
    nameProperty: 'DBSubnetGroupName',
    arn: regional('rds', (n) => `subgrp:${n.toLowerCase()}`),
  },
  'AWS::RDS::DBInstance': { actions: ['rds:CreateDBInstance'], nameProperty: 'DBInstanceIdentifier', arn: regional('rds', (n) => `db:${n.toLowerCase()}`) },
  'AWS::RDS::DBCluster': { actions: ['rds:CreateDBCluster'], nameProperty: 'DBClusterIdentifier', arn: regional('rds', (n) => `cluster:${n.toLowerCase()}`) },
  'AWS::DynamoDB::Table': { actions: ['dynamodb:CreateTable'], nameProperty: 'TableName', arn: regional('dynamodb', (n) => `table/${n}`) },
  'AWS::Logs::LogGroup': { actions: ['logs:CreateLogGroup'], nameProperty: 'LogGroupName', arn: regional('logs', (n) => `log-group:${n}`) },
  'AWS::ECS::Cluster': { actions: ['ecs:CreateCluster'], nameProperty: 'ClusterName', arn: regional('ecs', (n) => `cluster/${n}`) },
  'AWS::ECS::TaskDefinition': { actions: ['ecs:RegisterTaskDefinition'], passRole: ['ExecutionRoleArn', 'TaskRoleArn'] },
  'AWS::ECS::Service': { actions: ['ecs:CreateService'] },
  'AWS::ECR::Repository': { actions: ['ecr:CreateRepository'], nameProperty: 'RepositoryName', arn: regional('ecr', (n) => `repository/${n}`) },
  'AWS::IAM::Role': { actions: ['iam:CreateRole'], nameProperty: 'RoleName', arn: (n, p) => `arn:${p.partition}:iam::${p.accountId}:role/${n}` },
  'AWS::IAM::Policy': { actions: ['iam:PutRolePolicy'] },
  'AWS::IAM::ManagedPolicy': { actions: ['iam:CreatePolicy'] },
  'AWS::SNS::Topic': { actions: ['sns:CreateTopic'], nameProperty: 'TopicName', arn: regional('sns', (n) => n) },
  'AWS::SQS::Queue': { actions: ['sqs:CreateQueue'], nameProperty: 'QueueName', arn: regional('sqs', (n) => n) },
  'AWS::Lambda::Function': { actions: ['lambda:CreateFunction'], passRole: ['Role'] },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': { actions: ['elasticloadbalancing:CreateLoadBalancer'] },
  'AWS::ElasticLoadBalancingV2::TargetGroup': { actions: ['elasticloadbalancing:CreateTargetGroup'] },
  'AWS::ElasticLoadBalancingV2::Listener': { actions: ['elasticloadbalancing:CreateListener'] },
};

export interface NeededAction {
  action: string;
  /** The resource ARN to simulate on; `*` when the name is generated at deploy time. */
  resourceArn: string;
  /** Template logical ids that need it. */
  neededBy: string;
}

/** The ARN of a role a property passes: a literal ARN, or a role of this template. */
function passedRoleArn(value: unknown, template: Template, p: PseudoParameters): string {
  const literal = resolveLiteral(value, p);
  if (literal.known && literal.value.startsWith('arn:')) return literal.value;
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })?.['Fn::GetAtt'];
  const logicalId = Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
  const role = template.resources.find((r) => r.logicalId === logicalId && r.type === 'AWS::IAM::Role');
  if (role) {
    const name = resolveLiteral(role.properties.RoleName, p);
    // CloudFormation names an unnamed role STACK-LogicalId-RANDOM.
    return `arn:${p.partition}:iam::${p.accountId}:role/${name.known ? name.value : `${p.stackName}-${role.logicalId}-*`}`;
  }
  return '*';
}

/**
 * The actions creating the template's resources needs, and the types it knows nothing about.
 *
 * @example
 * neededActions(template, pseudo);
 * // { needed: [{ action: 's3:CreateBucket', resourceArn: 'arn:aws:s3:::acme-assets', neededBy: 'AssetsBucket' }], unmapped: ['AWS::Serverless::Function'] }
 */
export function neededActions(template: Template, p: PseudoParameters): { needed: NeededAction[]; unmapped: string[] } {
  const needed: NeededAction[] = [];
  const unmapped = new Set<string>();
  const add = (r: TemplateResource, action: string, resourceArn: string) => needed.push({ action, resourceArn, neededBy: r.logicalId });
  for (const r of template.resources) {
    const spec = CREATE_ACTIONS[r.type];
    if (spec === undefined) {
      unmapped.add(r.type);
      continue;
    }
    const name = spec.nameProperty ? resolveLiteral(r.properties[spec.nameProperty], p) : undefined;
    const arn = spec.arn && name?.known && r.properties[spec.nameProperty!] !== undefined ? spec.arn(name.value, p) : '*';
    for (const action of spec.actions) add(r, action, arn);
    for (const prop of spec.passRole ?? []) {
      if (r.properties[prop] !== undefined) add(r, 'iam:PassRole', passedRoleArn(r.properties[prop], template, p));
    }
  }
  return { needed, unmapped: [...unmapped].sort() };
}
