/**
 * Lambda: ingest. Step Functions and ECS are mocked (recorded API shapes); the ledger is
 * the real one, on moto_server's DynamoDB, so counting and ordering are real.
 */
import { DescribeServicesCommand, type DescribeServicesCommandOutput, ECSClient } from '@aws-sdk/client-ecs';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClients } from '../../cli/local/localAws';
import { makeIngestHandler } from '../../functions/ingest/handler';
import { loadConfig } from '../../shared/config';
import { executionNameFor } from '../../shared/incident';
import { Ledger } from '../../shared/ledger/ledger';
import type { RemediationInput } from '../../shared/runState';
import { ecsEvent, fixture } from '../support/fixtures';

const STATE_MACHINE = 'arn:aws:states:us-east-1:111122223333:stateMachine:deploy-medic-dev-remediation';
const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512';
const REF = { region: 'us-east-1', account: '111122223333', cluster: 'prod', service: 'checkout-api' };
const REV6 = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6';
const REV7 = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';

const sfnMock = mockClient(SFNClient);
const ecsMock = mockClient(ECSClient);
let ledger: Ledger;

function ingestWith(env: Record<string, string> = {}) {
  return makeIngestHandler({
    sfn: new SFNClient({ region: 'us-east-1' }),
    ecs: new ECSClient({ region: 'us-east-1' }),
    ledger,
    stateMachineArn: () => STATE_MACHINE,
    config: () => loadConfig({ MEDIC_MODE: 'auto', ...env }),
  });
}
const ingest = (event: unknown) => ingestWith()(event);

/** A stopped task of revision 7 that crashed at start (exit 1), as a distinct task each time. */
function crashedTask(taskId: string) {
  const event = ecsEvent('ecs-task-stopped-exit137-no-oom');
  event.detail.taskDefinitionArn = REV7;
  event.detail.taskArn = `arn:aws:ecs:us-east-1:111122223333:task/prod/${taskId}`;
  // Started by the deployment that rolls out revision 7 (the recorded event is of another one).
  event.detail.startedBy = 'ecs-svc/6120745581218348512';
  return event;
}

const services = (): DescribeServicesCommandOutput => fixture<DescribeServicesCommandOutput>('api/ecs-describe-services.json');

beforeEach(async () => {
  const { dynamodb } = localClients(inject('motoEndpoint'));
  ledger = new Ledger(dynamodb, await createLedgerTable(dynamodb, `ingest-${Math.random().toString(36).slice(2, 10)}`));
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:x`, startDate: new Date() });
});
afterEach(() => {
  sfnMock.reset();
  ecsMock.reset();
});

describe('Lambda: ingest', () => {
  describe('stopped tasks', () => {
    it('an OOM kill starts one execution at once, named after the incident, carrying the event, the mode and the triage', async () => {
      const event = ecsEvent('ecs-task-stopped-oom-fargate');
      const result = await ingest(event);

      expect(result).toEqual({
        outcome: 'started',
        incidentKey: KEY,
        executionName: executionNameFor(KEY),
        executionArn: `${STATE_MACHINE}:x`,
        kind: 'ecs-service',
        category: 'OOM',
      });
      expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
      const call = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
      expect(call).toMatchObject({ stateMachineArn: STATE_MACHINE, name: executionNameFor(KEY) });
      const input = JSON.parse(call.input!) as RemediationInput;
      expect(input.event).toEqual(event);
      expect(input.mode).toBe('auto');
      expect(input.incident.key).toBe(KEY);
      expect(input.triage).toMatchObject({ category: 'OOM', plan: { action: 'ecs-resize-memory' } });
    });

    it('the same revision deployed again and failing again is a new incident: a new execution, not a duplicate of the old one', async () => {
      expect(await ingest(ecsEvent('ecs-task-stopped-oom-fargate'))).toMatchObject({ outcome: 'started', incidentKey: KEY });
      // Weeks later the pipeline deploys revision 7 again (a new ECS deployment), and it is killed for memory again.
      const again = ecsEvent('ecs-task-stopped-oom-fargate');
      again.id = 'a later event';
      again.detail.taskArn = 'arn:aws:ecs:us-east-1:111122223333:task/prod/0000000000000000000000000000beef';
      again.detail.startedBy = 'ecs-svc/9034511872216640071';
      const againKey = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/9034511872216640071';

      expect(await ingest(again)).toMatchObject({ outcome: 'started', incidentKey: againKey, executionName: executionNameFor(againKey) });
      expect(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual([executionNameFor(KEY), executionNameFor(againKey)]);
      expect(await ledger.incident(againKey)).toMatchObject({ status: 'opened', deliveries: 1 });
    });

    it('fail-fast: a crash is counted, and the second failed launch of the revision starts the execution', async () => {
      const first = await ingest(crashedTask('aaaa'));
      expect(first).toEqual({
        outcome: 'counted',
        incidentKey: KEY,
        failedLaunches: 1,
        threshold: 2,
        reason: 'fail-fast: 1 of 2 failed launches of checkout-api:7 with cause UNKNOWN',
      });
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);

      // The same task's event again (at-least-once delivery) counts nothing.
      expect(await ingest(crashedTask('aaaa'))).toMatchObject({ outcome: 'counted', failedLaunches: 1, reason: expect.stringContaining('already counted') });

      expect(await ingest(crashedTask('bbbb'))).toMatchObject({ outcome: 'started', incidentKey: KEY });
      expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    });

    it('once the execution started, later stopped tasks and redeliveries do not call StartExecution again', async () => {
      await ingest(crashedTask('c1'));
      expect(await ingest(crashedTask('c2'))).toMatchObject({ outcome: 'started' });
      expect(await ingest(crashedTask('c2'))).toEqual({ outcome: 'duplicate', incidentKey: KEY, executionName: executionNameFor(KEY) });
      expect(await ingest(crashedTask('c3'))).toEqual({ outcome: 'duplicate', incidentKey: KEY, executionName: executionNameFor(KEY) });
      expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    });

    it('a StartExecution that failed is tried again by the redelivered event (nothing was marked)', async () => {
      await ingest(crashedTask('d1'));
      sfnMock.on(StartExecutionCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
      await expect(ingest(crashedTask('d2'))).rejects.toThrowError(expect.objectContaining({ name: 'TransientAwsError' }));
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:x`, startDate: new Date() });
      expect(await ingest(crashedTask('d2'))).toMatchObject({ outcome: 'started', incidentKey: KEY });
    });

    it('the threshold is configurable per stage', async () => {
      const ingest3 = ingestWith({ FAIL_FAST_FAILED_LAUNCHES: '3' });
      await ingest3(crashedTask('a1'));
      expect(await ingest3(crashedTask('a2'))).toMatchObject({ outcome: 'counted', failedLaunches: 2, threshold: 3 });
      expect(await ingest3(crashedTask('a3'))).toMatchObject({ outcome: 'started' });
    });

    it('treats ExecutionAlreadyExists as success: the incident already has its execution', async () => {
      sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
      expect(await ingest(ecsEvent('ecs-task-stopped-oom-fargate'))).toEqual({ outcome: 'duplicate', incidentKey: KEY, executionName: executionNameFor(KEY) });
    });

    it.each([
      ['ecs-task-stopped-scaling', 'SCALING_OR_USER: normal life, not an incident'],
      ['ecs-task-stopped-user', 'SCALING_OR_USER: normal life, not an incident'],
      ['ecs-task-stopped-spot', 'SPOT_OR_MAINTENANCE: normal life, not an incident'],
      ['ecs-task-running', 'not a stopped task'],
    ])('ignores %s with its reason and starts nothing', async (name, reason) => {
      expect(await ingest(ecsEvent(name))).toMatchObject({ outcome: 'ignored', reason });
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    });

    it('lets a throttled StartExecution fail as transient, so Lambda retries the event', async () => {
      sfnMock.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
      await expect(ingest(ecsEvent('ecs-task-stopped-oom-fargate'))).rejects.toThrowError(expect.objectContaining({ name: 'TransientAwsError' }));
    });
  });

  describe('service-level events', () => {
    it('a COMPLETED deployment is recorded as the last known good revision', async () => {
      const svc = services();
      svc.services![0]!.deployments![0]!.id = 'ecs-svc/6120745581218348512';
      svc.services![0]!.deployments![0]!.taskDefinition = REV6;
      ecsMock.on(DescribeServicesCommand).resolves(svc);

      expect(await ingest(fixture('events/ecs-deployment-completed.json'))).toMatchObject({ outcome: 'recorded', lastKnownGood: REV6 });
      expect(await ledger.lastKnownGood(REF)).toMatchObject({ taskDefinitionArn: REV6, source: expect.stringContaining('SERVICE_DEPLOYMENT_COMPLETED') });
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    });

    it('SERVICE_STEADY_STATE records the PRIMARY revision only when it runs alone and complete', async () => {
      const rolling = services();
      ecsMock.on(DescribeServicesCommand).resolves(rolling);
      expect(await ingest(fixture('events/ecs-service-steady-state.json'))).toMatchObject({ outcome: 'ignored' });

      const steady = services();
      const primary = steady.services![0]!.deployments![0]!;
      steady.services![0]!.deployments = [{ ...primary, taskDefinition: REV7, runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }];
      ecsMock.on(DescribeServicesCommand).resolves(steady);
      expect(await ingest(fixture('events/ecs-service-steady-state.json'))).toMatchObject({ outcome: 'recorded', lastKnownGood: REV7 });
    });

    it('a FAILED deployment opens the incident of the revision it was deploying', async () => {
      ecsMock.on(DescribeServicesCommand).resolves(services());
      const result = await ingest(fixture('events/ecs-deployment-failed.json'));
      expect(result).toMatchObject({ outcome: 'started', incidentKey: KEY, executionName: executionNameFor(KEY) });
      const input = JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!) as RemediationInput;
      expect(input.incident).toMatchObject({ key: KEY, deployment: { taskDefinitionArn: REV7, revision: 7 }, trigger: { detailType: 'ECS Deployment State Change' } });
    });

    it('a FAILED deployment ECS no longer lists is dropped with its reason (its stopped tasks carry the incident)', async () => {
      const svc = services();
      svc.services![0]!.deployments = [];
      ecsMock.on(DescribeServicesCommand).resolves(svc);
      expect(await ingest(fixture('events/ecs-deployment-failed.json'))).toEqual({
        outcome: 'ignored',
        reason: 'SERVICE_DEPLOYMENT_FAILED: deployment ecs-svc/6120745581218348512 is no longer listed by DescribeServices',
      });
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    });

    it('a task placement failure opens the incident of the PRIMARY revision', async () => {
      ecsMock.on(DescribeServicesCommand).resolves(services());
      expect(await ingest(fixture('events/ecs-service-placement-failure.json'))).toMatchObject({ outcome: 'started', incidentKey: KEY });
    });

    it('an IN_PROGRESS deployment is not acted on', async () => {
      expect(await ingest(fixture('events/ecs-deployment-in-progress.json'))).toMatchObject({ outcome: 'ignored' });
      expect(ecsMock.calls()).toHaveLength(0);
    });
  });

  describe('bad input', () => {
    it('rejects a malformed event with a clear error and writes nothing', async () => {
      const event = ecsEvent('ecs-task-stopped-oom-fargate');
      delete event.detail.clusterArn;
      expect(await ingest(event)).toEqual({
        outcome: 'rejected',
        error: 'not a valid EventBridge event: detail.clusterArn: Invalid input: expected string, received undefined',
      });
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    });

    it('rejects an unknown detail-type and writes nothing', async () => {
      const result = await ingest({ ...ecsEvent('ecs-task-stopped-oom-fargate'), 'detail-type': 'ECS Container Instance State Change' });
      expect(result).toMatchObject({ outcome: 'rejected', error: expect.stringContaining('unsupported detail-type "ECS Container Instance State Change"') });
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    });
  });
});
