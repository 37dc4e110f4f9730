/**
 * The CloudFormation actions' AWS calls, with CloudFormation and EC2 answering as AWS does
 * where moto cannot: DELETE_FAILED stacks, UPDATE_ROLLBACK_FAILED, "already gone" errors.
 */
import {
  CloudFormationClient,
  ContinueUpdateRollbackCommand,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DeleteNetworkInterfaceCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runAction } from '../../shared/actions/registry';
import { RemediationError } from '../../shared/errors';
import { actionClients } from '../support/actionClients';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-db/9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93';
const KEY = 'cfn:us-east-1:111122223333:checkout-db@9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93:DELETE_FAILED';
const cfnMock = mockClient(CloudFormationClient);
const ec2Mock = mockClient(EC2Client);
const clients = actionClients();
const now = () => new Date('2025-03-18T14:10:00Z');
afterEach(() => {
  cfnMock.reset();
  ec2Mock.reset();
});

const stack = (StackStatus: string) => ({ Stacks: [{ StackId: STACK_ID, StackName: 'checkout-db', StackStatus: StackStatus as never, CreationTime: new Date() }] });
const sgResource = (status: string) => ({
  StackId: STACK_ID,
  LogicalResourceId: 'DatabaseSecurityGroup',
  PhysicalResourceId: 'sg-0db00000000000001',
  ResourceType: 'AWS::EC2::SecurityGroup',
  ResourceStatus: status as never,
  ResourceStatusReason: 'resource sg-0db00000000000001 has a dependent object (Service: AmazonEC2; Status Code: 400; Error Code: DependencyViolation; Request ID: 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b; Proxy: null)',
  Timestamp: new Date(),
});

describe('Action: cfn-cleanup-delete', () => {
  const plan = {
    action: 'cfn-cleanup-delete' as const,
    stackId: STACK_ID,
    stackName: 'checkout-db',
    reason: 'free what blocks DatabaseSecurityGroup, then delete again',
    preview: { steps: ['delete ENI eni-0a1b (blocks DatabaseSecurityGroup): detached ENI whose only security groups belong to the stack'], unresolvable: [] },
  };

  it('re-reads the blockers, deletes the proven orphan, and deletes the stack with its own request token', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(stack('DELETE_FAILED'));
    cfnMock.on(DescribeStackResourcesCommand).resolves({ StackResources: [sgResource('DELETE_FAILED')] });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0a1b2c3d4e5f60718', Status: 'available', Description: 'AWS Lambda VPC ENI-rotate', Groups: [{ GroupId: 'sg-0db00000000000001' }] }],
    });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2Mock.on(DeleteNetworkInterfaceCommand).resolves({});
    cfnMock.on(DeleteStackCommand).resolves({});

    const outcome = await runAction(plan, clients, { incidentKey: KEY, mode: 'auto', now });

    expect(ec2Mock).toHaveReceivedCommandWith(DeleteNetworkInterfaceCommand, { NetworkInterfaceId: 'eni-0a1b2c3d4e5f60718' });
    expect(cfnMock).toHaveReceivedCommandWith(DeleteStackCommand, { StackName: STACK_ID, ClientRequestToken: expect.stringMatching(/^deploy-medic-[0-9a-f]{10}-1742307000000$/) });
    expect(outcome.after).toEqual({ targetStackStatus: 'DELETE_COMPLETE', unresolvable: [], waiting: [] });
  });

  it('an ENI already gone is a blocker removed (idempotent retry)', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(stack('DELETE_FAILED'));
    cfnMock.on(DescribeStackResourcesCommand).resolves({ StackResources: [sgResource('DELETE_FAILED')] });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0a1b2c3d4e5f60718', Status: 'available', Groups: [{ GroupId: 'sg-0db00000000000001' }] }],
    });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2Mock.on(DeleteNetworkInterfaceCommand).rejects(
      Object.assign(new Error("The networkInterface ID 'eni-0a1b2c3d4e5f60718' does not exist"), { name: 'InvalidNetworkInterfaceID.NotFound', $metadata: { httpStatusCode: 400 } }),
    );
    cfnMock.on(DeleteStackCommand).resolves({});
    const outcome = await runAction(plan, clients, { incidentKey: KEY, mode: 'auto', now });
    expect(outcome.steps[0]).toBe('eni-0a1b2c3d4e5f60718 already gone (blocked DatabaseSecurityGroup)');
    expect(cfnMock).toHaveReceivedCommand(DeleteStackCommand);
  });

  it('refuses a stack that is no longer DELETE_FAILED', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(stack('DELETE_IN_PROGRESS'));
    await expect(runAction(plan, clients, { incidentKey: KEY, mode: 'auto' })).rejects.toThrowError(RemediationError);
    expect(cfnMock).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  it('observe mode previews the cleanup and calls nothing', async () => {
    const outcome = await runAction(plan, clients, { incidentKey: KEY, mode: 'observe' });
    expect(outcome.steps).toEqual([
      'would delete ENI eni-0a1b (blocks DatabaseSecurityGroup): detached ENI whose only security groups belong to the stack',
      'would delete stack checkout-db again',
    ]);
    expect(cfnMock.calls()).toHaveLength(0);
    expect(ec2Mock.calls()).toHaveLength(0);
  });
});

describe('Action: cfn-delete-stack', () => {
  it('retains exactly the resources still in DELETE_FAILED, and says so', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(stack('DELETE_FAILED'));
    cfnMock.on(DescribeStackResourcesCommand).resolves({
      StackResources: [
        sgResource('DELETE_COMPLETE'),
        { ...sgResource('DELETE_FAILED'), LogicalResourceId: 'DatabaseSubnetGroup', PhysicalResourceId: 'checkout-db-subnets', ResourceType: 'AWS::RDS::DBSubnetGroup' },
      ],
    });
    cfnMock.on(DeleteStackCommand).resolves({});
    const outcome = await runAction(
      { action: 'cfn-delete-stack', stackId: STACK_ID, stackName: 'checkout-db', retainFailed: true, reason: 'fallback' },
      clients,
      { incidentKey: KEY, mode: 'auto', now },
    );
    expect(cfnMock).toHaveReceivedCommandWith(DeleteStackCommand, { StackName: STACK_ID, RetainResources: ['DatabaseSubnetGroup'] });
    expect(outcome.steps).toEqual([
      'deleted stack checkout-db (was DELETE_FAILED)',
      'retained DatabaseSubnetGroup (AWS::RDS::DBSubnetGroup checkout-db-subnets): delete it by hand once its blocker is resolved',
    ]);
  });

  it('a stack that never got created (ROLLBACK_COMPLETE) is deleted without RetainResources', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(stack('ROLLBACK_COMPLETE'));
    cfnMock.on(DeleteStackCommand).resolves({});
    await runAction({ action: 'cfn-delete-stack', stackId: STACK_ID, stackName: 'checkout-db', retainFailed: true, reason: 'x' }, clients, { incidentKey: KEY, mode: 'auto' });
    const input = cfnMock.commandCalls(DeleteStackCommand)[0]!.args[0].input;
    expect(input.RetainResources).toBeUndefined();
  });
});

describe('Action: cfn-continue-update-rollback', () => {
  it('continues the rollback skipping only the planned resources', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(stack('UPDATE_ROLLBACK_FAILED'));
    cfnMock.on(ContinueUpdateRollbackCommand).resolves({});
    const outcome = await runAction(
      { action: 'cfn-continue-update-rollback', stackId: STACK_ID, stackName: 'checkout-db', resourcesToSkip: ['ApiFunction'], reason: 'x' },
      clients,
      { incidentKey: KEY, mode: 'auto', now },
    );
    expect(cfnMock).toHaveReceivedCommandWith(ContinueUpdateRollbackCommand, { StackName: STACK_ID, ResourcesToSkip: ['ApiFunction'] });
    expect(outcome.after).toEqual({ targetStackStatus: 'UPDATE_ROLLBACK_COMPLETE', skipped: ['ApiFunction'] });
  });

  it('refuses a stack that is not UPDATE_ROLLBACK_FAILED', async () => {
    cfnMock.on(DescribeStacksCommand).resolves(stack('UPDATE_ROLLBACK_COMPLETE'));
    await expect(
      runAction({ action: 'cfn-continue-update-rollback', stackId: STACK_ID, stackName: 'checkout-db', resourcesToSkip: [], reason: 'x' }, clients, { incidentKey: KEY, mode: 'auto' }),
    ).rejects.toThrowError('stack checkout-db is UPDATE_ROLLBACK_COMPLETE, not UPDATE_ROLLBACK_FAILED: not touching it');
  });
});
