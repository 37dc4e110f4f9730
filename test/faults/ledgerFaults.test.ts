/**
 * The ledger under faults, against moto_server's DynamoDB: nothing recorded is lost, nothing
 * is counted twice.
 *
 * A wrapper on the DynamoDB client injects, per call, one of:
 *  - refused: DynamoDB throttles (ProvisionedThroughputExceededException / ThrottlingException,
 *    400) or fails (InternalServerError 500) - the write is NOT applied;
 *  - lost: the write IS applied in moto, then the response is lost (TimeoutError, ECONNRESET).
 * The caller retries each delivery until it succeeds, as Lambda retries a failed event.
 *
 * Failed-launch counts: the final count is the number of distinct tasks, each delivery answers
 * the count of distinct tasks so far (never more: no double counting; never less: no loss).
 * Last known good: the record is always the newest revision delivered so far, whatever the
 * order and the faults. And through ingest: the failed launch that reaches the threshold still
 * starts the execution when its write's response was lost.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClientConfig } from '../../cli/local/localAws';
import { loadConfig } from '../../shared/config';
import { TransientAwsError } from '../../shared/errors';
import { ingestEvent } from '../../shared/ingest/ingestEvent';
import { Ledger } from '../../shared/ledger/ledger';
import { ecsEvent } from '../support/fixtures';

const RUNS = 8;
const ref = { region: 'us-east-1', account: '111122223333', cluster: 'prod', service: 'checkout-api' };
const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512';

type Fault = 'none' | 'throttled' | 'provisioned' | 'internal' | 'timeout-after-write' | 'reset-after-write';
const awsError = (name: string, message: string, httpStatusCode: number | undefined, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, $metadata: httpStatusCode ? { httpStatusCode, requestId: 'Q4J5VJ8O5S6D1PLS6E4LQK3NVFVV4KQNSO5AEMVJF66Q9ASUAAJG', attempts: 1 } : { attempts: 1 }, ...(httpStatusCode ? { $fault: httpStatusCode >= 500 ? 'server' : 'client' } : {}), ...extra });
const BEFORE: Partial<Record<Fault, () => Error>> = {
  throttled: () => awsError('ThrottlingException', 'Rate of requests exceeds the allowed throughput.', 400),
  provisioned: () => awsError('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.', 400),
  internal: () => awsError('InternalServerError', 'Internal server error', 500),
};
const AFTER: Partial<Record<Fault, () => Error>> = {
  'timeout-after-write': () => awsError('TimeoutError', 'Connection timed out after 3000 ms', undefined),
  'reset-after-write': () => awsError('Error', 'read ECONNRESET', undefined, { code: 'ECONNRESET', errno: -104, syscall: 'read' }),
};

/** A DynamoDB client on moto whose next calls fail as `faults` says (one entry per call, then none). */
function faultyDynamo(faults: Fault[]) {
  const client = new DynamoDBClient(localClientConfig(inject('motoEndpoint')));
  const seen: Array<{ command: string; fault: Fault }> = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const fault = faults.shift() ?? 'none';
      seen.push({ command: context.commandName ?? '', fault });
      const before = BEFORE[fault];
      if (before) throw before();
      const out = await next(args);
      const after = AFTER[fault];
      if (after) throw after();
      return out;
    },
    { step: 'initialize', name: 'injectFaults', priority: 'high' },
  );
  return { client, seen };
}

/** A table made without faults (the faults are for the ledger's own calls). */
const freshTable = () => createLedgerTable(new DynamoDBClient(localClientConfig(inject('motoEndpoint'))), `faults-${Math.random().toString(36).slice(2, 10)}`);

/** Retries a delivery until it goes through, as Lambda retries a failed event; only transient failures are retried. */
async function deliver<T>(attempt: () => Promise<T>): Promise<{ result: T; retries: number }> {
  for (let retries = 0; ; retries++) {
    try {
      return { result: await attempt(), retries };
    } catch (error) {
      if (!(error instanceof TransientAwsError) || retries > 50) throw error;
    }
  }
}

const faultArb = fc.constantFrom<Fault>('none', 'none', 'throttled', 'provisioned', 'internal', 'timeout-after-write', 'reset-after-write');

describe('Faults: the ledger on moto under throttling, 5xx and lost responses', () => {
  it(`failed-launch counts (${RUNS} generated delivery sequences): no double counting, no loss`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('task/a', 'task/b', 'task/c', 'task/d'), { minLength: 1, maxLength: 7 }), fc.array(faultArb, { maxLength: 20 }), async (tasks, faults) => {
        const { client } = faultyDynamo([...faults]);
        const ledger = new Ledger(client, await freshTable());
        const distinct = new Set<string>();
        for (const task of tasks) {
          const { result } = await deliver(() => ledger.countFailedLaunch(KEY, 'APP_CRASH', task));
          const firstTime = !distinct.has(task);
          distinct.add(task);
          expect(result.count).toBe(distinct.size);
          // A redelivered task is always a duplicate; a first delivery whose write went through but whose answer was lost is one too, on its retry.
          if (!firstTime) expect(result.duplicate).toBe(true);
        }
        const { result: last } = await deliver(() => ledger.countFailedLaunch(KEY, 'APP_CRASH', tasks[0]!));
        expect(last).toEqual({ count: distinct.size, duplicate: true });
      }),
      { numRuns: RUNS },
    );
  });

  it(`last known good (${RUNS} generated sequences, out of order): always the newest delivered, never lost to a fault`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }), fc.array(faultArb, { maxLength: 16 }), async (revisions, faults) => {
        const { client } = faultyDynamo([...faults]);
        const ledger = new Ledger(client, await freshTable());
        let newest = 0;
        for (const revision of revisions) {
          // Revision N was reported good at N o'clock: the newest report wins.
          const recordedAt = `2025-03-14T0${revision}:00:00Z`;
          const { result: recorded } = await deliver(() => ledger.recordLastKnownGood(ref, { taskDefinitionArn: `arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:${revision}`, recordedAt, source: 'SERVICE_STEADY_STATE' }));
          expect(recorded).toBe(revision >= newest);
          newest = Math.max(newest, revision);
          const { result: now } = await deliver(() => ledger.lastKnownGood(ref));
          expect(now?.taskDefinitionArn).toBe(`arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:${newest}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('through ingest: the failed launch that reaches the threshold starts the execution even when its write was applied and the answer lost', async () => {
    // Per event: the caused-by-us read, then the count; the second event's count is the one whose answer is lost.
    const { client, seen } = faultyDynamo(['none', 'none', 'none', 'timeout-after-write']);
    const ledger = new Ledger(client, await freshTable());
    const started: string[] = [];
    const deps = {
      sfn: { send: async (command: { input: { name?: string } }) => (started.push(command.input.name ?? ''), { executionArn: 'arn:aws:states:us-east-1:111122223333:execution:remediation:x' }) } as never,
      ecs: { send: async () => ({}) } as never,
      ledger,
      stateMachineArn: () => 'arn:aws:states:us-east-1:111122223333:stateMachine:remediation',
      config: () => loadConfig({ MEDIC_MODE: 'auto' }),
    };
    const crashed = (taskId: string) => {
      const event = ecsEvent('ecs-task-stopped-exit137-no-oom');
      event.detail.taskDefinitionArn = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
      event.detail.taskArn = `arn:aws:ecs:us-east-1:111122223333:task/prod/${taskId}`;
      event.detail.startedBy = 'ecs-svc/6120745581218348512'; // the deployment rolling out revision 7
      return event;
    };
    expect(await ingestEvent(crashed('aaaa'), deps)).toMatchObject({ outcome: 'counted', failedLaunches: 1, threshold: 2 });
    // The second task's count is written, its answer lost: the event fails (transient), nothing started yet.
    await expect(ingestEvent(crashed('bbbb'), deps)).rejects.toBeInstanceOf(TransientAwsError);
    expect(started).toEqual([]);
    // Lambda redelivers it: the task is already counted, the count is 2, the execution starts.
    expect(await ingestEvent(crashed('bbbb'), deps)).toMatchObject({ outcome: 'started', incidentKey: KEY });
    expect(started).toHaveLength(1);
    // The redelivery's count comes back with its ConditionalCheckFailed (no second read of the counter);
    // then the incident record opens, and the last write marks the execution started.
    expect(seen.map((s) => `${s.command}:${s.fault}`)).toEqual([
      'GetItemCommand:none',
      'UpdateItemCommand:none',
      'GetItemCommand:none',
      'UpdateItemCommand:timeout-after-write',
      'GetItemCommand:none',
      'UpdateItemCommand:none',
      'UpdateItemCommand:none',
      'UpdateItemCommand:none',
    ]);
  });

  it('DynamoDB throttling is transient, so the state machine retries it instead of escalating (ProvisionedThroughputExceededException is a 400)', async () => {
    const { client } = faultyDynamo(['provisioned']);
    const ledger = new Ledger(client, await freshTable());
    await expect(ledger.lastKnownGood(ref)).rejects.toThrow(new TransientAwsError('GetItem failed transiently (ProvisionedThroughputExceededException): The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.'));
  });
});
