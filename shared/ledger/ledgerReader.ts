/**
 * The ledger's read side: what diagnose and prepareRollback need (the last known good revision).
 * It lives apart from the writes (ledger.ts) so the functions that only read bundle no
 * UpdateItem call: their roles grant dynamodb:GetItem alone, and test/package derives the
 * roles from the bundled code (iamFromCode.ts), so the split is what makes that provable.
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { transientAware } from '../aws/transient';

export interface ServiceRef {
  region: string;
  account: string;
  cluster: string;
  service: string;
}

export interface LastKnownGood {
  taskDefinitionArn: string;
  /** When ECS reported it good (the event's updatedAt / time), ISO-8601. */
  recordedAt: string;
  /** What told us: `SERVICE_DEPLOYMENT_COMPLETED ecs-svc/...`, `SERVICE_STEADY_STATE`. */
  source: string;
}

export const serviceKey = (s: ServiceRef) => `ecs-service#${s.region}:${s.account}:${s.cluster}/${s.service}`;

export class LedgerReader {
  protected readonly table: () => string;

  /**
   * @param tableName the table, or a function naming it - resolved at first use, so a Lambda
   *   module can build its reader at init and a missing setting still fails loudly on use.
   *
   * @example
   * const good = await new LedgerReader(dynamodb, 'deploy-medic-prod-ledger').lastKnownGood({ region, account, cluster, service });
   */
  constructor(
    protected readonly dynamodb: DynamoDBClient,
    tableName: string | (() => string),
  ) {
    this.table = typeof tableName === 'string' ? () => tableName : tableName;
  }

  async lastKnownGood(ref: ServiceRef): Promise<LastKnownGood | undefined> {
    const out = await transientAware('GetItem', () =>
      this.dynamodb.send(
        new GetItemCommand({ TableName: this.table(), Key: { pk: { S: serviceKey(ref) }, sk: { S: 'last-known-good' } }, ConsistentRead: true }),
      ),
    );
    const item = out.Item;
    if (item?.taskDefinitionArn?.S === undefined) return undefined;
    return { taskDefinitionArn: item.taskDefinitionArn.S, recordedAt: item.recordedAt?.S ?? '', source: item.source?.S ?? '' };
  }
}
