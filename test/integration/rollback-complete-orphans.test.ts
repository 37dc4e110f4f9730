/**
 * ROLLBACK_COMPLETE on taken names, end to end through the real Remediation ASL and the real
 * handlers: the create of `orders-...` failed because the security group and the DB subnet
 * group it names already exist - left by an earlier stack of the same name, long gone. The
 * orphans live in moto_server (real EC2/RDS wire calls, real tags, real deletes); only the
 * failed stack's own calls are answered here, because moto has no ROLLBACK_COMPLETE. The dead
 * stack's id goes to moto for real, which no longer knows it.
 */
import { randomUUID } from 'node:crypto';
import type { CloudFormationClient, StackEvent } from '@aws-sdk/client-cloudformation';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { CreateDBSubnetGroupCommand, DescribeDBSubnetGroupsCommand } from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { localClients } from '../../cli/local/localAws';
import { loadStateMachine, runStateMachine } from '../../cli/local/localStateMachine';
import { makeCheckDeploymentHandler } from '../../functions/checkDeployment/handler';
import { makeDetectDriftHandler } from '../../functions/detectDrift/handler';
import { makeDiagnoseHandler } from '../../functions/diagnose/handler';
import { makeNotifyHandler } from '../../functions/notify/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig, type Mode } from '../../shared/config';
import { diagnose } from '../../shared/diagnosis/diagnose';
import { parseEvent } from '../../shared/events/parseEvent';
import { incidentFromStackEvent } from '../../shared/incident';
import type { RemediationInput } from '../../shared/runState';
import { fixture } from '../support/fixtures';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { RemediationLedger } from '../../shared/ledger/guards';

const ACCOUNT = '123456789012'; // moto's
const REGION = 'us-east-1';
const snsMock = mockClient(SNSClient);
beforeEach(() => snsMock.on(PublishCommand).resolves({ MessageId: 'm' }));
afterEach(() => snsMock.reset());

/** What CloudFormation puts on every resource it creates. */
const cfnTags = (stackName: string, stackId: string, logicalId: string): Tag[] => [
  { Key: 'aws:cloudformation:stack-name', Value: stackName },
  { Key: 'aws:cloudformation:stack-id', Value: stackId },
  { Key: 'aws:cloudformation:logical-id', Value: logicalId },
];

/** The failed create's events, newest first, as DescribeStackEvents returns them (wording: EC2's InvalidGroup.Duplicate, the RDS handler's AlreadyExists). */
function createFailedEvents(stackName: string, stackId: string, groupName: string, subnetGroupName: string): StackEvent[] {
  const at = (s: number) => new Date(Date.UTC(2025, 2, 17, 10, 15, s));
  const event = (logicalId: string, type: string, status: string, s: number, reason?: string, physicalId = ''): StackEvent => ({
    StackId: stackId,
    EventId: `${logicalId}-${status}-${s}`,
    StackName: stackName,
    LogicalResourceId: logicalId,
    PhysicalResourceId: physicalId,
    ResourceType: type,
    Timestamp: at(s),
    ResourceStatus: status as StackEvent['ResourceStatus'],
    ...(reason ? { ResourceStatusReason: reason } : {}),
  });
  const own = (status: string, s: number, reason?: string) => event(stackName, 'AWS::CloudFormation::Stack', status, s, reason, stackId);
  return [
    own('ROLLBACK_COMPLETE', 40),
    event('DatabaseSubnetGroup', 'AWS::RDS::DBSubnetGroup', 'DELETE_COMPLETE', 38),
    event('DatabaseSecurityGroup', 'AWS::EC2::SecurityGroup', 'DELETE_COMPLETE', 37),
    own('ROLLBACK_IN_PROGRESS', 30, 'The following resource(s) failed to create: [DatabaseSubnetGroup, DatabaseSecurityGroup]. Rollback requested by user.'),
    event(
      'DatabaseSubnetGroup',
      'AWS::RDS::DBSubnetGroup',
      'CREATE_FAILED',
      12,
      `Resource handler returned message: "Resource of type 'AWS::RDS::DBSubnetGroup' with identifier '${subnetGroupName}' already exists." (RequestToken: 5a3c2e1f-7b6d-4c0a-9e8f-1d2c3b4a5f60, HandlerErrorCode: AlreadyExists)`,
    ),
    event(
      'DatabaseSecurityGroup',
      'AWS::EC2::SecurityGroup',
      'CREATE_FAILED',
      11,
      `Resource handler returned message: "The security group '${groupName}' already exists for VPC 'vpc-0a1b2c3d4e5f60718' (Service: Ec2, Status Code: 400, Request ID: 0c7d1f2e-3a4b-4c5d-8e9f-a0b1c2d3e4f5)" (RequestToken: 9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a, HandlerErrorCode: AlreadyExists)`,
    ),
    event('DatabaseSubnetGroup', 'AWS::RDS::DBSubnetGroup', 'CREATE_IN_PROGRESS', 10),
    event('DatabaseSecurityGroup', 'AWS::EC2::SecurityGroup', 'CREATE_IN_PROGRESS', 10),
    own('CREATE_IN_PROGRESS', 5, 'User Initiated'),
  ];
}

/**
 * Answers the failed stack's own calls (moto cannot be in ROLLBACK_COMPLETE); every other
 * CloudFormation call - the dead stack's id, the live owner's - goes to moto.
 */
function answerFailedStack(cloudformation: CloudFormationClient, stackId: string, events: StackEvent[]) {
  let status = 'ROLLBACK_COMPLETE';
  const deletes: unknown[] = [];
  cloudformation.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { StackName?: string };
      if (input.StackName !== stackId) return next(args);
      const meta = { $metadata: { httpStatusCode: 200 } };
      const stackName = stackId.split('/')[1];
      switch (context.commandName) {
        case 'DescribeStacksCommand':
          return { output: { ...meta, Stacks: [{ StackId: stackId, StackName: stackName, StackStatus: status, CreationTime: new Date(), Tags: [{ Key: 'deploy-medic:enabled', Value: 'true' }] }] }, response: {} } as never;
        case 'DescribeStackResourcesCommand':
          return { output: { ...meta, StackResources: [] }, response: {} } as never;
        case 'DescribeStackEventsCommand':
          return { output: { ...meta, StackEvents: events }, response: {} } as never;
        case 'DeleteStackCommand':
          deletes.push(args.input);
          status = 'DELETE_COMPLETE';
          return { output: meta, response: {} } as never;
        default:
          throw new Error(`the test does not answer ${context.commandName} for the failed stack`);
      }
    },
    { step: 'initialize', name: 'answerFailedStack', priority: 'high' },
  );
  return { deletes };
}

interface Seed {
  ownerStackId: string;
  /** An ENI in the orphaned group: it is in use, so not proven orphaned. */
  withEni?: boolean;
}

async function scenario(mode: Mode, seed: (aws: ReturnType<typeof localClients>, name: string) => Promise<Seed>) {
  const aws = localClients(inject('motoEndpoint'));
  const stackName = `orders-${randomUUID().slice(0, 8)}`;
  const stackId = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/${randomUUID()}`;
  const groupName = `${stackName}-db`;
  const subnetGroupName = `${stackName}-db-subnets`;
  const { ownerStackId, withEni } = await seed(aws, stackName);

  const vpc = (await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
  const subnets = await Promise.all(
    ['a', 'b'].map(async (az, i) => (await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.20.${i}.0/24`, AvailabilityZone: `${REGION}${az}` }))).Subnet!.SubnetId!),
  );
  const group = (
    await aws.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: groupName,
        Description: 'orders database',
        VpcId: vpc,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: cfnTags(stackName, ownerStackId, 'DatabaseSecurityGroup') }],
      }),
    )
  ).GroupId!;
  if (withEni) await aws.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnets[0], Groups: [group], Description: 'AWS Lambda VPC ENI-orders-migrate' }));
  await aws.rds.send(
    new CreateDBSubnetGroupCommand({ DBSubnetGroupName: subnetGroupName, DBSubnetGroupDescription: 'orders', SubnetIds: subnets, Tags: cfnTags(stackName, ownerStackId, 'DatabaseSubnetGroup') }),
  );

  const { deletes } = answerFailedStack(aws.cloudformation, stackId, createFailedEvents(stackName, stackId, groupName, subnetGroupName));
  const config = () => loadConfig({ STAGE: 'test', MEDIC_MODE: mode });
  // The ledger on moto: Remediate checks the caps there before it writes.
  const ledger = new RemediationLedger(aws.dynamodb, await createLedgerTable(aws.dynamodb, `orphans-${Math.random().toString(36).slice(2, 10)}`));
  const handlers = {
    diagnose: makeDiagnoseHandler({ ...aws, ledger: {} as never, config }),
    remediate: makeRemediateHandler({ ...aws, ledger, config }),
    checkDeployment: makeCheckDeploymentHandler(aws),
    detectDrift: makeDetectDriftHandler(aws),
    notify: makeNotifyHandler({ sns: new SNSClient({ region: REGION }), topicArn: () => `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`, config }),
  };

  const raw = fixture<{ resources: string[]; detail: Record<string, unknown>; account: string }>('events/cfn-stack-rollback-complete.json');
  raw.resources = [stackId];
  raw.account = ACCOUNT;
  raw.detail['stack-id'] = stackId;
  const parsed = parseEvent(raw);
  if (parsed.kind !== 'cfn-stack-status-change') throw new Error('not a stack event');
  const incident = incidentFromStackEvent(parsed.event)!;
  const input: RemediationInput = { incident, event: raw, mode, triage: { ...diagnose(parsed, { config: config() }), incidentKey: incident.key } };

  const run = await runStateMachine(loadStateMachine('statemachines/remediation.asl.yaml'), input, { handlers });
  const groupLeft = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [group] }] }))).SecurityGroups?.length ?? 0;
  const subnetGroupLeft = await aws.rds
    .send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: subnetGroupName }))
    .then(() => true)
    .catch((error: Error) => (error.name === 'DBSubnetGroupNotFoundFault' ? false : Promise.reject(error)));
  return { run, group, groupName, subnetGroupName, deletes, groupExists: groupLeft > 0, subnetGroupExists: subnetGroupLeft, stackName };
}

/** The earlier stack of the same name: deleted so long ago CloudFormation no longer knows its id. */
const deadStack = async (_aws: unknown, name: string): Promise<Seed> => ({ ownerStackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/0e7d6c5b-0a1b-11f0-8a2b-06c1f4e5d3a1` });

describe('End to end: ROLLBACK_COMPLETE on names an earlier stack left taken', () => {
  it('deletes the proven orphans, then the dead stack, so the next create does not clash again', async () => {
    const result = await scenario('auto', deadStack);

    expect(result.run.status).toBe('SUCCEEDED');
    const output = result.run.output as { outcome: string; diagnosis: { category: string; plan: { action: string; clearOrphans?: unknown[] } }; remediation: { steps: string[] } };
    expect(output.outcome).toBe('resolved');
    expect(output.diagnosis.category).toBe('ALREADY_EXISTS');
    expect(output.diagnosis.plan.action).toBe('cfn-delete-stack');
    expect(output.diagnosis.plan.clearOrphans).toHaveLength(2);
    expect(result).toMatchObject({ groupExists: false, subnetGroupExists: false });
    expect(result.deletes).toHaveLength(1);
    expect(output.remediation.steps).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^deleted orphaned AWS::EC2::SecurityGroup ${result.group} \\(created as DatabaseSecurityGroup by arn:aws:cloudformation:.*:stack/${result.stackName}/0e7d6c5b-`)),
        expect.stringMatching(new RegExp(`^deleted orphaned AWS::RDS::DBSubnetGroup ${result.subnetGroupName} \\(created as DatabaseSubnetGroup`)),
        `deleted stack ${result.stackName} (was ROLLBACK_COMPLETE)`,
      ]),
    );
  });

  it('never deletes what a live stack still owns: the clash is reported with the command, the dead stack deleted', async () => {
    const result = await scenario('auto', async (aws, name) => {
      // A live stack whose tags the resources carry (someone re-used the name elsewhere): moto knows it, CREATE_COMPLETE.
      const live = await aws.cloudformation.send(
        new CreateStackCommand({ StackName: `${name}-live`, TemplateBody: JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }) }),
      );
      return { ownerStackId: live.StackId! };
    });

    expect(result.run.output).toMatchObject({ outcome: 'resolved', diagnosis: { plan: { action: 'cfn-delete-stack' } } });
    expect(result).toMatchObject({ groupExists: true, subnetGroupExists: true });
    const steps = (result.run.output as { remediation: { steps: string[] } }).remediation.steps;
    expect(steps).toContainEqual(expect.stringMatching(new RegExp(`^skipped: DatabaseSecurityGroup \\(AWS::EC2::SecurityGroup "${result.groupName}"\\) clashes with ${result.group}, not proven orphaned \\(its stack .* is CREATE_COMPLETE, not gone\\): aws ec2 delete-security-group --group-id ${result.group} once it is safe`)));
  });

  it('a group still in use (an ENI in it) is left and said; the subnet group, proven, goes', async () => {
    const result = await scenario('auto', async (aws, name) => ({ ...(await deadStack(aws, name)), withEni: true }));
    expect(result).toMatchObject({ groupExists: true, subnetGroupExists: false });
    const steps = (result.run.output as { remediation: { steps: string[] } }).remediation.steps;
    expect(steps).toContainEqual(expect.stringContaining('not proven orphaned (it is still used by 1 network interface)'));
  });

  it('observe mode: the orphans and the delete are planned and reported, nothing is deleted', async () => {
    const result = await scenario('observe', deadStack);
    expect(result.run.output).toMatchObject({ outcome: 'observed', remediation: { dryRun: true } });
    expect(result).toMatchObject({ groupExists: true, subnetGroupExists: true });
    expect(result.deletes).toHaveLength(0);
    const steps = (result.run.output as { remediation: { steps: string[] } }).remediation.steps;
    expect(steps[0]).toMatch(/^would delete orphaned AWS::EC2::SecurityGroup|^would delete orphaned AWS::RDS::DBSubnetGroup/);
  });
});
