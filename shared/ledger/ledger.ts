/**
 * The ledger: deploy-medic's own memory and audit trail, one DynamoDB table (pk/sk strings,
 * TTL on `expiresAt`, epoch seconds). It holds what AWS will not tell us later:
 *
 * | pk                                   | sk                          | what                                                | who writes          | expires |
 * | ------------------------------------ | --------------------------- | --------------------------------------------------- | ------------------- | ------- |
 * | `ecs-service#<region>:<acct>:<c>/<s>`| `last-known-good`           | last revision ECS reported COMPLETED / steady       | ingest              | never   |
 * | `incident#<incident key>`            | `failed-launches#<category>`| failed-launch counter, task ARNs (fail-fast); `executionStarted` once the execution exists (a storm then costs one write per event) | ingest | 7 d |
 * | `incident#<incident key>`            | `incident`                  | opened: kind, category, mode, executionName, openedAt, deliveries; status, updatedAt | ingest, remediate, notify | 365 d |
 * | `incident#<incident key>`            | `action#<action id>`        | audit: who (function, execution), what (action, steps), when, before/after, applied/dry-run/refused | remediate | 365 d |
 * | `<resource key>`                     | `loop-breaker`              | remediations of the resource in 24 h, last action (cooldown) | remediate  | 2 d after last write |
 * | `<resource key>`                     | `caused-by-us#<deploymentId>` | a deployment our action started: what, which execution, watchUntil | remediate | 7 d |
 * | `guard`                              | `concurrent-remediations`   | slots: execution -> expiry (end of its verify window)| remediate, notify (frees it when the run ends) | 2 d after last write |
 * | `guard`                              | `actions-last-hour`         | action id -> when, the hourly cap's window          | remediate           | 2 d after last write |
 *
 * `<resource key>` is the service key above, or `cfn-stack#<region>:<acct>:<stack name>`.
 * The guard items carry a `version`: they are read, decided on (shared/policy/admission.ts) and
 * written back together in one transaction conditioned on those versions.
 *
 * Every write is conditional or idempotent, so at-least-once and out-of-order deliveries converge.
 *
 * Writes that belong to one moment go in one TransactWriteItems (shared/ledger/writeTogether.ts):
 * Remediate's audit entry, incident status and caused-by-us marker (RemediationLedger.recordOutcome);
 * Notify's final incident status and the run's slot release (LedgerStatusWriter.closeIncident).
 * Each keeps its own condition: when DynamoDB cancels the transaction, the writes are made one by
 * one with their own meaning, so a missing incident record never costs the audit entry or the marker.
 */
import { type AttributeValue, ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { transientAware } from '../aws/transient';
import type { Mode } from '../config';
import type { Incident } from '../incident';
import { type LastKnownGood, LedgerReader, type ServiceRef, serviceKey } from './ledgerReader';
import { isConditionFailure, type LedgerWrite, writeOne } from './ledgerWrite';
import { type ActionAudit, AUDIT_TTL_SECONDS, type IncidentRecord, type IncidentStatus, LedgerStatusWriter, num } from './statusWriter';

export { type LastKnownGood, LedgerReader, type ServiceRef, serviceKey } from './ledgerReader';
export { type ActionAudit, CONCURRENCY_SK, GUARD_PK, HOURLY_SK, type IncidentRecord, type IncidentStatus, LedgerStatusWriter, LOOP_BREAKER_SK } from './statusWriter';

const DAY = 86_400;
const COUNTER_TTL_SECONDS = 7 * DAY;
const MARKER_TTL_SECONDS = 7 * DAY;


/** The resource an incident is about: what the loop breaker counts and the caused-by-us markers hang on. */
export const resourceKeyOf = (incident: Incident): string =>
  incident.resource.type === 'ecs-service'
    ? serviceKey(incident.resource)
    : `cfn-stack#${incident.resource.region}:${incident.resource.account}:${incident.resource.stackName}`;


/** A change deploy-medic made, so the events it causes do not open incidents of their own. */
export interface CausedByUs {
  resourceKey: string;
  /** The ECS deployment our UpdateService started (`ecs-svc/...`). */
  deploymentId: string;
  incidentKey: string;
  executionName: string;
  /** What we changed, for people: `ecs-rollback to ...:6`. */
  change: string;
  /** Until when our execution watches this deployment (its verify deadline), ISO-8601. */
  watchUntil: string;
}

/** One audit entry (see {@link Ledger.recordAction}): unconditional, keyed by the action id. */
export function auditWrite(entry: ActionAudit, now: Date): LedgerWrite {
  return {
    what: 'audit entry',
    update: {
      Key: { pk: { S: `incident#${entry.incidentKey}` }, sk: { S: `action#${entry.actionId}` } },
      UpdateExpression: 'SET whoFunction = :fn, whoExecution = :exec, #action = :action, steps = :steps, #at = :at, #mode = :mode, #result = :result, #before = :before, #after = :after, expiresAt = :ttl',
      ExpressionAttributeNames: { '#action': 'action', '#at': 'at', '#mode': 'mode', '#result': 'result', '#before': 'before', '#after': 'after' },
      ExpressionAttributeValues: {
        ':fn': { S: entry.who.function },
        ':exec': { S: entry.who.execution },
        ':action': { S: entry.action },
        ':steps': { L: entry.steps.map((step) => ({ S: step })) },
        ':at': { S: entry.at },
        ':mode': { S: entry.mode },
        ':result': { S: entry.result },
        // JSON text: before/after are free-form snapshots, read back by people and `medic status`.
        ':before': { S: JSON.stringify(entry.before ?? {}) },
        ':after': { S: JSON.stringify(entry.after ?? {}) },
        ':ttl': num(Math.floor(now.getTime() / 1000) + AUDIT_TTL_SECONDS),
      },
    },
  };
}

/** A caused-by-us marker (see {@link Ledger.markCausedByUs}): unconditional; the first write's createdAt stays. */
export function causedByUsWrite(marker: CausedByUs, now: Date): LedgerWrite {
  return {
    what: 'caused-by-us marker',
    update: {
      Key: { pk: { S: marker.resourceKey }, sk: { S: `caused-by-us#${marker.deploymentId}` } },
      UpdateExpression: 'SET incidentKey = :incident, executionName = :exec, change = :change, watchUntil = :until, createdAt = if_not_exists(createdAt, :now), expiresAt = :ttl',
      ExpressionAttributeValues: {
        ':incident': { S: marker.incidentKey },
        ':exec': { S: marker.executionName },
        ':change': { S: marker.change },
        ':until': { S: marker.watchUntil },
        ':now': { S: now.toISOString() },
        ':ttl': num(Math.floor(new Date(marker.watchUntil).getTime() / 1000) + MARKER_TTL_SECONDS),
      },
    },
  };
}


export class Ledger extends LedgerReader {
  /**
   * @param tableName the table, or a function naming it - resolved at first use, so a Lambda
   *   module can build its Ledger at init and a missing setting still fails loudly on use.
   */
  constructor(
    dynamodb: DynamoDBClient,
    tableName: string | (() => string),
    protected readonly now: () => Date = () => new Date(),
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
      if (isConditionFailure(error)) return false;
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
      if (!isConditionFailure(error)) throw error;
      const item = (error as ConditionalCheckFailedException).Item;
      if (item !== undefined) return counted(item, '0', true);
      // A DynamoDB that does not return the item with the failure: read it.
      const current = await transientAware('GetItem', () =>
        this.dynamodb.send(new GetItemCommand({ TableName: this.table(), Key: counterKey(incidentKey, category), ConsistentRead: true })),
      );
      return counted(current.Item, '0', true);
    }
  }
  /** The table's name (resolved on first use), for readers outside this class: tests, `medic status`. */
  get tableName(): string {
    return this.table();
  }

  private epoch(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  private async update(input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName'>) {
    return transientAware('UpdateItem', () => this.dynamodb.send(new UpdateItemCommand({ TableName: this.table(), ...input })));
  }

  private async get(pk: string, sk: string) {
    const out = await transientAware('GetItem', () =>
      this.dynamodb.send(new GetItemCommand({ TableName: this.table(), Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true })),
    );
    return out.Item;
  }

  /**
   * Opens the incident's record, once: a redelivery finds it and only counts the delivery.
   * `opened` is true for the call that created it.
   *
   * @example
   * const { opened, deliveries } = await ledger.openIncident({ key, kind: 'ecs-service', category: 'OOM', mode: 'auto', executionName, openedAt });
   */
  async openIncident(record: IncidentRecord): Promise<{ opened: boolean; deliveries: number }> {
    const out = await this.update({
      Key: { pk: { S: `incident#${record.key}` }, sk: { S: 'incident' } },
      UpdateExpression:
        'SET incidentKey = if_not_exists(incidentKey, :key), kind = if_not_exists(kind, :kind), category = if_not_exists(category, :category), ' +
        '#mode = if_not_exists(#mode, :mode), executionName = if_not_exists(executionName, :exec), openedAt = if_not_exists(openedAt, :at), ' +
        '#status = if_not_exists(#status, :opened), expiresAt = if_not_exists(expiresAt, :ttl) ADD deliveries :one',
      ExpressionAttributeNames: { '#mode': 'mode', '#status': 'status' },
      ExpressionAttributeValues: {
        ':key': { S: record.key },
        ':kind': { S: record.kind },
        ':category': { S: record.category },
        ':mode': { S: record.mode },
        ':exec': { S: record.executionName },
        ':at': { S: record.openedAt },
        ':opened': { S: 'opened' },
        ':ttl': num(this.epoch() + AUDIT_TTL_SECONDS),
        ':one': num(1),
      },
      ReturnValues: 'ALL_NEW',
    });
    const deliveries = Number(out.Attributes?.deliveries?.N ?? '1');
    return { opened: deliveries === 1, deliveries };
  }

  /** The incident's record as stored, or undefined. */
  async incident(key: string): Promise<(IncidentRecord & { status: IncidentStatus; deliveries: number; updatedAt?: string; statusReason?: string }) | undefined> {
    const item = await this.get(`incident#${key}`, 'incident');
    if (item === undefined) return undefined;
    return {
      key: item.incidentKey?.S ?? key,
      kind: item.kind?.S as IncidentRecord['kind'],
      category: item.category?.S ?? '',
      mode: item.mode?.S as Mode,
      executionName: item.executionName?.S ?? '',
      openedAt: item.openedAt?.S ?? '',
      status: item.status?.S as IncidentStatus,
      deliveries: Number(item.deliveries?.N ?? '0'),
      ...(item.updatedAt?.S ? { updatedAt: item.updatedAt.S } : {}),
      ...(item.statusReason?.S ? { statusReason: item.statusReason.S } : {}),
    };
  }

  /** See {@link LedgerStatusWriter.releaseSlot}. */
  releaseSlot(executionName: string): Promise<void> {
    return new LedgerStatusWriter(this.dynamodb, this.table, this.now).releaseSlot(executionName);
  }

  /** See {@link LedgerStatusWriter.closeIncident}: here too, so the local deployment and the tests can hand one ledger to every handler. */
  closeIncident(key: string, update: Parameters<LedgerStatusWriter['closeIncident']>[1], slotHolder?: string): Promise<void> {
    return new LedgerStatusWriter(this.dynamodb, this.table, this.now).closeIncident(key, update, slotHolder);
  }

  /** See {@link LedgerStatusWriter.updateIncident}. */
  updateIncident(key: string, update: Parameters<LedgerStatusWriter['updateIncident']>[1]): Promise<void> {
    return new LedgerStatusWriter(this.dynamodb, this.table, this.now).updateIncident(key, update);
  }

  /**
   * Writes one audit entry. Its key is the action id, so a retried Lambda rewrites its own entry
   * instead of adding a second one.
   */
  async recordAction(entry: ActionAudit): Promise<void> {
    await writeOne(this.dynamodb, this.table(), auditWrite(entry, this.now()));
  }

  /** Marks a deployment as ours (see {@link CausedByUs}). Idempotent: the same deployment, the same item. */
  async markCausedByUs(marker: CausedByUs): Promise<void> {
    await writeOne(this.dynamodb, this.table(), causedByUsWrite(marker, this.now()));
  }

  /** The marker of a deployment we started, if any (expired or not: the caller compares watchUntil). */
  async causedByUs(resourceKey: string, deploymentId: string): Promise<CausedByUs | undefined> {
    const item = await this.get(resourceKey, `caused-by-us#${deploymentId}`);
    if (item?.executionName?.S === undefined) return undefined;
    return {
      resourceKey,
      deploymentId,
      incidentKey: item.incidentKey?.S ?? '',
      executionName: item.executionName.S,
      change: item.change?.S ?? '',
      watchUntil: item.watchUntil?.S ?? '',
    };
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
