/**
 * The ledger: deploy-medic's own memory, one DynamoDB table (pk/sk strings, TTL on
 * `expiresAt`). It holds what AWS will not tell us later:
 *  - the last known good revision of each service (ECS forgets it once the circuit breaker
 *    stalls a deployment with nothing COMPLETED to fall back to);
 *  - failed-launch counters per incident and cause, de-duplicated by task ARN, which drive
 *    fail-fast (roll back after N failed launches, not after the circuit breaker's 3-200);
 *  - on each counter, whether the incident's execution is known to have started, so the
 *    events after it (a storm: thousands per failing service) cost one write each and no
 *    StartExecution call.
 *
 * Every write is conditional, so at-least-once and out-of-order deliveries converge.
 */
import { type AttributeValue, ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
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
   * twice (a redelivered event) does not count again: `duplicate` says so. `executionStarted`
   * is true once `markExecutionStarted` recorded the incident's execution.
   *
   * One call either way: a redelivery's ConditionalCheckFailed carries the item as it is
   * (ReturnValuesOnConditionCheckFailure), so nothing is read back.
   *
   * @example
   * const { count } = await ledger.countFailedLaunch(incident.key, 'APP_CRASH', taskArn); // 1, then 2 ...
   */
  async countFailedLaunch(incidentKey: string, category: string, taskArn: string): Promise<FailedLaunchCount> {
    try {
      const out = await transientAware('UpdateItem', () =>
        this.dynamodb.send(
          new UpdateItemCommand({
            TableName: this.table(),
            Key: counterKey(incidentKey, category),
            UpdateExpression: 'ADD #count :one, taskArns :task SET expiresAt = :ttl',
            ConditionExpression: 'attribute_not_exists(taskArns) OR NOT contains(taskArns, :taskArn)',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: {
              ':one': { N: '1' },
              ':task': { SS: [taskArn] },
              ':taskArn': { S: taskArn },
              ':ttl': { N: String(Math.floor(this.now().getTime() / 1000) + COUNTER_TTL_SECONDS) },
            },
            // ALL_NEW rather than UPDATED_NEW: the answer must carry `executionStarted`, which this update does not touch.
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return counted(out.Attributes, '1', false);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException')) throw error;
      const item = (error as ConditionalCheckFailedException).Item;
      if (item !== undefined) return counted(item, '0', true);
      // A DynamoDB that does not return the item with the failure: read it.
      const current = await transientAware('GetItem', () =>
        this.dynamodb.send(new GetItemCommand({ TableName: this.table(), Key: counterKey(incidentKey, category), ConsistentRead: true })),
      );
      return counted(current.Item, '0', true);
    }
  }

  /**
   * Records that the incident's execution exists (started, or found already started), so
   * later failed launches of the same cause skip StartExecution. Only an optimisation: the
   * execution name stays what makes an incident start once, so a lost mark costs one more
   * StartExecution, never a second execution.
   *
   * @example
   * await ledger.markExecutionStarted(incident.key, 'OOM');
   */
  async markExecutionStarted(incidentKey: string, category: string): Promise<void> {
    await transientAware('UpdateItem', () =>
      this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.table(),
          Key: counterKey(incidentKey, category),
          UpdateExpression: 'SET executionStarted = :true',
          ExpressionAttributeValues: { ':true': { BOOL: true } },
        }),
      ),
    );
  }
}

export interface FailedLaunchCount {
  count: number;
  /** This task was already counted (a redelivered event). */
  duplicate: boolean;
  /** Present (true) once the incident's execution is recorded as started. */
  executionStarted?: true;
}

const counterKey = (incidentKey: string, category: string) => ({ pk: { S: `incident#${incidentKey}` }, sk: { S: `failed-launches#${category}` } });

function counted(item: Record<string, AttributeValue> | undefined, countIfAbsent: string, duplicate: boolean): FailedLaunchCount {
  return { count: Number(item?.count?.N ?? countIfAbsent), duplicate, ...(item?.executionStarted?.BOOL === true ? { executionStarted: true as const } : {}) };
}
