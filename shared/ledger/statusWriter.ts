/**
 * The ledger writes the end of a remediation needs: the incident's status, and freeing a
 * concurrency slot - described once (as {@link LedgerWrite}s), sent alone or together by
 * Remediate (guards.ts) and Notify (closeIncident, at the end of every run). Apart from ledger.ts
 * so Notify bundles UpdateItem alone (and its transaction of Updates, which IAM authorises as
 * UpdateItem too; test/package derives roles from the bundles).
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Mode } from '../config';
import type { Incident } from '../incident';
import { type LedgerWrite, writeOne } from './ledgerWrite';
import { writeTogether } from './writeTogether';

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

export type IncidentUpdate = { status: IncidentStatus; reason?: string; mode?: Mode; category?: string };

/**
 * Moves the incident on (remediating, refused, resolved ...), with the diagnosis' category and
 * the resolved mode once they are known. No incident record is an answer, not an error: only
 * ingest opens one, so an emergency rollback (no incident record) is audited, not half-recorded.
 */
export function incidentStatusWrite(key: string, update: IncidentUpdate, now: Date): LedgerWrite {
  const values: Record<string, AttributeValue> = {
    ':status': { S: update.status },
    ':at': { S: now.toISOString() },
    ':ttl': num(Math.floor(now.getTime() / 1000) + AUDIT_TTL_SECONDS),
  };
  const sets = ['#status = :status', 'updatedAt = :at', 'expiresAt = if_not_exists(expiresAt, :ttl)'];
  const names: Record<string, string> = { '#status': 'status' };
  if (update.reason !== undefined) (sets.push('statusReason = :reason'), (values[':reason'] = { S: update.reason }));
  if (update.mode !== undefined) (sets.push('#mode = :mode'), (values[':mode'] = { S: update.mode }), (names['#mode'] = 'mode'));
  if (update.category !== undefined) (sets.push('category = :category'), (values[':category'] = { S: update.category }));
  return {
    what: 'incident status',
    update: {
      Key: { pk: { S: `incident#${key}` }, sk: { S: 'incident' } },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    conditionFailureIsAnswer: true,
  };
}

/**
 * Frees an execution's concurrency slot. Bumps the version, so a concurrent admission that read
 * the slot as taken re-reads. Not held (released before, or expired) is an answer: nothing to do.
 */
export function releaseSlotWrite(executionName: string): LedgerWrite {
  return {
    what: 'concurrency slot release',
    update: {
      Key: { pk: { S: GUARD_PK }, sk: { S: CONCURRENCY_SK } },
      UpdateExpression: 'REMOVE holders.#holder SET version = version + :one',
      ConditionExpression: 'attribute_exists(holders.#holder)',
      ExpressionAttributeNames: { '#holder': executionName },
      ExpressionAttributeValues: { ':one': num(1) },
    },
    conditionFailureIsAnswer: true,
  };
}

export class LedgerStatusWriter {
  protected readonly table: () => string;

  constructor(
    protected readonly dynamodb: DynamoDBClient,
    tableName: string | (() => string),
    protected readonly now: () => Date = () => new Date(),
  ) {
    this.table = typeof tableName === 'string' ? () => tableName : tableName;
  }

  /** See {@link incidentStatusWrite}. Cheap: one write, no read. */
  async updateIncident(key: string, update: IncidentUpdate): Promise<void> {
    await writeOne(this.dynamodb, this.table(), incidentStatusWrite(key, update, this.now()));
  }

  /**
   * Frees an execution's concurrency slot early. Without this the slot still expires at the end
   * of the verify window. See {@link releaseSlotWrite}.
   */
  async releaseSlot(executionName: string): Promise<void> {
    await writeOne(this.dynamodb, this.table(), releaseSlotWrite(executionName));
  }

  /**
   * The end of a run (Notify, at every ending): the incident record takes its final status and
   * the run's concurrency slot, if it held one, goes back - one TransactWriteItems, or the one
   * UpdateItem when there is no slot. Either condition failing is an answer (the slot already
   * released or expired, no incident record): DynamoDB cancels the transaction and the other
   * write is made alone (shared/ledger/writeTogether.ts).
   *
   * @example
   * await ledger.closeIncident(run.incident.key, { status: 'resolved', reason }, run.remediation?.slotHolder);
   */
  async closeIncident(key: string, update: IncidentUpdate, slotHolder?: string): Promise<void> {
    await writeTogether(this.dynamodb, this.table(), [...(slotHolder !== undefined ? [releaseSlotWrite(slotHolder)] : []), incidentStatusWrite(key, update, this.now())]);
  }
}
