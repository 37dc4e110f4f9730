import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand, type DescribeStacksCommandOutput } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { stackStateCheck } from '../../shared/preflight/checks/stackState';
import { createPreflightClients } from '../../shared/preflight/clients';
import { createPreflightContext } from '../../shared/preflight/context';
import { fixture } from '../support/fixtures';

const cfn = mockClient(CloudFormationClient);
afterEach(() => cfn.reset());

const context = () => createPreflightContext({ stackName: 'orders-prod', region: 'eu-west-1', clients: createPreflightClients({ region: 'eu-west-1' }) });
const args = '--stack-name orders-prod --region eu-west-1';
const stackIn = (StackStatus: string, StackStatusReason?: string): DescribeStacksCommandOutput => {
  const out = fixture<DescribeStacksCommandOutput>('api/preflight-describe-stacks-update-rollback-failed.json');
  out.Stacks![0]!.StackStatus = StackStatus as never;
  out.Stacks![0]!.StackStatusReason = StackStatusReason;
  return out;
};
// CloudFormation answers DescribeStacks for a missing stack with a 400 ValidationError.
const missing = Object.assign(new Error('Stack with id orders-prod does not exist'), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } });

describe('Check: stack-state', () => {
  it('a stack that does not exist yet: the deploy creates it', async () => {
    cfn.on(DescribeStacksCommand).rejects(missing);
    expect(await stackStateCheck.run(context())).toEqual([
      { id: 'stack-state.new', severity: 'info', resource: 'orders-prod', message: 'stack orders-prod does not exist in eu-west-1: the deploy creates it', fix: '' },
    ]);
    expect(cfn).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'orders-prod' });
  });

  it.each(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE'])('%s: a deploy can start', async (status) => {
    cfn.on(DescribeStacksCommand).resolves(stackIn(status));
    const [finding] = await stackStateCheck.run(context());
    expect(finding).toEqual({ id: 'stack-state.ready', severity: 'info', resource: 'orders-prod', message: `stack orders-prod is ${status}: a deploy can start`, fix: '' });
  });

  it('ROLLBACK_COMPLETE blocks: the stack must be deleted first, and the fix says how', async () => {
    cfn.on(DescribeStacksCommand).resolves(stackIn('ROLLBACK_COMPLETE', 'The following resource(s) failed to create: [AssetsBucket]. Rollback requested by user.'));
    expect(await stackStateCheck.run(context())).toEqual([
      {
        id: 'stack-state.rollback-complete',
        severity: 'blocking',
        resource: 'orders-prod',
        message:
          'stack orders-prod is ROLLBACK_COMPLETE (The following resource(s) failed to create: [AssetsBucket]. Rollback requested by user.): the first create of this stack failed and was rolled back: a stack in ROLLBACK_COMPLETE cannot be updated, only deleted',
        fix: `aws cloudformation delete-stack ${args} && aws cloudformation wait stack-delete-complete ${args}, then deploy again`,
      },
    ]);
  });

  it('UPDATE_ROLLBACK_FAILED blocks: continue the rollback, naming the resources that could be skipped', async () => {
    cfn.on(DescribeStacksCommand).resolves(fixture('api/preflight-describe-stacks-update-rollback-failed.json'));
    cfn.on(ListStackResourcesCommand).resolves(fixture('api/preflight-list-stack-resources-update-rollback-failed.json'));
    expect(await stackStateCheck.run(context())).toEqual([
      {
        id: 'stack-state.update-rollback-failed',
        severity: 'blocking',
        resource: 'orders-prod',
        message:
          'stack orders-prod is UPDATE_ROLLBACK_FAILED (The following resource(s) failed to update: [ApiService].): an update failed and so did its rollback: nothing can be deployed until the rollback is continued; failed resources: ApiService',
        fix: `aws cloudformation continue-update-rollback ${args} (if a resource cannot be rolled back, after fixing or checking it by hand: --resources-to-skip ApiService)`,
      },
    ]);
    expect(cfn).toHaveReceivedCommandWith(ListStackResourcesCommand, { StackName: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/orders-prod/5b1c7e40-1a2b-11f0-9c3d-0a8f2b7c1e55' });
  });

  it('DELETE_FAILED blocks: clear what blocks the failed resources, or delete retaining them', async () => {
    cfn.on(DescribeStacksCommand).resolves(stackIn('DELETE_FAILED'));
    cfn.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        { LogicalResourceId: 'AppSecurityGroup', ResourceType: 'AWS::EC2::SecurityGroup', ResourceStatus: 'DELETE_FAILED', LastUpdatedTimestamp: new Date() },
        { LogicalResourceId: 'AssetsBucket', ResourceType: 'AWS::S3::Bucket', ResourceStatus: 'DELETE_FAILED', LastUpdatedTimestamp: new Date() },
        { LogicalResourceId: 'Cluster', ResourceType: 'AWS::ECS::Cluster', ResourceStatus: 'DELETE_COMPLETE', LastUpdatedTimestamp: new Date() },
      ],
    });
    const [finding] = await stackStateCheck.run(context());
    expect(finding).toMatchObject({ id: 'stack-state.delete-failed', severity: 'blocking' });
    expect(finding!.message).toBe('stack orders-prod is DELETE_FAILED: a delete of this stack failed: it cannot be updated, only deleted again; failed resources: AppSecurityGroup, AssetsBucket');
    expect(finding!.fix).toBe(
      `remove what blocks the deletion of AppSecurityGroup, AssetsBucket (see orphans: often an ENI still in use or a non-empty bucket) and run aws cloudformation delete-stack ${args} && aws cloudformation wait stack-delete-complete ${args}; ` +
        `or keep them and delete the rest: aws cloudformation delete-stack ${args} --retain-resources AppSecurityGroup AssetsBucket`,
    );
  });

  it.each([
    ['UPDATE_IN_PROGRESS', `aws cloudformation wait stack-update-complete ${args}, then run medic preflight again; if it is stuck (an ECS service that never stabilizes): aws cloudformation cancel-update-stack ${args}`],
    ['CREATE_IN_PROGRESS', `aws cloudformation wait stack-create-complete ${args}, then run medic preflight again`],
    ['DELETE_IN_PROGRESS', `aws cloudformation wait stack-delete-complete ${args}, then run medic preflight again`],
    ['UPDATE_ROLLBACK_IN_PROGRESS', `wait until it finishes (aws cloudformation describe-stacks ${args} --query 'Stacks[0].StackStatus'), then run medic preflight again`],
    ['ROLLBACK_IN_PROGRESS', `wait until it finishes (aws cloudformation describe-stacks ${args} --query 'Stacks[0].StackStatus'), then run medic preflight again`],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', `aws cloudformation wait stack-update-complete ${args}, then run medic preflight again`],
  ])('%s blocks until the operation ends, and does not list resources', async (status, fix) => {
    cfn.on(DescribeStacksCommand).resolves(stackIn(status));
    const [finding] = await stackStateCheck.run(context());
    expect(finding).toMatchObject({ id: `stack-state.${status.toLowerCase().replaceAll('_', '-')}`, severity: 'blocking', fix });
    expect(cfn).not.toHaveReceivedCommand(ListStackResourcesCommand);
  });

  it.each([
    ['CREATE_FAILED', `to start over instead: aws cloudformation delete-stack ${args} && aws cloudformation wait stack-delete-complete ${args}`],
    ['UPDATE_FAILED', `to go back to the last good state instead: aws cloudformation rollback-stack ${args}`],
    ['REVIEW_IN_PROGRESS', `to start over: aws cloudformation delete-stack ${args} && aws cloudformation wait stack-delete-complete ${args}`],
  ])('%s is a warning: a deploy can start from it', async (status, fix) => {
    cfn.on(DescribeStacksCommand).resolves(stackIn(status));
    const [finding] = await stackStateCheck.run(context());
    expect(finding).toMatchObject({ severity: 'warning', fix });
  });

  it('a failure of DescribeStacks other than "does not exist" is not a missing stack: it propagates', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await expect(stackStateCheck.run(context())).rejects.toThrow('not authorized');
  });
});
