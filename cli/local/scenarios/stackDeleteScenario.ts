/**
 * Scenario "stack-delete": the seed's own incident. Stack `checkout-db` failed to delete:
 * `DatabaseSecurityGroup` is held by a detached ENI a deleted Lambda left behind, and
 * `DatabaseSubnetGroup` by a DB instance someone created in it outside the stack.
 *
 * The ENI is the stack's own orphan (its only security group belongs to the stack): it is
 * deleted. The DB instance is a data store: it is never touched, so after a retry the stack
 * is deleted retaining `DatabaseSubnetGroup`, and the alert says what was retained and why.
 *
 * Real handlers, real ASL, EC2 and RDS in moto for real; CloudFormation's delete answered by
 * the CloudFormation simulator over moto's real EC2/RDS state.
 */
import { readFileSync } from 'node:fs';
import { CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { CreateDBInstanceCommand, CreateDBSubnetGroupCommand, DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand } from '@aws-sdk/client-rds';
import type { IngestResult } from '../../../functions/ingest/handler';
import type { Mode } from '../../../shared/config';
import type { ReceivedAlert } from '../alertInbox';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../localAws';
import { deployLocally } from '../localDeployment';
import type { EventLog, RunResult } from '../localStateMachine';
import type { RecordedEvent } from '../seedEcsService';
import { startedExecutionArn } from './scenarioKit';

export interface StackDeleteResult {
  deliveries: IngestResult[];
  executionsStarted: number;
  run: RunResult;
  alerts: ReceivedAlert[];
  apiCalls: string[];
  /** What is left in moto afterwards. */
  after: { stackStatus: string; securityGroupExists: boolean; orphanEniExists: boolean; subnetGroupExists: boolean; dbInstanceExists: boolean };
  ids: { stackId: string; securityGroupId: string; eniId: string; subnetGroup: string; dbInstance: string };
}

export async function runStackDeleteScenario(options: {
  endpoint: string;
  mode?: Mode;
  name?: string;
  /** Without the DB instance, the cleanup frees everything and the retried delete succeeds. */
  withDatabase?: boolean;
  onEvent?: (event: EventLog) => void;
  onStep?: (line: string) => void;
}): Promise<StackDeleteResult> {
  const say = options.onStep ?? (() => {});
  const name = options.name ?? 'demo-stack-delete';
  const local = await deployLocally({ endpoint: options.endpoint, mode: options.mode ?? 'auto', name });
  const { ec2, rds } = local.aws;
  const stackName = options.name ? `checkout-db-${name}` : 'checkout-db';
  const stackId = `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${stackName}/9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93`;
  const cfnTags = (logicalId: string) => [
    { Key: 'aws:cloudformation:stack-name', Value: stackName },
    { Key: 'aws:cloudformation:stack-id', Value: stackId },
    { Key: 'aws:cloudformation:logical-id', Value: logicalId },
  ];

  // 1. What the stack made, as CloudFormation makes it (tagged with the stack), in moto.
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnets = await Promise.all(
    ['a', 'b'].map((az, i) => ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.20.${i + 1}.0/24`, AvailabilityZone: `${LOCAL_REGION}${az}` }))),
  );
  const subnetIds = subnets.map((s) => s.Subnet?.SubnetId ?? '');
  const sg = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${stackName}-DatabaseSecurityGroup-1K7QHZ4V2M3XA`,
      Description: 'checkout database',
      VpcId: vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: cfnTags('DatabaseSecurityGroup') }],
    }),
  );
  const securityGroupId = sg.GroupId ?? '';
  const subnetGroup = `${stackName}-databasesubnetgroup-9wq3zt0yx2lp`;
  await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: subnetGroup, DBSubnetGroupDescription: 'checkout database', SubnetIds: subnetIds, Tags: cfnTags('DatabaseSubnetGroup') }));

  // 2. The two blockers of the seed incident.
  const eni = await ec2.send(
    new CreateNetworkInterfaceCommand({ SubnetId: subnetIds[0], Groups: [securityGroupId], Description: 'AWS Lambda VPC ENI-checkout-db-rotation-4f2a9c1e' }),
  );
  const eniId = eni.NetworkInterface?.NetworkInterfaceId ?? '';
  const dbInstance = `${stackName}-restore-test`;
  if (options.withDatabase !== false) await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: dbInstance,
      DBInstanceClass: 'db.t3.micro',
      Engine: 'postgres',
      MasterUsername: 'checkout',
      MasterUserPassword: 'not-a-real-password-1',
      AllocatedStorage: 20,
      DBSubnetGroupName: subnetGroup,
    }),
  );
  say(`seeded stack ${stackName}: ${securityGroupId} (DatabaseSecurityGroup) and ${subnetGroup} (DatabaseSubnetGroup)`);
  say(`blockers: detached ENI ${eniId} left by a deleted Lambda, in ${securityGroupId}; DB instance ${dbInstance} in ${subnetGroup} (created outside the stack)`);

  // 3. Someone deletes the stack; CloudFormation fails the delete.
  await local.cloudFormation.addStack({
    stackId,
    stackName,
    tags: [{ Key: 'deploy-medic:enabled', Value: 'true' }],
    resources: [
      { logicalId: 'DatabaseSecurityGroup', type: 'AWS::EC2::SecurityGroup', physicalId: securityGroupId },
      { logicalId: 'DatabaseSubnetGroup', type: 'AWS::RDS::DBSubnetGroup', physicalId: subnetGroup },
    ],
  });
  const recorded = JSON.parse(readFileSync('test/fixtures/events/cfn-stack-delete-failed.json', 'utf8')) as RecordedEvent & { detail: Record<string, unknown> };
  const event = {
    ...recorded,
    account: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    resources: [stackId],
    detail: { ...recorded.detail, 'stack-id': stackId },
  };
  const callsBefore = local.apiCalls.length;
  const deliveries = [await local.handlers.ingest(event), await local.handlers.ingest(event)];
  say(`DeleteStack failed -> ${deliveries.map((d) => `ingest: ${d.outcome}`).join(', ')}`);

  const run = await local.runExecution(startedExecutionArn(deliveries), options.onEvent);
  const stackNow = await local.handlers.checkDeployment({
    incident: { key: 'after', resource: { type: 'cfn-stack', region: LOCAL_REGION, account: LOCAL_ACCOUNT, stackId, stackName }, failure: { status: 'DELETE_FAILED' }, trigger: { eventId: '', detailType: '', time: '' } },
    remediation: { action: 'none', applied: false, dryRun: false, steps: [], verifyDeadline: new Date(Date.now() + 60_000).toISOString(), targetStackStatus: 'DELETE_COMPLETE' },
  });
  const [groups, enis, groupsRds, dbs] = await Promise.all([
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [securityGroupId] }] })),
    ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'network-interface-id', Values: [eniId] }] })),
    rds.send(new DescribeDBSubnetGroupsCommand({})),
    rds.send(new DescribeDBInstancesCommand({})),
  ]);
  return {
    deliveries,
    executionsStarted: (await local.executions()).length,
    run,
    alerts: await local.inbox.receive(),
    apiCalls: local.apiCalls.slice(callsBefore).map((c) => c.call),
    after: {
      stackStatus: stackNow.detail,
      securityGroupExists: (groups.SecurityGroups ?? []).length > 0,
      orphanEniExists: (enis.NetworkInterfaces ?? []).length > 0,
      subnetGroupExists: (groupsRds.DBSubnetGroups ?? []).some((g) => g.DBSubnetGroupName === subnetGroup),
      dbInstanceExists: (dbs.DBInstances ?? []).some((d) => d.DBInstanceIdentifier === dbInstance),
    },
    ids: { stackId, securityGroupId, eniId, subnetGroup, dbInstance },
  };
}
