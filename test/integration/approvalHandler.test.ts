/**
 * The approval task handler (functions/approval) on its own, its ledger on moto: what it
 * records, what it sends, and how it fails on bad input (clearly, recording nothing).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClientConfig } from '../../cli/local/localAws';
import { makeApprovalHandler } from '../../functions/approval/handler';
import type { NotifyInput } from '../../functions/notify/handler';
import { ApprovalStore } from '../../shared/approval/approvalStore';
import { ApprovalRequests } from '../../shared/approval/approvalRequests';
import { loadConfig } from '../../shared/config';
import { diagnose } from '../../shared/diagnosis/diagnose';
import { parseEvent } from '../../shared/events/parseEvent';
import type { RunState } from '../../shared/runState';
import { ecsEvent } from '../support/fixtures';

const NOW = new Date('2026-03-14T10:00:00.000Z');
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf8g0Q2yq5w7vL1ExampleTaskToken==';
const EXECUTION = 'arn:aws:states:us-east-1:111122223333:execution:deploy-medic-prod-remediation:ecs-checkout-api-7';

let dynamodb: DynamoDBClient;
let store: ApprovalRequests;
let notified: NotifyInput[];

beforeAll(() => {
  dynamodb = new DynamoDBClient(localClientConfig(inject('motoEndpoint')));
});
beforeEach(async () => {
  store = new ApprovalRequests({ dynamodb, tableName: await createLedgerTable(dynamodb, `approval-fn-${Math.random().toString(36).slice(2, 10)}`) });
  notified = [];
});

const handler = (slack: { channel: string; ts: string } | null = null) =>
  makeApprovalHandler({
    store,
    notify: async (input) => (notified.push(input), { slack }),
    config: () => loadConfig({ MEDIC_MODE: 'approve', APPROVAL_TIMEOUT_SECONDS: '1800' }),
    now: () => NOW,
  });

async function run(): Promise<RunState> {
  const event = ecsEvent('ecs-task-stopped-oom-fargate');
  const diagnosis = diagnose(parseEvent(event), { config: loadConfig({ MEDIC_MODE: 'approve' }) });
  if (diagnosis.incidentKey === undefined) throw new Error('the OOM fixture names its incident');
  return {
    incident: { key: diagnosis.incidentKey } as RunState['incident'],
    event,
    mode: 'approve',
    triage: diagnosis,
    diagnosis,
    proposal: { action: 'ecs-resize-memory', applied: false, dryRun: true, steps: ['would register checkout-api:8-or-later with memory 512 -> 1024 MiB'] },
  } as RunState;
}

describe('Approval task', () => {
  it('request: records the token with its deadline (APPROVAL_TIMEOUT_SECONDS) and the dry-run steps, then asks on-call', async () => {
    const state = await run();
    const result = await handler({ channel: 'C0123456789', ts: '1741946400.000100' })({ operation: 'request', taskToken: TOKEN, executionArn: EXECUTION, openedAt: NOW.toISOString(), run: state });

    expect(result).toEqual({ requested: true, deadline: '2026-03-14T10:30:00.000Z', slack: { channel: 'C0123456789', ts: '1741946400.000100' } });
    expect(await store.get(state.incident.key)).toEqual({
      incidentKey: state.incident.key,
      taskToken: TOKEN,
      executionArn: EXECUTION,
      status: 'pending',
      requestedAt: '2026-03-14T10:00:00.000Z',
      deadline: '2026-03-14T10:30:00.000Z',
      action: 'ecs-resize-memory',
      steps: ['would register checkout-api:8-or-later with memory 512 -> 1024 MiB'],
      slack: { channel: 'C0123456789', ts: '1741946400.000100' },
    });
    expect(notified).toEqual([{ phase: 'awaiting-approval', run: state, openedAt: NOW.toISOString(), approval: { status: 'requested', deadline: '2026-03-14T10:30:00.000Z' } }]);
  });

  it('expire: marks the pending approval expired and hands back the Slack thread', async () => {
    const state = await run();
    await handler({ channel: 'C0123456789', ts: '1741946400.000100' })({ operation: 'request', taskToken: TOKEN, run: state });
    const expiry = await handler()({ operation: 'expire', run: state });

    expect(expiry).toEqual({ decision: 'timed-out', deadline: '2026-03-14T10:30:00.000Z', at: NOW.toISOString(), slack: { channel: 'C0123456789', ts: '1741946400.000100' } });
    expect(await store.get(state.incident.key)).toMatchObject({ status: 'expired', expiredReason: 'timed out: nobody decided by 2026-03-14T10:30:00.000Z' });
  });

  it.each([
    ['no task token', (state: RunState) => ({ operation: 'request', taskToken: '', run: state }), 'approval request without a task token ($$.Task.Token)'],
    ['no incident key', (state: RunState) => ({ operation: 'request', taskToken: TOKEN, run: { ...state, incident: {} } }), 'approval task input has no run.incident.key'],
    ['an unknown operation', (state: RunState) => ({ operation: 'approve', run: state }), 'unknown approval operation "approve" (request, expire)'],
  ])('refuses %s, records and sends nothing', async (_case, input, message) => {
    const state = await run();
    await expect(handler()(input(state) as never)).rejects.toThrowError(new TypeError(message));
    expect(await store.get(state.incident.key)).toBeUndefined();
    expect(notified).toEqual([]);
  });
});
