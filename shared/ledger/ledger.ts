/**
 * The ledger: deploy-medic's own memory and audit trail, one DynamoDB table (pk/sk strings,
 * TTL on `expiresAt`, epoch seconds). It holds what AWS will not tell us later:
 *
 * | pk                                   | sk                          | what                                                | who writes          | expires |
 * | ------------------------------------ | --------------------------- | --------------------------------------------------- | ------------------- | ------- |
 * | `ecs-service#<region>:<acct>:<c>/<s>`| `last-known-good`           | last revision ECS reported COMPLETED / steady       | ingest              | never   |
 * | `incident#<incident key>`            | `failed-launches#<category>`| failed-launch counter, task ARNs (fail-fast)        | ingest              | 7 d     |
 * | `incident#<incident key>`            | `incident`                  | opened: kind, category, mode, executionName, openedAt, deliveries; status, updatedAt | ingest, remediate, checkDeployment | 365 d |
 * | `incident#<incident key>`            | `action#<action id>`        | audit: who (function, execution), what (action, steps), when, before/after, applied/dry-run/refused | remediate | 365 d |
 * | `<resource key>`                     | `loop-breaker`              | remediations of the resource in 24 h, last action (cooldown) | remediate  | 2 d after last write |
 * | `<resource key>`                     | `caused-by-us#<deploymentId>` | a deployment our action started: what, which execution, watchUntil | remediate | 7 d |
 * | `guard`                              | `concurrent-remediations`   | slots: execution -> expiry (end of its verify window)| remediate, checkDeployment | 2 d after last write |
 * | `guard`                              | `actions-last-hour`         | action id -> when, the hourly cap's window          | remediate           | 2 d after last write |
 *
 * `<resource key>` is the service key above, or `cfn-stack#<region>:<acct>:<stack name>`.
 * The guard items carry a `version`: they are read, decided on (shared/policy/admission.ts) and
 * written back together in one transaction conditioned on those versions.
 *
 * Every write is conditional or idempotent, so at-least-once and out-of-order deliveries converge.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { transientAware } from '../aws/transient';
import type { MedicConfig, Mode } from '../config';
import type { Incident } from '../incident';
import { type Admission, type AdmissionRequest, decideAdmission, type GuardState, type Holdings } from '../policy/admission';

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

const DAY = 86_400;
const COUNTER_TTL_SECONDS = 7 * DAY;
/** Incidents and their actions: the audit trail, kept a year (PITR covers the table beyond that). */
const AUDIT_TTL_SECONDS = 365 * DAY;
const GUARD_TTL_SECONDS = 2 * DAY;
const MARKER_TTL_SECONDS = 7 * DAY;
/** Optimistic transaction retries when another execution wrote a guard item between our read and write. */
const ADMISSION_ATTEMPTS = 5;

export const serviceKey = (s: ServiceRef) => `ecs-service#${s.region}:${s.account}:${s.cluster}/${s.service}`;

/** The resource an incident is about: what the loop breaker counts and the caused-by-us markers hang on. */
export const resourceKeyOf = (incident: Incident): string =>
  incident.resource.type === 'ecs-service'
    ? serviceKey(incident.resource)
    : `cfn-stack#${incident.resource.region}:${incident.resource.account}:${incident.resource.stackName}`;

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

export type IncidentStatus = 'opened' | 'remediating' | 'observed' | 'refused' | 'resolved';

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

const num = (n: number): AttributeValue => ({ N: String(n) });
const holdingsToItem = (h: Holdings): AttributeValue => ({ M: Object.fromEntries(Object.entries(h).map(([k, v]) => [k, num(v)])) });
const holdingsFrom = (value: AttributeValue | undefined): Holdings =>
  Object.fromEntries(Object.entries(value?.M ?? {}).map(([k, v]) => [k, Number(v.N ?? '0')]));
const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';

export class Ledger {
  private readonly table: () => string;

  /**
   * @param tableName the table, or a function naming it - resolved at first use, so a Lambda
   *   module can build its Ledger at init and a missing setting still fails loudly on use.
   */
  constructor(
    private readonly dynamodb: DynamoDBClient,
    tableName: string | (() => string),
    private readonly now: () => Date = () => new Date(),
  ) {
    this.table = typeof tableName === 'string' ? () => tableName : tableName;
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
   * Writes one audit entry. Its key is the action id, so a retried Lambda rewrites its own entry
   * instead of adding a second one.
   */
  async recordAction(entry: ActionAudit): Promise<void> {
    await this.update({
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
        ':ttl': num(this.epoch() + AUDIT_TTL_SECONDS),
      },
    });
  }

  /** The incident's audit entries, oldest first. */
  async actions(incidentKey: string): Promise<ActionAudit[]> {
    const out = await transientAware('Query', () =>
      this.dynamodb.send(
        new QueryCommand({
          TableName: this.table(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': { S: `incident#${incidentKey}` }, ':prefix': { S: 'action#' } },
          ConsistentRead: true,
        }),
      ),
    );
    return (out.Items ?? [])
      .map((item) => ({
        incidentKey,
        actionId: (item.sk?.S ?? '').replace(/^action#/, ''),
        who: { function: item.whoFunction?.S ?? '', execution: item.whoExecution?.S ?? '' },
        action: item.action?.S ?? '',
        steps: (item.steps?.L ?? []).map((s) => s.S ?? ''),
        at: item.at?.S ?? '',
        mode: item.mode?.S as Mode,
        result: item.result?.S as ActionAudit['result'],
        before: JSON.parse(item.before?.S ?? '{}') as Record<string, unknown>,
        after: JSON.parse(item.after?.S ?? '{}') as Record<string, unknown>,
      }))
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  /** Marks a deployment as ours (see {@link CausedByUs}). Idempotent: the same deployment, the same item. */
  async markCausedByUs(marker: CausedByUs): Promise<void> {
    await this.update({
      Key: { pk: { S: marker.resourceKey }, sk: { S: `caused-by-us#${marker.deploymentId}` } },
      UpdateExpression: 'SET incidentKey = :incident, executionName = :exec, change = :change, watchUntil = :until, createdAt = if_not_exists(createdAt, :now), expiresAt = :ttl',
      ExpressionAttributeValues: {
        ':incident': { S: marker.incidentKey },
        ':exec': { S: marker.executionName },
        ':change': { S: marker.change },
        ':until': { S: marker.watchUntil },
        ':now': { S: this.now().toISOString() },
        ':ttl': num(Math.floor(new Date(marker.watchUntil).getTime() / 1000) + MARKER_TTL_SECONDS),
      },
    });
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
      const now = this.epoch();
      const [resource, concurrency, hourly] = await Promise.all([
        this.get(resourceKey, LOOP_BREAKER_SK),
        this.get(GUARD_PK, CONCURRENCY_SK),
        this.get(GUARD_PK, HOURLY_SK),
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

  /** Who holds a concurrency slot now (expired holdings left out). */
  async slotHolders(): Promise<string[]> {
    const item = await this.get(GUARD_PK, CONCURRENCY_SK);
    const now = this.epoch();
    return Object.entries(holdingsFrom(item?.holders)).filter(([, until]) => until > now).map(([name]) => name);
  }
}
