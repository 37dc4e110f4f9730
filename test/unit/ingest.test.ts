import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { makeIngestHandler } from '../../functions/ingest/handler';
import { loadConfig } from '../../shared/config';
import { executionNameFor } from '../../shared/incident';
import type { RemediationInput } from '../../shared/runState';
import { ecsEvent } from '../support/fixtures';

const STATE_MACHINE = 'arn:aws:states:us-east-1:111122223333:stateMachine:deploy-medic-dev-remediation';
const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';

describe('Lambda: ingest', () => {
  const sfnMock = mockClient(SFNClient);
  const ingest = makeIngestHandler({
    sfn: new SFNClient({ region: 'us-east-1' }),
    stateMachineArn: () => STATE_MACHINE,
    config: () => loadConfig({ MEDIC_MODE: 'auto' }),
  });
  afterEach(() => sfnMock.reset());

  it('starts one execution named after the incident, carrying the event, the mode and the triage', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:x`, startDate: new Date() });
    const event = ecsEvent('ecs-task-stopped-oom-fargate');

    const result = await ingest(event);

    expect(result).toEqual({ outcome: 'started', incidentKey: KEY, executionName: executionNameFor(KEY), executionArn: `${STATE_MACHINE}:x` });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const call = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(call).toMatchObject({ stateMachineArn: STATE_MACHINE, name: executionNameFor(KEY) });
    const input = JSON.parse(call.input!) as RemediationInput;
    expect(input.event).toEqual(event);
    expect(input.mode).toBe('auto');
    expect(input.incident.key).toBe(KEY);
    expect(input.triage).toMatchObject({ category: 'OOM', plan: { action: 'ecs-resize-memory' } });
  });

  it('treats ExecutionAlreadyExists as success: the incident already has its execution', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    expect(await ingest(ecsEvent('ecs-task-stopped-oom-fargate'))).toEqual({
      outcome: 'duplicate',
      incidentKey: KEY,
      executionName: executionNameFor(KEY),
    });
  });

  it.each([
    ['ecs-task-stopped-scaling', 'SCALING_OR_USER: normal life, not an incident'],
    ['ecs-task-stopped-user', 'SCALING_OR_USER: normal life, not an incident'],
    ['ecs-task-stopped-spot', 'SPOT_OR_MAINTENANCE: normal life, not an incident'],
    ['ecs-task-running', 'not a stopped task'],
  ])('ignores %s with its reason and starts nothing', async (name, reason) => {
    const result = await ingest(ecsEvent(name));
    expect(result).toMatchObject({ outcome: 'ignored', reason });
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

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

  it('lets a throttled StartExecution fail as transient, so Lambda retries the event', async () => {
    sfnMock.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    await expect(ingest(ecsEvent('ecs-task-stopped-oom-fargate'))).rejects.toThrowError(expect.objectContaining({ name: 'TransientAwsError' }));
  });
});
