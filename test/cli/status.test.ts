/** `medic incidents` and `medic status`, against recorded Step Functions answers. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runIncidents, runStatus } from '../../cli/commands/status';
import { executionNameFor } from '../../shared/incident';

const SM = 'arn:aws:states:us-east-1:111122223333:stateMachine:deploy-medic-prod-remediation';
const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';
const sfnMock = mockClient(SFNClient);
afterEach(() => sfnMock.reset());

function io() {
  const lines: string[] = [];
  return { lines, io: { sfn: new SFNClient({ region: 'us-east-1' }), cloudformation: new CloudFormationClient({ region: 'us-east-1' }), out: (l: string) => lines.push(l) } };
}

describe('medic incidents', () => {
  it('lists the executions, newest first as Step Functions returns them', async () => {
    sfnMock.on(ListExecutionsCommand).resolves({
      executions: [
        { executionArn: `${SM.replace(':stateMachine:', ':execution:')}:a`, stateMachineArn: SM, name: executionNameFor(KEY), status: 'SUCCEEDED', startDate: new Date('2025-03-14T09:27:20Z') },
      ],
    });
    const t = io();
    expect(await runIncidents(['--state-machine-arn', SM, '--max', '5'], t.io)).toBe(0);
    expect(sfnMock).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: SM, maxResults: 5 });
    expect(t.lines).toEqual([`2025-03-14T09:27:20.000Z  SUCCEEDED  ${executionNameFor(KEY)}`]);
  });
});

describe('medic status', () => {
  it('finds the execution of an incident key and says what happened', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn: 'x',
      stateMachineArn: SM,
      status: 'SUCCEEDED',
      startDate: new Date('2025-03-14T09:27:20Z'),
      input: JSON.stringify({ incident: { key: KEY } }),
      output: JSON.stringify({
        outcome: 'resolved',
        diagnosis: { category: 'OOM', summary: 'OOM in prod/checkout-api', plan: { action: 'ecs-resize-memory', reason: 'raise memory x2' } },
        remediation: { steps: ['registered checkout-api:8'] },
        verification: { status: 'STEADY', detail: '2/2 tasks running' },
      }),
    });
    const t = io();
    expect(await runStatus([KEY, '--state-machine-arn', SM], t.io)).toBe(0);
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: `arn:aws:states:us-east-1:111122223333:execution:deploy-medic-prod-remediation:${executionNameFor(KEY)}`,
    });
    expect(t.lines).toEqual([
      `${KEY}: SUCCEEDED (resolved)`,
      '  OOM: OOM in prod/checkout-api\n  plan: ecs-resize-memory - raise memory x2',
      '  done: registered checkout-api:8',
      '  verify: STEADY - 2/2 tasks running',
    ]);
  });

  it('exits 1 for a failed execution', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: 'x', stateMachineArn: SM, status: 'FAILED', startDate: new Date(), error: 'NotificationFailed', cause: 'topic gone' });
    expect(await runStatus(['arn:aws:states:us-east-1:111122223333:execution:deploy-medic-prod-remediation:n', '--json'], io().io)).toBe(1);
  });
});
