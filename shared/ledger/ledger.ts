/**
 * The ledger: deploy-medic's own memory, one DynamoDB table (pk/sk strings, TTL on
 * `expiresAt`). It holds what AWS will not tell us later:
 *  - the last known good revision of each service (ECS forgets it once the circuit breaker
 *    stalls a deployment with nothing COMPLETED to fall back to);
 *  - failed-launch counters per incident and cause, de-duplicated by task ARN, which drive
 *    fail-fast (roll back after N failed launches, not after the circuit breaker's 3-200).
 *
 * Every write is conditional, so at-least-once and out-of-order deliveries converge.
 */
import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { transientAware } from '../aws/transient';
import { type LastKnownGood, LedgerReader, type ServiceRef, serviceKey } from './ledgerReader';

export { type LastKnownGood, LedgerReader, type ServiceRef, serviceKey } from './ledgerReader';

const DAY = 86_400;
const COUNTER_TTL_SECONDS = 7 * DAY;

export class Ledger extends LedgerReader {
  /**
   * @param tableName the table, or a function naming it - resolved at first use, so a Lambda
   *   module can build its Ledger at init and a missing setting still fails loudly on use.
   */
  constructor(
    dynamodb: DynamoDBClient,
    tableName: string | (() => string),
    private readonly now: () => Date = () => new Date(),
  ) {
    super(dynamodb, tableName);
  }

  /**
   * Records a revision as the service's last known good - unless a newer record exists
   * (events arrive out of order: an old COMPLETED must not overwrite a newer one).
   * Returns false when the record was older than what the ledger has.
   *
   * @example
   * await ledger.recordLastKnownGood(ref, { taskDefinitionArn, recordedAt: event.time, source: 'SERVICE_STEADY_STATE' });
   */
  async recordLastKnownGood(ref: ServiceRef, good: LastKnownGood): Promise<boolean> {
    try {
      await transientAware('UpdateItem', () =>
        this.dynamodb.send(
          new UpdateItemCommand({
            TableName: this.table(),
            Key: { pk: { S: serviceKey(ref) }, sk: { S: 'last-known-good' } },
            UpdateExpression: 'SET taskDefinitionArn = :arn, recordedAt = :at, #source = :source',
            ConditionExpression: 'attribute_not_exists(recordedAt) OR recordedAt <= :at',
            ExpressionAttributeNames: { '#source': 'source' },
            ExpressionAttributeValues: { ':arn': { S: good.taskDefinitionArn }, ':at': { S: good.recordedAt }, ':source': { S: good.source } },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }


  /**
   * Counts one failed launch of an incident's revision for a cause. The same task counted
   * twice (a redelivered event) does not count again: `duplicate` says so.
   *
   * @example
   * const { count } = await ledger.countFailedLaunch(incident.key, 'APP_CRASH', taskArn); // 1, then 2 ...
   */
  async countFailedLaunch(incidentKey: string, category: string, taskArn: string): Promise<{ count: number; duplicate: boolean }> {
    const key = { pk: { S: `incident#${incidentKey}` }, sk: { S: `failed-launches#${category}` } };
    try {
      const out = await transientAware('UpdateItem', () =>
        this.dynamodb.send(
          new UpdateItemCommand({
            TableName: this.table(),
            Key: key,
            UpdateExpression: 'ADD #count :one, taskArns :task SET expiresAt = :ttl',
            ConditionExpression: 'attribute_not_exists(taskArns) OR NOT contains(taskArns, :taskArn)',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: {
              ':one': { N: '1' },
              ':task': { SS: [taskArn] },
              ':taskArn': { S: taskArn },
              ':ttl': { N: String(Math.floor(this.now().getTime() / 1000) + COUNTER_TTL_SECONDS) },
            },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return { count: Number(out.Attributes?.count?.N ?? '1'), duplicate: false };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException')) throw error;
      const current = await transientAware('GetItem', () =>
        this.dynamodb.send(new GetItemCommand({ TableName: this.table(), Key: key, ConsistentRead: true })),
      );
      return { count: Number(current.Item?.count?.N ?? '0'), duplicate: true };
    }
  }
}
