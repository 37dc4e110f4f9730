/**
 * Ledger writes that belong to one moment - the end of a Remediate step, a verified rollout - in
 * one call: one TransactWriteItems of Update operations instead of one UpdateItem each.
 *
 * A transaction is all or nothing; these writes are not. Each keeps its own condition, and one
 * failing must not sink the others (no incident record - an emergency rollback has none - must
 * still leave the audit entry and the caused-by-us marker). So when DynamoDB cancels the
 * transaction, its CancellationReasons (one per write, in order) decide what happens next:
 *  - a write whose condition failed where that is an answer ("nothing to do") is done: alone,
 *    it would have failed the same way and been skipped;
 *  - every other write - its reason `None` (rolled back with the rest), a throttle, a conflict -
 *    is sent again alone, through {@link writeOne}: exactly what separate writes would have done,
 *    with the same transient handling.
 *
 * The price: DynamoDB bills a transactional write as two write units per item, for one API call
 * (and one round trip) instead of one per item. IAM authorises each Update in it as UpdateItem.
 */
import { type CancellationReason, type DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { transientAware } from '../aws/transient';
import { logger } from '../observability';
import { type LedgerWrite, writeOne } from './ledgerWrite';

const isCancellation = (error: unknown): error is Error & { CancellationReasons?: CancellationReason[] } =>
  (error as Error | undefined)?.name === 'TransactionCanceledException';

/**
 * @example
 * await writeTogether(dynamodb, 'deploy-medic-prod-ledger', [releaseSlotWrite(execution), incidentStatusWrite(key, { status: 'resolved' }, now)]);
 */
export async function writeTogether(dynamodb: DynamoDBClient, tableName: string, writes: readonly LedgerWrite[]): Promise<void> {
  // One write gains nothing from a transaction, and would cost twice the write units.
  if (writes.length <= 1) {
    if (writes[0] !== undefined) await writeOne(dynamodb, tableName, writes[0]);
    return;
  }
  try {
    await transientAware('TransactWriteItems', () =>
      dynamodb.send(new TransactWriteItemsCommand({ TransactItems: writes.map((write) => ({ Update: { TableName: tableName, ...write.update } })) })),
    );
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await writeOneByOne(dynamodb, tableName, writes, error.CancellationReasons ?? []);
  }
}

async function writeOneByOne(dynamodb: DynamoDBClient, tableName: string, writes: readonly LedgerWrite[], reasons: readonly CancellationReason[]): Promise<void> {
  logger.info('ledger transaction cancelled: writing one by one', {
    reasons: writes.map((write, i) => ({ write: write.what, reason: reasons[i]?.Code ?? 'unknown' })),
  });
  for (const [i, write] of writes.entries()) {
    if (reasons[i]?.Code === 'ConditionalCheckFailed' && write.conditionFailureIsAnswer === true) continue;
    await writeOne(dynamodb, tableName, write);
  }
}
