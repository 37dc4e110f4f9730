/**
 * The ledger as the remediate function uses it: the caps and the loop breaker (the decision
 * itself: shared/policy/admission.ts), and the step's outcome written in one transaction.
 * Apart from ledger.ts so only the remediate function bundles the admission: ingest and the
 * others keep GetItem / UpdateItem (test/package derives roles from the bundled files).
 */
import { type AttributeValue, BatchGetItemCommand, GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { TransientAwsError } from '../errors';
import { transientAware } from '../aws/transient';
import type { MedicConfig } from '../config';
import { type Admission, type AdmissionRequest, decideAdmission, type GuardState, type Holdings } from '../policy/admission';
import { auditWrite, type CausedByUs, causedByUsWrite, Ledger } from './ledger';
import { type ActionAudit, CONCURRENCY_SK, GUARD_PK, HOURLY_SK, incidentStatusWrite, type IncidentUpdate, LOOP_BREAKER_SK, num } from './statusWriter';
import { writeTogether } from './writeTogether';

const GUARD_TTL_SECONDS = 2 * 86_400;
/** Optimistic transaction retries when another execution wrote a guard item between our read and write. */
const ADMISSION_ATTEMPTS = 5;

const holdingsToItem = (h: Holdings): AttributeValue => ({ M: Object.fromEntries(Object.entries(h).map(([k, v]) => [k, num(v)])) });
const holdingsFrom = (value: AttributeValue | undefined): Holdings =>
  Object.fromEntries(Object.entries(value?.M ?? {}).map(([k, v]) => [k, Number(v.N ?? '0')]));

/** The ledger as the remediate function uses it: everything in {@link Ledger}, plus admission. */
export class RemediationLedger extends Ledger {
  /**
   * The three guard items in one consistent BatchGetItem (one call, not three, per attempt). Keys
   * DynamoDB leaves unprocessed (throttling) are asked again; an item that does not exist is undefined.
   */
  private async readAll(keys: Array<[pk: string, sk: string]>): Promise<Array<Record<string, AttributeValue> | undefined>> {
    const found = new Map<string, Record<string, AttributeValue>>();
    let pending: Array<Record<string, AttributeValue>> = keys.map(([pk, sk]) => ({ pk: { S: pk }, sk: { S: sk } }));
    for (let round = 1; pending.length > 0; round++) {
      if (round > 5) throw new TransientAwsError(`BatchGetItem left ${pending.length} guard item(s) unprocessed after 5 rounds`);
      const table = this.table();
      const out = await transientAware('BatchGetItem', () =>
        this.dynamodb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } })),
      );
      for (const item of out.Responses?.[table] ?? []) found.set(`${item.pk?.S}|${item.sk?.S}`, item);
      pending = (out.UnprocessedKeys?.[table]?.Keys ?? []) as Array<Record<string, AttributeValue>>;
    }
    return keys.map(([pk, sk]) => found.get(`${pk}|${sk}`));
  }

  private async read(pk: string, sk: string) {
    const out = await transientAware('GetItem', () =>
      this.dynamodb.send(new GetItemCommand({ TableName: this.table(), Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true })),
    );
    return out.Item;
  }

  private nowEpoch(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  /**
   * Checks the loop breaker and the blast-radius caps and, when they allow it, takes this
   * execution's slot, counts the action and the resource's remediation - all in one
   * transaction conditioned on the versions read, so two executions cannot both pass a cap
   * they would exceed together. Refused: nothing is written.
   *
   * @example
   * const admission = await ledger.admit(resourceKeyOf(incident), { executionName, actionId, holdUntil, now }, config.guards);
   * if (!admission.admitted) return refusal(admission); // notify, change nothing
   */
  async admit(resourceKey: string, request: Omit<AdmissionRequest, 'now'>, guards: MedicConfig['guards']): Promise<Admission> {
    for (let attempt = 1; ; attempt++) {
      const now = this.nowEpoch();
      const [resource, concurrency, hourly] = await this.readAll([
        [resourceKey, LOOP_BREAKER_SK],
        [GUARD_PK, CONCURRENCY_SK],
        [GUARD_PK, HOURLY_SK],
      ]);
      const state: GuardState = {
        resource: {
          remediations: holdingsFrom(resource?.remediations),
          ...(resource?.lastActionAt?.N ? { lastActionAt: Number(resource.lastActionAt.N) } : {}),
          ...(resource?.lastExecution?.S ? { lastExecution: resource.lastExecution.S } : {}),
        },
        concurrency: holdingsFrom(concurrency?.holders),
        actions: holdingsFrom(hourly?.actions),
      };
      const decision = decideAdmission(state, { ...request, now }, guards);
      if (!decision.admitted) return decision;
      const next = decision.state;
      const versioned = (pk: string, sk: string, item: Record<string, AttributeValue> | undefined, set: string, values: Record<string, AttributeValue>) => ({
        Update: {
          TableName: this.table(),
          Key: { pk: { S: pk }, sk: { S: sk } },
          UpdateExpression: `SET ${set}, version = :next, expiresAt = :ttl`,
          ConditionExpression: item?.version?.N === undefined ? 'attribute_not_exists(version)' : 'version = :current',
          ExpressionAttributeValues: {
            ...values,
            ':next': num(Number(item?.version?.N ?? '0') + 1),
            ':ttl': num(now + GUARD_TTL_SECONDS),
            ...(item?.version?.N !== undefined ? { ':current': { N: item.version.N } } : {}),
          },
        },
      });
      try {
        await transientAware('TransactWriteItems', () =>
          this.dynamodb.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                versioned(resourceKey, LOOP_BREAKER_SK, resource, 'remediations = :r, lastActionAt = :last, lastExecution = :exec', {
                  ':r': holdingsToItem(next.resource.remediations),
                  ':last': num(next.resource.lastActionAt ?? now),
                  ':exec': { S: request.executionName },
                }),
                versioned(GUARD_PK, CONCURRENCY_SK, concurrency, 'holders = :h', { ':h': holdingsToItem(next.concurrency) }),
                versioned(GUARD_PK, HOURLY_SK, hourly, 'actions = :a', { ':a': holdingsToItem(next.actions) }),
              ],
            }),
          ),
        );
        return decision;
      } catch (error) {
        // Another execution wrote a guard item since we read it: read again and decide again.
        if ((error as Error).name === 'TransactionCanceledException' && attempt < ADMISSION_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /**
   * What a Remediate step leaves in the ledger once it has acted, explained or been refused: the
   * audit entry, the incident's new status and, for a deployment it started, the caused-by-us
   * marker - in one transaction. Cancelled (no incident record, say), each write is made alone
   * with its own meaning (shared/ledger/writeTogether.ts): the audit entry and the marker land.
   *
   * @example
   * await ledger.recordOutcome({ audit, status: { status: 'remediating', mode, category }, causedByUs });
   */
  async recordOutcome(outcome: { audit: ActionAudit; status: IncidentUpdate; causedByUs?: CausedByUs | undefined }): Promise<void> {
    const now = this.now();
    await writeTogether(this.dynamodb, this.table(), [
      auditWrite(outcome.audit, now),
      incidentStatusWrite(outcome.audit.incidentKey, outcome.status, now),
      ...(outcome.causedByUs ? [causedByUsWrite(outcome.causedByUs, now)] : []),
    ]);
  }

  /** Who holds a concurrency slot now (expired holdings left out). */
  async slotHolders(): Promise<string[]> {
    const item = await this.read(GUARD_PK, CONCURRENCY_SK);
    const now = this.nowEpoch();
    return Object.entries(holdingsFrom(item?.holders)).filter(([, until]) => until > now).map(([name]) => name);
  }
}
