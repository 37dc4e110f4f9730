/**
 * The emergency rollback state machine, executed for real (aws-local-stepfunctions) with the
 * real handlers; ECS and CloudFormation answer with recorded shapes (moto cannot cancel a
 * stack update or roll out a deployment).
 */
import { CancelUpdateStackCommand, CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, type DescribeServicesCommandOutput, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadStateMachine, runStateMachine } from '../../cli/local/localStateMachine';
import { makeCheckDeploymentHandler } from '../../functions/checkDeployment/handler';
import { makeNotifyHandler } from '../../functions/notify/handler';
import { makePrepareRollbackHandler } from '../../functions/prepareRollback/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig } from '../../shared/config';
import { actionClients } from '../support/actionClients';
import { fixture } from '../support/fixtures';

const REV6 = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6';
const REV7 = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
const STACK_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-api/1b2c3d4e-5f60-11ef-8a9b-0c1d2e3f4a5b';
const machine = () => loadStateMachine('statemachines/emergency-rollback.asl.yaml');
const ecsMock = mockClient(ECSClient);
const cfnMock = mockClient(CloudFormationClient);
const snsMock = mockClient(SNSClient);

function handlers() {
  const clients = actionClients();
  const config = () => loadConfig({ STAGE: 'test' });
  return {
    prepareRollback: (input: unknown) =>
      makePrepareRollbackHandler({ ecs: clients.ecs, cloudformation: clients.cloudformation, region: () => 'us-east-1', now: () => new Date('2025-03-14T10:00:00Z') })(input, {
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:deploy-medic-test-prepareRollback',
      }),
    remediate: makeRemediateHandler({ ...clients, config }),
    checkDeployment: makeCheckDeploymentHandler(clients),
    notify: makeNotifyHandler({ sns: new SNSClient({ region: 'us-east-1' }), topicArn: () => 'arn:aws:sns:us-east-1:111122223333:alerts', config }),
  };
}

/** The recorded service: revision 7 rolling out (IN_PROGRESS), revision 6 still ACTIVE and COMPLETED. */
const services = (primary: Record<string, unknown> = {}, taskDefinition = REV7): DescribeServicesCommandOutput => {
  const out = fixture<DescribeServicesCommandOutput>('api/ecs-describe-services.json');
  const service = out.services![0]!;
  service.taskDefinition = taskDefinition;
  service.deployments = [{ ...service.deployments![0]!, ...primary }, ...service.deployments!.slice(1)];
  return out;
};
const ecsRequest = { target: { type: 'ecs-service', cluster: 'prod', service: 'checkout-api' }, reason: 'p99 latency doubled after the deploy', requestedBy: 'alice@example.com' };
const phases = () => snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input.MessageAttributes?.phase?.StringValue);

beforeEach(() => snsMock.on(PublishCommand).resolves({ MessageId: 'm' }));
afterEach(() => {
  ecsMock.reset();
  cfnMock.reset();
  snsMock.reset();
});

describe('State machine: emergency rollback', () => {
  it('ECS: rolls the service back to the last good revision, watches it steady, and tells who asked and why', async () => {
    // Prepare and Rollback see revision 7; then ECS reports the rollback's deployment alone and complete.
    const rolledBack = services({}, REV6);
    rolledBack.services![0]!.deployments = [{ id: 'ecs-svc/9', status: 'PRIMARY', taskDefinition: REV6, runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }];
    ecsMock.on(DescribeServicesCommand).resolvesOnce(services()).resolvesOnce(services()).resolves(rolledBack);
    ecsMock.on(UpdateServiceCommand).resolves({ service: { deployments: [{ id: 'ecs-svc/9', status: 'PRIMARY' }] } });

    const run = await runStateMachine(machine(), ecsRequest, { handlers: handlers() });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'rolled-back',
      diagnosis: { summary: 'emergency rollback requested by alice@example.com: p99 latency doubled after the deploy', plan: { action: 'ecs-rollback', toTaskDefinitionArn: REV6 } },
      verification: { status: 'STEADY' },
    });
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { cluster: 'prod', service: 'checkout-api', taskDefinition: REV6 });
    expect(phases()).toEqual(['opened', 'resolved']);
    const opened = JSON.parse(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message!).default as string;
    expect(opened).toContain('requested by alice@example.com');
  });

  it('CloudFormation: cancels the update in progress and waits for the rollback to complete', async () => {
    const stack = (StackStatus: string) => ({ Stacks: [{ StackId: STACK_ID, StackName: 'checkout-api', StackStatus: StackStatus as never, CreationTime: new Date(), Tags: [{ Key: 'deploy-medic:enabled', Value: 'true' }] }] });
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce(stack('UPDATE_IN_PROGRESS'))
      .resolvesOnce(stack('UPDATE_IN_PROGRESS'))
      .resolvesOnce(stack('UPDATE_ROLLBACK_IN_PROGRESS'))
      .resolves(stack('UPDATE_ROLLBACK_COMPLETE'));
    cfnMock.on(CancelUpdateStackCommand).resolves({});

    const run = await runStateMachine(machine(), { target: { type: 'cfn-stack', stackName: 'checkout-api' }, reason: 'bad deploy', requestedBy: 'bob' }, { handlers: handlers() });

    expect(run.output).toMatchObject({ outcome: 'rolled-back', verification: { status: 'STEADY' } });
    expect(cfnMock).toHaveReceivedCommandWith(CancelUpdateStackCommand, { StackName: STACK_ID });
  });

  it('dry run: plans and reports, changes nothing', async () => {
    ecsMock.on(DescribeServicesCommand).resolves(services());
    const run = await runStateMachine(machine(), { ...ecsRequest, dryRun: true }, { handlers: handlers() });
    expect(run.output).toMatchObject({ outcome: 'observed', remediation: { dryRun: true } });
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  describe('failures are never silent', () => {
    it('a rollback that worked but whose final alert cannot be sent fails the execution (NotificationFailed), so the alarm pages', async () => {
      const rolledBack = services({}, REV6);
      rolledBack.services![0]!.deployments = [{ id: 'ecs-svc/9', status: 'PRIMARY', taskDefinition: REV6, runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }];
      ecsMock.on(DescribeServicesCommand).resolvesOnce(services()).resolvesOnce(services()).resolves(rolledBack);
      ecsMock.on(UpdateServiceCommand).resolves({ service: { deployments: [{ id: 'ecs-svc/9', status: 'PRIMARY' }] } });
      snsMock
        .on(PublishCommand)
        .resolvesOnce({ MessageId: 'opened' })
        .rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException', $metadata: { httpStatusCode: 404 } }));

      const run = await runStateMachine(machine(), ecsRequest, { handlers: handlers() });

      expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { taskDefinition: REV6 });
      expect(run.status).toBe('FAILED');
      expect(run.error?.name).toBe('NotificationFailed');
      expect(run.visited.slice(-2)).toEqual(['NotifyDone', 'NotificationFailed']);
    });

    it('a dry run whose plan fails escalates instead of stopping without a word', async () => {
      ecsMock.on(DescribeServicesCommand).resolves(services());
      // Fault injection: the remediate Lambda times out (Lambda reports Sandbox.Timedout, not retried).
      const faulty = { ...handlers(), remediate: async () => Promise.reject(Object.assign(new Error('Task timed out after 50.00 seconds'), { name: 'Sandbox.Timedout' })) };

      const run = await runStateMachine(machine(), { ...ecsRequest, dryRun: true }, { handlers: faulty });

      expect(run.visited).toEqual(['PrepareRollback', 'DryRunOrAct', 'PlanOnly', 'NotifyFailed', 'RollbackFailed']);
      expect(run.error?.name).toBe('RollbackFailed');
      expect(phases()).toEqual(['escalated']);
      expect(JSON.parse(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message!).default).toContain('Sandbox.Timedout');
      expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    });
  });

  describe('refusals: nothing is changed, and the execution fails saying why', () => {
    it.each([
      ['a malformed request', { target: { type: 'ecs-service', cluster: 'prod' }, reason: 'x', requestedBy: '' }, /^malformed emergency rollback request: target.service: .*; reason: say why \(at least 3 characters\); requestedBy: name who asks$/],
      ['an unknown target type', { target: { type: 'lambda', name: 'f' }, reason: 'bad deploy', requestedBy: 'bob' }, /^malformed emergency rollback request: target/],
    ])('%s', async (_, input, cause) => {
      const run = await runStateMachine(machine(), input, { handlers: handlers() });
      expect(run.status).toBe('FAILED');
      expect(run.error?.name).toBe('RequestRefused');
      expect(run.error?.message).toMatch(cause);
      expect(ecsMock.calls()).toHaveLength(0);
    });

    it('a service outside the opt-in scope', async () => {
      const untagged = services();
      untagged.services![0]!.tags = [{ key: 'team', value: 'payments' }];
      ecsMock.on(DescribeServicesCommand).resolves(untagged);
      const run = await runStateMachine(machine(), ecsRequest, { handlers: handlers() });
      expect(run.error).toEqual({ name: 'RequestRefused', message: 'service prod/checkout-api is outside the opt-in scope (tag deploy-medic:enabled=true): refused' });
      expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
      expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
    });

    it('a protected service, even when a human asks (the remediate role could not write it either)', async () => {
      const guarded = services();
      guarded.services![0]!.tags = [...(guarded.services![0]!.tags ?? []), { key: 'deploy-medic:protected', value: 'true' }];
      ecsMock.on(DescribeServicesCommand).resolves(guarded);
      const run = await runStateMachine(machine(), ecsRequest, { handlers: handlers() });
      expect(run.error).toEqual({ name: 'RequestRefused', message: 'service prod/checkout-api is protected (tag deploy-medic:protected=true): refused' });
      expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    });

    it('a stack with no update to roll back', async () => {
      cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackId: STACK_ID, StackName: 'checkout-api', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Tags: [{ Key: 'deploy-medic:enabled', Value: 'true' }] }] });
      const run = await runStateMachine(machine(), { target: { type: 'cfn-stack', stackName: 'checkout-api' }, reason: 'bad deploy', requestedBy: 'bob' }, { handlers: handlers() });
      expect(run.error?.message).toBe(
        'stack checkout-api is UPDATE_COMPLETE: there is no update to roll back (possible from UPDATE_IN_PROGRESS, UPDATE_FAILED, CREATE_FAILED, UPDATE_ROLLBACK_FAILED)',
      );
      expect(cfnMock).not.toHaveReceivedCommand(CancelUpdateStackCommand);
    });
  });
});
