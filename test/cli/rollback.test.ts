/**
 * `medic rollback`: the request it sends, the progress it shows from the execution history,
 * and the exit code for each outcome. Step Functions answers with recorded shapes (moto does
 * not run executions); usage errors are checked on the real binary.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ROLLBACK_EXIT, runRollback } from '../../cli/commands/rollback';

const SM = 'arn:aws:states:us-east-1:111122223333:stateMachine:deploy-medic-prod-emergency-rollback';
const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);
afterEach(() => {
  sfnMock.reset();
  cfnMock.reset();
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      sfn: new SFNClient({ region: 'us-east-1' }),
      cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      sleep: async () => {},
      now: () => new Date('2025-03-14T10:00:00Z'),
    },
  };
}

const history = [
  { id: 1, type: 'ExecutionStarted', timestamp: new Date('2025-03-14T10:00:01Z') },
  { id: 2, type: 'TaskStateEntered', timestamp: new Date('2025-03-14T10:00:01Z'), stateEnteredEventDetails: { name: 'PrepareRollback' } },
  { id: 3, type: 'TaskStateEntered', timestamp: new Date('2025-03-14T10:00:02Z'), stateEnteredEventDetails: { name: 'Rollback' } },
];

describe('medic rollback', () => {
  it('finds the state machine in the stage outputs, sends the request, follows the history, exits 0 when rolled back', async () => {
    cfnMock.on(DescribeStacksCommand, { StackName: 'deploy-medic-prod' }).resolves({
      Stacks: [{ StackName: 'deploy-medic-prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'EmergencyRollbackStateMachineArn', OutputValue: SM }] }],
    });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${SM}:x`, startDate: new Date() });
    sfnMock.on(GetExecutionHistoryCommand).resolvesOnce({ events: history as never }).resolves({ events: [] });
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING' } as never)
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'rolled-back', remediation: { steps: ['rolled service prod/checkout-api back'] } }) } as never);
    const t = io();

    const code = await runRollback(['--service', 'prod/checkout-api', '--reason', 'p99 doubled', '--requested-by', 'alice', '--stage', 'prod'], t.io);

    expect(code).toBe(ROLLBACK_EXIT.rolledBack);
    const sent = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(sent.stateMachineArn).toBe(SM);
    expect(sent.name).toBe('rollback-prod-checkout-api-1741946400000');
    expect(JSON.parse(sent.input!)).toEqual({ target: { type: 'ecs-service', cluster: 'prod', service: 'checkout-api' }, reason: 'p99 doubled', requestedBy: 'alice' });
    expect(t.err).toEqual([`started ${SM}:x`, '10:00:01  PrepareRollback', '10:00:02  Rollback']);
    expect(t.out).toEqual(['SUCCEEDED: rolled-back\n  rolled service prod/checkout-api back']);
  });

  it('exits 3 when the state machine refused the request (nothing changed)', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${SM}:y`, startDate: new Date() });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'RequestRefused', cause: 'service prod/checkout-api is outside the opt-in scope (tag deploy-medic:enabled=true): refused' } as never);
    const t = io();
    const code = await runRollback(['--service', 'prod/checkout-api', '--reason', 'bad deploy', '--state-machine-arn', SM], t.io);
    expect(code).toBe(ROLLBACK_EXIT.refused);
    expect(t.out[0]).toBe('FAILED - service prod/checkout-api is outside the opt-in scope (tag deploy-medic:enabled=true): refused');
  });

  it('exits 1 when the rollback failed', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${SM}:z`, startDate: new Date() });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'RollbackFailed', cause: 'The rollback did not complete' } as never);
    expect(await runRollback(['--stack', 'checkout-api', '--reason', 'stuck', '--state-machine-arn', SM, '--json'], io().io)).toBe(ROLLBACK_EXIT.failed);
  });

  it.each([
    [['--reason', 'x x x'], 'medic: name exactly one target: --service CLUSTER/SERVICE or --stack NAME'],
    [['--service', 'checkout-api', '--reason', 'bad deploy'], 'medic: --service takes CLUSTER/SERVICE, got "checkout-api"'],
    [['--service', 'prod/checkout-api'], 'medic: malformed emergency rollback request: reason: say why (at least 3 characters)'],
    [['--stack', 's', '--to-revision', '4', '--reason', 'bad deploy'], 'medic: --to-revision applies to --service only'],
  ])('refuses %j before any AWS call: exit 2, one line on stderr', async (args, message) => {
    const result = await promisify(execFile)(process.execPath, ['bin/medic.mjs', 'rollback', ...args]).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: `${message}\n` });
  });
});
