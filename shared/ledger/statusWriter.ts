/**
 * The ledger writes the end of a remediation needs: the incident's status, and freeing a
 * concurrency slot. Apart from ledger.ts so CheckDeployment bundles UpdateItem alone (its role
 * grants exactly that; test/package derives roles from the bundled files).
 */
import { type AttributeValue, ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { transientAware } from '../aws/transient';
import type { Mode } from '../config';
import type { Incident } from '../incident';

const DAY = 86_400;
/** Incidents and their actions: the audit trail, kept a year (PITR covers the table beyond that). */
export const AUDIT_TTL_SECONDS = 365 * DAY;
export const GUARD_PK = 'guard';
export const CONCURRENCY_SK = 'concurrent-remediations';
export const HOURLY_SK = 'actions-last-hour';
export const LOOP_BREAKER_SK = 'loop-breaker';

export interface IncidentRecord {
  key: string;
  kind: Incident['resource']['type'];
  category: string;
  mode: Mode;
  executionName: string;
  openedAt: string;
}

export type IncidentStatus = 'opened' | 'remediating' | 'observed' | 'refused' | 'resolved' | 'escalated' | 'denied' | 'approval-timed-out';

/** One audit entry: who did what, when, and what it looked like before and after. */
export interface ActionAudit {
  incidentKey: string;
  /** Deterministic per attempt (`<execution>#<attempt>#<action>`): a retried Lambda rewrites its own entry. */
  actionId: string;
  who: { function: string; execution: string };
  action: string;
  steps: string[];
  at: string;
  mode: Mode;
  result: 'applied' | 'dry-run' | 'no-op' | 'refused';
  before?: Record<string, unknown> | undefined;
  after?: Record<string, unknown> | undefined;
}

export const num = (n: number): AttributeValue => ({ N: String(n) });
const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';

export class LedgerStatusWriter {
  private readonly table: () => string;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    tableName: string | (() => string),
    private readonly now: () => Date = () => new Date(),
  ) {
    this.table = typeof tableName === 'string' ? () => tableName : tableName;
  }

  private epoch(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  private async update(input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName'>) {
    return transientAware('UpdateItem', () => this.dynamodb.send(new UpdateItemCommand({ TableName: this.table(), ...input })));
  }

  /**
   * Moves the incident on (remediating, refused, resolved ...), with the diagnosis' category and
   * the resolved mode once they are known. Cheap: one write, no read.
   */
  async updateIncident(key: string, update: { status: IncidentStatus; reason?: string; mode?: Mode; category?: string }): Promise<void> {
    const values: Record<string, AttributeValue> = { ':status': { S: update.status }, ':at': { S: this.now().toISOString() }, ':ttl': num(this.epoch() + AUDIT_TTL_SECONDS) };
    const sets = ['#status = :status', 'updatedAt = :at', 'expiresAt = if_not_exists(expiresAt, :ttl)'];
    const names: Record<string, string> = { '#status': 'status' };
    if (update.reason !== undefined) (sets.push('statusReason = :reason'), (values[':reason'] = { S: update.reason }));
    if (update.mode !== undefined) (sets.push('#mode = :mode'), (values[':mode'] = { S: update.mode }), (names['#mode'] = 'mode'));
    if (update.category !== undefined) (sets.push('category = :category'), (values[':category'] = { S: update.category }));
    try {
      await this.update({
        Key: { pk: { S: `incident#${key}` }, sk: { S: 'incident' } },
        UpdateExpression: `SET ${sets.join(', ')}`,
        // Only ingest opens a record: an emergency rollback (no incident record) is audited, not half-recorded.
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Frees an execution's concurrency slot early (its change is verified steady). Without this
   * the slot still expires at the end of the verify window. Bumps the version, so a concurrent
   * admission that read the slot as taken re-reads.
   */
  async releaseSlot(executionName: string): Promise<void> {
    try {
      await this.update({
        Key: { pk: { S: GUARD_PK }, sk: { S: CONCURRENCY_SK } },
        UpdateExpression: 'REMOVE holders.#holder SET version = version + :one',
        ConditionExpression: 'attribute_exists(holders.#holder)',
        ExpressionAttributeNames: { '#holder': executionName },
        ExpressionAttributeValues: { ':one': num(1) },
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // not held (released before, or expired): nothing to do
    }
  }

}
