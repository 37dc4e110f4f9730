import { CancelUpdateStackCommand, CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, type DescribeServicesCommandOutput, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runAction } from '../../shared/actions/registry';
import { RemediationError } from '../../shared/errors';
import type { EcsRedeployPlan, EcsRollbackPlan } from '../../shared/planning/plan';
import { actionClients } from '../support/actionClients';
import { fixture } from '../support/fixtures';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';
const FAILING = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
const GOOD = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6';
const now = () => new Date('2025-03-14T09:30:00Z');

const rollback: EcsRollbackPlan = {
  action: 'ecs-rollback',
  reason: 'the application crashes at start in the new revision: roll back to the last known good revision',
  cluster: 'prod',
  service: 'checkout-api',
  fromTaskDefinitionArn: FAILING,
  toTaskDefinitionArn: GOOD,
  toSource: 'last known good since 2025-03-13T18:02:11Z (SERVICE_DEPLOYMENT_COMPLETED ecs-svc/1)',
};

const servicesOn = (taskDefinition: string): DescribeServicesCommandOutput => {
  const out = fixture<DescribeServicesCommandOutput>('api/ecs-describe-services.json');
  out.services![0]!.taskDefinition = taskDefinition;
  return out;
};
const updated = (id: string) => ({ service: { deployments: [{ id, status: 'PRIMARY' }] } });

// One mock per client class for the whole file: both actions share the ECS client.
const ecsMock = mockClient(ECSClient);
const cfnMock = mockClient(CloudFormationClient);
const clients = actionClients();
afterEach(() => {
  ecsMock.reset();
  cfnMock.reset();
});

describe('Action: ecs-rollback', () => {

  it('observe mode says what it would do and calls nothing', async () => {
    const outcome = await runAction({ ...rollback, stackName: 'checkout-prod' }, clients, { incidentKey: KEY, mode: 'observe' });
    expect(outcome.steps).toEqual([
      `would cancel the update of stack checkout-prod if it is UPDATE_IN_PROGRESS (CloudFormation rolls back), else update service prod/checkout-api from ${FAILING} to ${GOOD}`,
    ]);
    expect(ecsMock.calls()).toHaveLength(0);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('updates the service to the last known good revision and names the deployment it started', async () => {
    ecsMock.on(DescribeServicesCommand).resolves(servicesOn(FAILING));
    ecsMock.on(UpdateServiceCommand).resolves(updated('ecs-svc/42'));
    const outcome = await runAction(rollback, clients, { incidentKey: KEY, mode: 'auto', now });
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { cluster: 'prod', service: 'checkout-api', taskDefinition: GOOD });
    expect(outcome).toEqual({
      action: 'ecs-rollback',
      applied: true,
      dryRun: false,
      steps: [`rolled service prod/checkout-api back from ${FAILING} to ${GOOD} (${rollback.toSource})`],
      before: { taskDefinitionArn: FAILING },
      after: { taskDefinitionArn: GOOD, deploymentId: 'ecs-svc/42' },
      appliedAt: '2025-03-14T09:30:00.000Z',
    });
  });

  it('cancels the owning stack update when CloudFormation is mid-update, and does not touch the service itself', async () => {
    ecsMock.on(DescribeServicesCommand).resolves(servicesOn(FAILING));
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'checkout-prod', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date(), Tags: [{ Key: 'deploy-medic:enabled', Value: 'true' }] }],
    });
    cfnMock.on(CancelUpdateStackCommand).resolves({});
    const outcome = await runAction({ ...rollback, stackName: 'checkout-prod' }, clients, { incidentKey: KEY, mode: 'auto', now });
    expect(cfnMock).toHaveReceivedCommandWith(CancelUpdateStackCommand, { StackName: 'checkout-prod' });
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(outcome.steps).toEqual(['cancelled the update of stack checkout-prod (was UPDATE_IN_PROGRESS): CloudFormation rolls service prod/checkout-api back now']);
    // CloudFormation picks the revision it restores: verification waits to leave the failing one.
    expect(outcome.after).toEqual({ awayFromTaskDefinitionArn: FAILING, via: 'cloudformation', stackName: 'checkout-prod' });
  });

  it('does not cancel the update of a stack that is not opted in: it says how to do it by hand', async () => {
    ecsMock.on(DescribeServicesCommand).resolves(servicesOn(FAILING));
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'checkout-prod', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date(), Tags: [] }] });
    await expect(runAction({ ...rollback, stackName: 'checkout-prod' }, clients, { incidentKey: KEY, mode: 'auto' })).rejects.toThrowError(
      'stack checkout-prod is updating the service and is not opted in (tag deploy-medic:enabled=true): cancel it by hand (aws cloudformation cancel-update-stack --stack-name checkout-prod)',
    );
    expect(cfnMock).not.toHaveReceivedCommand(CancelUpdateStackCommand);
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('updates the service directly when its stack is not updating, and says the stack now drifts', async () => {
    ecsMock.on(DescribeServicesCommand).resolves(servicesOn(FAILING));
    ecsMock.on(UpdateServiceCommand).resolves(updated('ecs-svc/43'));
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'checkout-prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
    const outcome = await runAction({ ...rollback, stackName: 'checkout-prod' }, clients, { incidentKey: KEY, mode: 'auto', now });
    expect(cfnMock).not.toHaveReceivedCommand(CancelUpdateStackCommand);
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { taskDefinition: GOOD });
    expect(outcome.steps[1]).toBe('stack checkout-prod now drifts from the service until its next deploy');
  });

  it('is idempotent: a service already on the target is left alone', async () => {
    ecsMock.on(DescribeServicesCommand).resolves(servicesOn(GOOD));
    const outcome = await runAction(rollback, clients, { incidentKey: KEY, mode: 'auto' });
    expect(outcome).toMatchObject({ applied: false, steps: [`already rolled back: service runs ${GOOD}`] });
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('after a lost UpdateService answer, the retry reports the deployment that call started, so it is still marked as ours', async () => {
    const services = servicesOn(GOOD);
    services.services![0]!.deployments = [
      { id: 'ecs-svc/8830150327461185204', status: 'PRIMARY', taskDefinition: GOOD, rolloutState: 'IN_PROGRESS' },
      { id: 'ecs-svc/6120745581218348512', status: 'ACTIVE', taskDefinition: FAILING, rolloutState: 'FAILED' },
    ];
    ecsMock.on(DescribeServicesCommand).resolves(services);
    const outcome = await runAction(rollback, clients, { incidentKey: KEY, mode: 'auto' });
    expect(outcome).toMatchObject({ applied: false, after: { taskDefinitionArn: GOOD, deploymentId: 'ecs-svc/8830150327461185204' } });

    // A PRIMARY deployment of another revision is not ours to claim.
    services.services![0]!.deployments = [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: FAILING }];
    ecsMock.on(DescribeServicesCommand).resolves(services);
    expect((await runAction(rollback, clients, { incidentKey: KEY, mode: 'auto' })).after).toEqual({ taskDefinitionArn: GOOD });
  });

  it('refuses to override a revision someone else deployed', async () => {
    ecsMock.on(DescribeServicesCommand).resolves(servicesOn('arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8'));
    await expect(runAction(rollback, clients, { incidentKey: KEY, mode: 'auto' })).rejects.toThrowError(RemediationError);
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('refuses without a target', async () => {
    const { toTaskDefinitionArn: _, ...noTarget } = rollback;
    await expect(runAction(noTarget, clients, { incidentKey: KEY, mode: 'auto' })).rejects.toThrowError(
      'no last known good revision for prod/checkout-api: nothing safe to roll back to',
    );
    expect(ecsMock.calls()).toHaveLength(0);
  });
});

describe('Action: ecs-redeploy', () => {
  const redeploy: EcsRedeployPlan = {
    action: 'ecs-redeploy',
    reason: 'transient',
    cluster: 'prod',
    service: 'checkout-api',
    taskDefinitionArn: FAILING,
    retry: { maxAttempts: 3 },
  };

  it('forces a new deployment of the same revision', async () => {
    ecsMock.on(DescribeServicesCommand).resolves(servicesOn(FAILING));
    ecsMock.on(UpdateServiceCommand).resolves(updated('ecs-svc/44'));
    const outcome = await runAction(redeploy, clients, { incidentKey: KEY, mode: 'auto', now });
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { cluster: 'prod', service: 'checkout-api', forceNewDeployment: true });
    expect(outcome.after).toEqual({ taskDefinitionArn: FAILING, deploymentId: 'ecs-svc/44' });
  });

  it('does not redeploy a service that moved on', async () => {
    ecsMock.on(DescribeServicesCommand).resolves(servicesOn(GOOD));
    await expect(runAction(redeploy, clients, { incidentKey: KEY, mode: 'auto' })).rejects.toThrowError(RemediationError);
  });
});
