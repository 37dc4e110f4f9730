/**
 * `medic incidents` and `medic status`: Step Functions answers recorded (aws-sdk-client-mock: a
 * finished execution's output is not something moto's executor produces), the ledger real on
 * moto's DynamoDB - written by the same code the Lambdas use.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, ExecutionDoesNotExist, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { runIncidents, runStatus } from '../../cli/commands/status';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClients } from '../../cli/local/localAws';
import { ApprovalRequests } from '../../shared/approval/approvalRequests';
import { executionNameFor } from '../../shared/incident';
import { RemediationLedger } from '../../shared/ledger/guards';

const SM = 'arn:aws:states:us-east-1:111122223333:stateMachine:deploy-medic-prod-remediation';
const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';
const EXECUTION = executionNameFor(KEY);
const sfnMock = mockClient(SFNClient);
let table: string;
afterEach(() => sfnMock.reset());
beforeEach(async () => {
  table = await createLedgerTable(localClients(inject('motoEndpoint')).dynamodb, `status-cli-${Math.random().toString(36).slice(2, 10)}`);
});

function io() {
  const lines: string[] = [];
  const { dynamodb } = localClients(inject('motoEndpoint'));
  return {
    lines,
    ledger: new RemediationLedger(dynamodb, table),
    approvals: new ApprovalRequests({ dynamodb, tableName: table }),
    io: { sfn: new SFNClient({ region: 'us-east-1' }), cloudformation: new CloudFormationClient({ region: 'us-east-1' }), dynamodb, out: (l: string) => lines.push(l) },
  };
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
    expect(await runStatus([KEY, '--state-machine-arn', SM, '--table', table], t.io)).toBe(0);
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: `arn:aws:states:us-east-1:111122223333:execution:deploy-medic-prod-remediation:${executionNameFor(KEY)}`,
    });
    expect(t.lines).toEqual([
      `${KEY}: SUCCEEDED (resolved)`,
      '  OOM: OOM in prod/checkout-api\n  plan: ecs-resize-memory - raise memory x2',
      '  done: registered checkout-api:8',
      '  verify: STEADY - 2/2 tasks running',
      `  record: none in ${table} (ingest opens one when it starts the execution)`,
    ]);
  });

  it('exits 1 for a failed execution', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: 'x', stateMachineArn: SM, status: 'FAILED', startDate: new Date(), error: 'NotificationFailed', cause: 'topic gone' });
    expect(await runStatus(['arn:aws:states:us-east-1:111122223333:execution:deploy-medic-prod-remediation:n', '--json', '--table', table], io().io)).toBe(1);
  });

  it('reads the ledger: the incident record, every audited action (who, what, when, before -> after) and who approved - never the task token', async () => {
    const t = io();
    const token = 'AQCEAAAAKgAAAAMAAAAAAAAAAf8g0Q2yq5w7vL1ExampleTaskToken==';
    await t.ledger.openIncident({ key: KEY, kind: 'ecs-service', category: 'OOM', mode: 'approve', executionName: EXECUTION, openedAt: '2025-03-14T09:27:18.000Z' });
    await t.approvals.recordRequest({ incidentKey: KEY, taskToken: token, requestedAt: '2025-03-14T09:27:25.000Z', deadline: '2025-03-14T10:27:25.000Z', action: 'ecs-resize-memory', steps: ['would register checkout-api:8'] });
    expect(await t.approvals.claim(KEY, token, { status: 'approved', by: 'arn:aws:sts::111122223333:assumed-role/oncall/alice', at: '2025-03-14T09:31:02.000Z', via: 'slack', reason: 'checked with the owner' })).toBe(true);
    await t.ledger.recordOutcome({
      audit: {
        incidentKey: KEY,
        actionId: `${EXECUTION}#1#ecs-resize-memory`,
        who: { function: 'remediate', execution: EXECUTION },
        action: 'ecs-resize-memory',
        steps: ['registered checkout-api:8 with task memory 512->1024 MiB', 'service moved to checkout-api:8'],
        at: '2025-03-14T09:31:05.000Z',
        mode: 'auto',
        result: 'applied',
        before: { taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7' },
        after: { taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8' },
      },
      status: { status: 'remediating', mode: 'auto', category: 'OOM' },
    });
    await t.ledger.closeIncident(KEY, { status: 'resolved', reason: 'raise memory x2' });
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: 'x', stateMachineArn: SM, status: 'SUCCEEDED', startDate: new Date('2025-03-14T09:27:20Z'), input: JSON.stringify({ incident: { key: KEY } }), output: JSON.stringify({ outcome: 'resolved' }) });

    expect(await runStatus([KEY, '--state-machine-arn', SM, '--table', table], t.io)).toBe(0);
    expect(t.lines.slice(1)).toEqual([
      expect.stringMatching(/^  record: resolved since \S+ - raise memory x2$/),
      '    opened 2025-03-14T09:27:18.000Z, 1 delivery, mode auto, OOM',
      `  audit: 2025-03-14T09:31:05.000Z ecs-resize-memory applied (auto) by remediate (${EXECUTION})`,
      '    registered checkout-api:8 with task memory 512->1024 MiB',
      '    service moved to checkout-api:8',
      '    before {"taskDefinitionArn":"arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7"} -> after {"taskDefinitionArn":"arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8"}',
      '  approval: approved by arn:aws:sts::111122223333:assumed-role/oncall/alice at 2025-03-14T09:31:02.000Z via slack: checked with the owner',
    ]);

    const json = io();
    await runStatus([KEY, '--state-machine-arn', SM, '--table', table, '--json'], json.io);
    expect(json.lines[0]).not.toContain(token);
    expect(JSON.parse(json.lines[0]!).ledger).toMatchObject({ record: { status: 'resolved', deliveries: 1 }, audit: [{ result: 'applied' }], approval: { status: 'approved', via: 'slack' } });
  });

  it('a run waiting for approval: says since when, until when, and how to answer', async () => {
    const t = io();
    await t.ledger.openIncident({ key: KEY, kind: 'ecs-service', category: 'OOM', mode: 'approve', executionName: EXECUTION, openedAt: '2025-03-14T09:27:18.000Z' });
    await t.approvals.recordRequest({ incidentKey: KEY, taskToken: 'token', requestedAt: '2025-03-14T09:27:25.000Z', deadline: '2025-03-14T10:27:25.000Z', action: 'ecs-resize-memory', steps: [] });
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: 'x', stateMachineArn: SM, status: 'RUNNING', startDate: new Date('2025-03-14T09:27:20Z'), input: JSON.stringify({ incident: { key: KEY } }) });

    expect(await runStatus([KEY, '--state-machine-arn', SM, '--table', table], t.io)).toBe(0);
    expect(t.lines).toContain('  approval: pending since 2025-03-14T09:27:25.000Z, waits until 2025-03-14T10:27:25.000Z for ecs-resize-memory (medic approve|deny)');
  });

  it('no execution yet (failed launches still being counted): the ledger alone; exit 1 only when neither knows the incident', async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    const unknown = io();
    expect(await runStatus([KEY, '--state-machine-arn', SM, '--table', table], unknown.io)).toBe(1);
    expect(unknown.lines[0]).toBe(`${KEY}: NO_EXECUTION`);

    const t = io();
    await t.ledger.openIncident({ key: KEY, kind: 'ecs-service', category: 'OOM', mode: 'auto', executionName: EXECUTION, openedAt: '2025-03-14T09:27:18.000Z' });
    expect(await runStatus([KEY, '--state-machine-arn', SM, '--table', table], t.io)).toBe(0);
    expect(t.lines).toEqual([
      `${KEY}: NO_EXECUTION`,
      expect.stringMatching(/^  no execution arn:aws:states:.*:execution:deploy-medic-prod-remediation:ecs-/),
      expect.stringMatching(/^  record: opened/),
      '    opened 2025-03-14T09:27:18.000Z, 1 delivery, mode auto, OOM',
    ]);
  });

  it('a ledger it cannot find: says why, still prints the execution', async () => {
    const cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id deploy-medic-dev does not exist'), { name: 'ValidationError' }));
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: 'x', stateMachineArn: SM, status: 'SUCCEEDED', startDate: new Date(), input: JSON.stringify({ incident: { key: KEY } }), output: JSON.stringify({ outcome: 'resolved' }) });
    const t = io();
    try {
      expect(await runStatus([KEY, '--state-machine-arn', SM], t.io)).toBe(0);
    } finally {
      cfn.restore();
    }
    expect(t.lines).toEqual([
      `${KEY}: SUCCEEDED (resolved)`,
      '  ledger: not read - cannot find deploy-medic stage "dev" (stack deploy-medic-dev): Stack with id deploy-medic-dev does not exist; pass --table or set MEDIC_LEDGER_TABLE',
    ]);
  });
});
