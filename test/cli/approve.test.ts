/**
 * `medic approve` and `medic deny`: the real command code against the ledger and STS on moto.
 * SendTaskSuccess / SendTaskFailure go over the wire to moto where moto can answer (it accepts
 * any token outside its own executor); the answers only a waiting Step Functions execution gives
 * (TaskTimedOut, InvalidToken, throttling) come from aws-sdk-client-mock.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut, InvalidToken } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type ApproveIo, runDecision } from '../../cli/commands/approve';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClientConfig } from '../../cli/local/localAws';
import { ApprovalStore } from '../../shared/approval/approvalStore';
import { ApprovalRequests } from '../../shared/approval/approvalRequests';
import { UsageError } from '../../cli/usage';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf8g0Q2yq5w7vL1ExampleTaskToken==';
const MOTO_CALLER = 'arn:aws:sts::123456789012:user/moto';
const NOW = new Date('2026-03-14T10:05:00.000Z');

let config: ReturnType<typeof localClientConfig>;
let dynamodb: DynamoDBClient;
let table: string;
let store: ApprovalRequests;

beforeAll(() => {
  config = localClientConfig(inject('motoEndpoint'));
  dynamodb = new DynamoDBClient(config);
});

beforeEach(async () => {
  table = await createLedgerTable(dynamodb, `approve-cli-${Math.random().toString(36).slice(2, 10)}`);
  store = new ApprovalRequests({ dynamodb, tableName: table });
});

async function pendingApproval() {
  await store.recordRequest({
    incidentKey: KEY,
    taskToken: TOKEN,
    executionArn: 'arn:aws:states:us-east-1:111122223333:execution:deploy-medic-prod-remediation:ecs-us-east-1-111122223333-prod-checkout-api-7',
    requestedAt: '2026-03-14T10:00:00.000Z',
    deadline: '2026-03-14T11:00:00.000Z',
    action: 'ecs-resize-memory',
    steps: ['would register checkout-api:8-or-later from checkout-api:7 with memory 512 -> 1024 MiB'],
  });
}

function io(sfn = new SFNClient(config)): ApproveIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    sfn,
    sts: new STSClient(config),
    dynamodb,
    cloudformation: undefined as never, // --table given
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    now: () => NOW,
    stdout,
    stderr,
  };
}

describe('medic approve / deny', () => {
  describe('deciding', () => {
    it('approve: sends SendTaskSuccess and records the caller, the time and the reason', async () => {
      await pendingApproval();
      const cli = io();
      const code = await runDecision('approved', [KEY, '--reason', 'checked with the owner', '--table', table, '--json'], cli);

      expect(code).toBe(0);
      expect(JSON.parse(cli.stdout[0]!)).toEqual({
        incidentKey: KEY,
        decision: 'approved',
        by: MOTO_CALLER,
        at: '2026-03-14T10:05:00.000Z',
        via: 'cli',
        reason: 'checked with the owner',
        slack: null,
      });
      expect(await store.get(KEY)).toMatchObject({ status: 'approved', decidedBy: MOTO_CALLER, decidedAt: '2026-03-14T10:05:00.000Z', via: 'cli', reason: 'checked with the owner' });
    });

    it('deny: sends SendTaskFailure ApprovalDenied with the decision as its cause', async () => {
      await pendingApproval();
      const sfnMock = mockClient(SFNClient);
      try {
        sfnMock.on(SendTaskFailureCommand).resolves({});
        const cli = io();
        const code = await runDecision('denied', [KEY, '--reason', 'release freeze', '--table', table], cli);

        expect(code).toBe(0);
        expect(cli.stdout).toEqual([`denied ${KEY} as ${MOTO_CALLER} at 2026-03-14T10:05:00.000Z: nothing is done; on-call is told why`]);
        expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
          taskToken: TOKEN,
          error: 'ApprovalDenied',
          cause: JSON.stringify({ decision: 'denied', by: MOTO_CALLER, at: '2026-03-14T10:05:00.000Z', via: 'cli', reason: 'release freeze', slack: null }),
        });
        expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
        expect(await store.get(KEY)).toMatchObject({ status: 'denied', decidedBy: MOTO_CALLER, reason: 'release freeze' });
      } finally {
        sfnMock.restore();
      }
    });
  });

  describe('refusals: exit 3, nothing sent', () => {
    let sfnMock: ReturnType<typeof mockClient>;
    beforeEach(() => {
      sfnMock = mockClient(SFNClient);
    });
    afterEach(() => sfnMock.restore());

    it('no approval pending for that incident', async () => {
      const cli = io();
      expect(await runDecision('approved', [KEY, '--table', table], cli)).toBe(3);
      expect(cli.stderr).toEqual([`medic: no approval is pending for incident ${KEY} (wrong key, or its plan was not waiting for approval; see medic status)`]);
      expect(sfnMock.calls()).toHaveLength(0);
    });

    it('already decided: says by whom and when', async () => {
      await pendingApproval();
      await store.claim(KEY, TOKEN, { status: 'denied', by: 'slack:U0123ABCD (alice)', at: '2026-03-14T10:02:00.000Z', via: 'slack' });
      const cli = io();
      expect(await runDecision('approved', [KEY, '--table', table], cli)).toBe(3);
      expect(cli.stderr).toEqual([`medic: the approval for incident ${KEY} is already denied by slack:U0123ABCD (alice) at 2026-03-14T10:02:00.000Z; nothing sent`]);
      expect(sfnMock.calls()).toHaveLength(0);
    });

    it.each([
      ['TaskTimedOut', () => new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }), 'the wait timed out (deadline 2026-03-14T11:00:00.000Z)'],
      ['InvalidToken', () => new InvalidToken({ message: 'Invalid Token', $metadata: {} }), 'Step Functions no longer waits on it (InvalidToken: the execution ended)'],
    ])('Step Functions answers %s: the approval is marked expired', async (_name, error, why) => {
      await pendingApproval();
      sfnMock.on(SendTaskSuccessCommand).rejects(error());
      const cli = io();
      expect(await runDecision('approved', [KEY, '--table', table], cli)).toBe(3);
      expect(cli.stderr).toEqual([`medic: the approval for incident ${KEY} can no longer be decided: ${why}; nothing was done (the safe default)`]);
      expect(await store.get(KEY)).toMatchObject({ status: 'expired', expiredReason: why });
      expect(await store.get(KEY)).not.toHaveProperty('decidedBy');
    });
  });

  it('a throttled SendTaskSuccess leaves the approval pending, to be decided again', async () => {
    await pendingApproval();
    const sfnMock = mockClient(SFNClient);
    try {
      sfnMock.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
      await expect(runDecision('approved', [KEY, '--table', table], io())).rejects.toThrowError('sending the decision to Step Functions failed transiently (ThrottlingException); try again');
      expect(await store.get(KEY)).toMatchObject({ status: 'pending' });
      expect(await store.get(KEY)).not.toHaveProperty('decidedBy');
    } finally {
      sfnMock.restore();
    }
  });

  describe('usage errors (exit 2 through medic), nothing read or sent', () => {
    it.each([
      ['no incident key', 'approved', ['--table', 'x'], 'name exactly one incident key (medic approve INCIDENT_KEY); medic incidents lists them'],
      ['two incident keys', 'approved', [KEY, KEY, '--table', 'x'], 'name exactly one incident key (medic approve INCIDENT_KEY); medic incidents lists them'],
      ['a denial without a reason', 'denied', [KEY, '--table', 'x'], 'medic deny needs --reason: the alert that says nothing was done says why'],
    ] as const)('%s', async (_case, decision, argv, message) => {
      await expect(runDecision(decision, [...argv], io())).rejects.toThrowError(new UsageError(message));
    });
  });
});
