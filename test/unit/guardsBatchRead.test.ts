/**
 * The admission reads its three guard items in one BatchGetItem. DynamoDB may leave keys
 * unprocessed under throttling (with HTTP 200): those are asked again, and the decision waits
 * for all three - a guard item silently missing would read as "no remediations", and admit.
 */
import { BatchGetItemCommand, DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { TransientAwsError } from '../../shared/errors';
import { RemediationLedger } from '../../shared/ledger/guards';

const TABLE = 'deploy-medic-test-ledger';
const RESOURCE = 'ecs-service#us-east-1:111122223333:prod/checkout-api';
const dynamoMock = mockClient(DynamoDBClient);
afterEach(() => dynamoMock.reset());

const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
const now = new Date('2026-11-29T12:00:00Z');
const epoch = Math.floor(now.getTime() / 1000);
const ledger = () => new RemediationLedger(new DynamoDBClient({ region: 'us-east-1' }), TABLE, () => now);
const request = { executionName: 'exec-b', actionId: 'exec-b#1#ecs-rollback', holdUntil: epoch + 1200 };

describe('Admission: one BatchGetItem for the guard items', () => {
  it('asks again for the keys DynamoDB left unprocessed, and decides on all three', async () => {
    // The concurrency slot is taken by another execution - but DynamoDB returns that item only on the second round.
    const concurrency = { ...key('guard', 'concurrent-remediations'), holders: { M: { 'exec-a': { N: String(epoch + 600) } } }, version: { N: '3' } };
    dynamoMock
      .on(BatchGetItemCommand)
      .resolvesOnce({ Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: { Keys: [key(RESOURCE, 'loop-breaker'), key('guard', 'concurrent-remediations'), key('guard', 'actions-last-hour')], ConsistentRead: true } } })
      .resolvesOnce({ Responses: { [TABLE]: [concurrency] }, UnprocessedKeys: {} });

    const admission = await ledger().admit(RESOURCE, request, { ...loadConfig({}).guards, maxConcurrentRemediations: 1 });

    expect(admission).toMatchObject({ admitted: false, guard: 'max-concurrent-remediations', limit: 1 });
    expect(dynamoMock.commandCalls(BatchGetItemCommand)).toHaveLength(2);
    expect(dynamoMock.commandCalls(BatchGetItemCommand)[0]!.args[0].input.RequestItems?.[TABLE]?.ConsistentRead).toBe(true);
    expect(dynamoMock.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it('keys still unprocessed after five rounds: a transient error (the state machine retries), nothing admitted', async () => {
    dynamoMock.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: { Keys: [key('guard', 'actions-last-hour')] } } });
    await expect(ledger().admit(RESOURCE, request, loadConfig({}).guards)).rejects.toThrowError(new TransientAwsError('BatchGetItem left 1 guard item(s) unprocessed after 5 rounds'));
    expect(dynamoMock.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });
});
