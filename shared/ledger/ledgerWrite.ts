/**
 * One ledger write described as data: the UpdateItem to send, and whether its condition failing
 * is an answer rather than an error. Described once, a write can be sent alone (`writeOne`, here)
 * or together with others in one transaction (`writeTogether`, ./writeTogether.ts) - with the
 * same meaning either way.
 *
 * Either way IAM sees UpdateItem: DynamoDB authorises each Update of a transaction as UpdateItem
 * (test/package/iamFromCode.ts maps TransactWriteItems so).
 */
import { ConditionalCheckFailedException, type DynamoDBClient, type Update, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { transientAware } from '../aws/transient';

export interface LedgerWrite {
  /** For people reading logs: `audit entry`, `incident status` ... */
  what: string;
  /** The update, without the table (the ledger names it). */
  update: Omit<Update, 'TableName'>;
  /**
   * The condition failing means "nothing to do" (no incident record to move on, a slot already
   * released): the write is skipped silently. Otherwise a failed condition is an error.
   */
  conditionFailureIsAnswer?: boolean;
}

export const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';

/**
 * Sends one write as one UpdateItem; a throttled or failing DynamoDB comes out as
 * TransientAwsError (the state machine retries).
 *
 * @example
 * await writeOne(dynamodb, 'deploy-medic-prod-ledger', incidentStatusWrite(key, { status: 'resolved' }, new Date()));
 */
export async function writeOne(dynamodb: DynamoDBClient, tableName: string, write: LedgerWrite): Promise<void> {
  try {
    await transientAware('UpdateItem', () => dynamodb.send(new UpdateItemCommand({ TableName: tableName, ...write.update })));
  } catch (error) {
    if (!(write.conditionFailureIsAnswer && isConditionFailure(error))) throw error;
  }
}
