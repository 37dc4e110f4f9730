/**
 * Ledger writes sent together (shared/ledger/writeTogether.ts), for what moto_server cannot do:
 * a transaction cancelled for a throttle or a conflict on one item, and DynamoDB throttling the
 * writes sent alone afterwards. Errors are shaped as the SDK deserializes AWS's answers. (The
 * cancellation on a failed condition runs against moto: test/integration/ledgerWritesTogether.test.ts.)
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { TransientAwsError } from '../../shared/errors';
import type { LedgerWrite } from '../../shared/ledger/ledgerWrite';
import { auditWrite } from '../../shared/ledger/ledger';
import { incidentStatusWrite, releaseSlotWrite } from '../../shared/ledger/statusWriter';
import { writeTogether } from '../../shared/ledger/writeTogether';

const TABLE = 'deploy-medic-test-ledger';
const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';
const NOW = new Date('2026-11-29T12:00:00Z');
const dynamoMock = mockClient(DynamoDBClient);
const dynamodb = new DynamoDBClient({ region: 'us-east-1' });
afterEach(() => dynamoMock.reset());

const audit = auditWrite(
  { incidentKey: KEY, actionId: 'exec-1#1#ecs-rollback', who: { function: 'remediate', execution: 'exec-1' }, action: 'ecs-rollback', steps: ['rolled back'], at: NOW.toISOString(), mode: 'auto', result: 'applied' },
  NOW,
);
const status = incidentStatusWrite(KEY, { status: 'remediating', mode: 'auto', category: 'APP_CRASH' }, NOW);
const slot = releaseSlotWrite('exec-1');

const cancelled = (codes: Array<{ Code: string; Message?: string }>) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.map((c) => c.Code).join(', ')}]`,
    $metadata: { httpStatusCode: 400, requestId: 'R3QK9V1TFA2B4M8D0E6C5H7J9LNP2QS4TUVWXYZ0ABCDEFGHIJKL' },
    CancellationReasons: codes,
  });
const sentAlone = () => dynamoMock.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);
const withTable = (write: LedgerWrite) => ({ TableName: TABLE, ...write.update });

describe('Ledger: writes sent together', () => {
  it('sends them in one TransactWriteItems of Updates, in order', async () => {
    dynamoMock.on(TransactWriteItemsCommand).resolves({});

    await writeTogether(dynamodb, TABLE, [audit, status]);

    expect(dynamoMock).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
    expect(dynamoMock).toHaveReceivedCommandWith(TransactWriteItemsCommand, { TransactItems: [{ Update: withTable(audit) }, { Update: withTable(status) }] });
    expect(sentAlone()).toEqual([]);
  });

  it('sends a single write as a plain UpdateItem (a transaction would bill it twice)', async () => {
    dynamoMock.on(UpdateItemCommand).resolves({});

    await writeTogether(dynamodb, TABLE, [status]);

    expect(sentAlone()).toEqual([withTable(status)]);
    expect(dynamoMock).not.toHaveReceivedCommand(TransactWriteItemsCommand);
  });

  it('cancelled by a conflict on the incident record (ingest counting a delivery): every write is sent again alone, that one included', async () => {
    dynamoMock.on(TransactWriteItemsCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }]));
    dynamoMock.on(UpdateItemCommand).resolves({});

    await writeTogether(dynamodb, TABLE, [audit, status]);

    expect(sentAlone()).toEqual([withTable(audit), withTable(status)]);
  });

  it('cancelled on a condition that is an answer (the slot already released): the others are sent alone, that one is done', async () => {
    dynamoMock.on(TransactWriteItemsCommand).rejects(cancelled([{ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }, { Code: 'None' }]));
    dynamoMock.on(UpdateItemCommand).resolves({});

    await writeTogether(dynamodb, TABLE, [slot, status]);

    expect(sentAlone()).toEqual([withTable(status)]);
  });

  it('cancelled on a condition that is not an answer: sent alone, it fails as it would have alone', async () => {
    const guarded: LedgerWrite = { ...audit, update: { ...audit.update, ConditionExpression: 'attribute_not_exists(pk)' } };
    dynamoMock.on(TransactWriteItemsCommand).rejects(cancelled([{ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }, { Code: 'None' }]));
    dynamoMock.on(UpdateItemCommand, { Key: guarded.update.Key }).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } }));

    await expect(writeTogether(dynamodb, TABLE, [guarded, status])).rejects.toThrowError(ConditionalCheckFailedException);
    expect(sentAlone()).toEqual([withTable(guarded)]);
  });

  it('cancelled for throttling, then throttled alone too: a TransientAwsError (the state machine retries the step), the writes before it made', async () => {
    dynamoMock.on(TransactWriteItemsCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity of your table or index.' }]));
    dynamoMock.on(UpdateItemCommand, { Key: audit.update.Key }).resolves({});
    dynamoMock
      .on(UpdateItemCommand, { Key: status.update.Key })
      .rejects(new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: { httpStatusCode: 400 } }));

    await expect(writeTogether(dynamodb, TABLE, [audit, status])).rejects.toThrowError(TransientAwsError);
    expect(sentAlone()).toEqual([withTable(audit), withTable(status)]);
  });

  it('the transaction itself throttled: a TransientAwsError, as a throttled write alone is - nothing sent one by one', async () => {
    dynamoMock.on(TransactWriteItemsCommand).rejects(Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }));

    await expect(writeTogether(dynamodb, TABLE, [audit, status])).rejects.toThrowError(TransientAwsError);
    expect(sentAlone()).toEqual([]);
  });
});
