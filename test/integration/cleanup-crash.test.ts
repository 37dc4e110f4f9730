/**
 * Every action is idempotent: a stack cleanup that crashes half-way (the Lambda dies between
 * its first and second ENI delete) and is run again converges to exactly the end state of an
 * uninterrupted run. EC2 is moto's, for real; the stack's delete is answered by the
 * CloudFormation simulator over that real EC2 state (moto cannot fail a stack delete).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, inject, it } from 'vitest';
import { CloudFormationSimulator } from '../../cli/local/cloudFormationSimulator';
import { LOCAL_ACCOUNT, LOCAL_REGION, localClientConfig, localClients } from '../../cli/local/localAws';
import { cfnCleanupDelete } from '../../shared/actions/cfnCleanupDelete';
import type { ActionClients } from '../../shared/actions/types';
import type { CfnCleanupDeletePlan } from '../../shared/planning/plan';

/** A stack whose security group is held by two detached ENIs a deleted Lambda left behind. */
async function stackHeldByTwoOrphanEnis(name: string) {
  const aws = localClients(inject('motoEndpoint'));
  const stackName = `crash-${name}`;
  const stackId = `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${stackName}/5f1c9a40-2b7e-11f0-9a3b-0e5c7d2a4b61`;
  const vpc = await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }));
  const subnet = await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.30.1.0/24', AvailabilityZone: `${LOCAL_REGION}a` }));
  const sg = await aws.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${stackName}-DatabaseSecurityGroup`,
      Description: 'db',
      VpcId: vpc.Vpc!.VpcId!,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'aws:cloudformation:stack-id', Value: stackId }] }],
    }),
  );
  const enis = [];
  for (const i of [1, 2]) {
    const eni = await aws.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.Subnet!.SubnetId!, Groups: [sg.GroupId!], Description: `AWS Lambda VPC ENI-rotation-${i}` }));
    enis.push(eni.NetworkInterface!.NetworkInterfaceId!);
  }
  const simulator = new CloudFormationSimulator(aws.ec2, aws.rds);
  await simulator.addStack({
    stackId,
    stackName,
    tags: [{ Key: 'deploy-medic:enabled', Value: 'true' }],
    resources: [{ logicalId: 'DatabaseSecurityGroup', type: 'AWS::EC2::SecurityGroup', physicalId: sg.GroupId! }],
  });
  const cloudformation = simulator.attach(new CloudFormationClient(localClientConfig(inject('motoEndpoint'))));
  const plan: CfnCleanupDeletePlan = {
    action: 'cfn-cleanup-delete',
    stackId,
    stackName,
    reason: 'free what blocks DatabaseSecurityGroup, then delete again',
    preview: { steps: [], unresolvable: [] },
  };
  /** What is left: the stack's status, the ENIs still there, the group still there. */
  const endState = async () => {
    const stack = await cloudformation.send(new DescribeStacksCommand({ StackName: stackId }));
    const left = await aws.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [sg.GroupId!] }] }));
    const groups = await aws.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [sg.GroupId!] }] }));
    return { stackStatus: stack.Stacks?.[0]?.StackStatus, enisLeft: (left.NetworkInterfaces ?? []).length, securityGroupLeft: (groups.SecurityGroups ?? []).length };
  };
  const clients = (ec2: EC2Client): ActionClients => ({ ...aws, cloudformation, ec2 });
  return { aws, plan, enis, endState, clients };
}

/** An EC2 client whose Lambda "dies" right after its first ENI delete went through. */
function crashesAfterFirstDelete(): EC2Client {
  const ec2 = new EC2Client(localClientConfig(inject('motoEndpoint')));
  let deletes = 0;
  ec2.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'DeleteNetworkInterfaceCommand' && ++deletes === 2) throw Object.assign(new Error('Task timed out after 50.00 seconds'), { name: 'Sandbox.Timedout' });
      return next(args);
    },
    { step: 'initialize', name: 'crashAfterFirstDelete' },
  );
  return ec2;
}

describe('Action: cfn-cleanup-delete, crashed half-way and run again', () => {
  it('converges to the same end state as an uninterrupted run', async () => {
    const id = Math.random().toString(36).slice(2, 8);
    const context = { incidentKey: 'cfn:crash-test', mode: 'auto' as const };

    const straight = await stackHeldByTwoOrphanEnis(`straight-${id}`);
    const straightOutcome = await cfnCleanupDelete.apply(straight.plan, straight.clients(straight.aws.ec2), context);
    expect(straightOutcome.steps.filter((s) => s.startsWith('deleted ENI'))).toHaveLength(2);
    const expected = await straight.endState();
    expect(expected).toEqual({ stackStatus: 'DELETE_COMPLETE', enisLeft: 0, securityGroupLeft: 0 });

    const crashed = await stackHeldByTwoOrphanEnis(`crashed-${id}`);
    await expect(cfnCleanupDelete.apply(crashed.plan, crashed.clients(crashesAfterFirstDelete()), context)).rejects.toThrow('Task timed out');
    // Half-done: one ENI gone, one left, the stack still DELETE_FAILED.
    expect(await crashed.endState()).toEqual({ stackStatus: 'DELETE_FAILED', enisLeft: 1, securityGroupLeft: 1 });

    const rerun = await cfnCleanupDelete.apply(crashed.plan, crashed.clients(crashed.aws.ec2), context);
    expect(rerun.steps.filter((s) => s.startsWith('deleted ENI'))).toEqual([expect.stringContaining(crashed.enis[1]!)]);
    expect(await crashed.endState()).toEqual(expected);
  });
});
