/**
 * Pending approvals, in the ledger table (same table as shared/ledger/ledger.ts, its own
 * partition prefix so the two never meet):
 *
 *   pk = `approval#<incident key>`   sk = `request`
 *
 * One item per incident: the Step Functions task token the Remediation execution waits on,
 * what it would do, until when it waits, and - once decided - who decided, when, how and why.
 * The item outlives the decision (TTL 90 days after the deadline): it is the audit of who let
 * deploy-medic touch production.
 *
 * Deciding is a conditional write (`status = pending AND taskToken = :token`) made *before*
 * the token is sent to Step Functions: two people clicking at once cannot both decide, and the
 * loser is told who won.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { transientAware } from '../aws/transient';
import { isConditionFailure } from '../ledger/ledgerWrite';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';
export type Decision = 'approved' | 'denied';
/** Where a decision came from: the medic command or a Slack button. */
export type DecisionChannel = 'cli' | 'slack';

export interface SlackThreadRef {
  channel: string;
  ts: string;
}

export interface ApprovalRequest {
  incidentKey: string;
  /** The task token of the waiting `.waitForTaskToken` state. A secret of sorts: never logged. */
  taskToken: string;
  executionArn?: string;
  /** ISO-8601. */
  requestedAt: string;
  /** When Step Functions stops waiting (requestedAt + the state's TimeoutSeconds), ISO-8601. */
  deadline: string;
  /** The plan's action and the steps it would take (the dry run on-call approves). */
  action: string;
  steps: string[];
  /** The incident's Slack message (bot token mode), handed back to the run with the decision. */
  slack?: SlackThreadRef | null;
}

export interface ApprovalRecord extends ApprovalRequest {
  status: ApprovalStatus;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  via?: DecisionChannel;
  /** Why an approval expired (TaskTimedOut, InvalidToken ...). */
  expiredReason?: string;
}

const SK = 'request';

export const approvalKey = (incidentKey: string) => ({ pk: { S: `approval#${incidentKey}` }, sk: { S: SK } });

// The ledger's one definition: approvals live in the same table.
export { isConditionFailure };

export interface ApprovalStoreOptions {
  dynamodb: DynamoDBClient;
  /** The table, or a function naming it (resolved at first use, so a missing setting fails on use). */
  tableName: string | (() => string);
}

export class ApprovalStore {
  protected readonly dynamodb: DynamoDBClient;
  protected readonly table: () => string;

  constructor(options: ApprovalStoreOptions) {
    this.dynamodb = options.dynamodb;
    const { tableName } = options;
    this.table = typeof tableName === 'string' ? () => tableName : tableName;
  }

  async get(incidentKey: string): Promise<ApprovalRecord | undefined> {
    const out = await transientAware('GetItem', () =>
      this.dynamodb.send(new GetItemCommand({ TableName: this.table(), Key: approvalKey(incidentKey), ConsistentRead: true })),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /**
   * Marks a pending approval decided, if it still is pending with this token. Returns false when
   * someone else decided first (or it expired): read it again to say who.
   */
  async claim(
    incidentKey: string,
    taskToken: string,
    decision: { status: Decision; by: string; at: string; via: DecisionChannel; reason?: string | undefined },
  ): Promise<boolean> {
    try {
      await transientAware('UpdateItem', () =>
        this.dynamodb.send(
          new UpdateItemCommand({
            TableName: this.table(),
            Key: approvalKey(incidentKey),
            UpdateExpression: `SET #status = :decision, decidedBy = :by, decidedAt = :at, via = :via${decision.reason ? ', reason = :reason' : ''}`,
            ConditionExpression: '#status = :pending AND taskToken = :token',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':decision': { S: decision.status },
              ':by': { S: decision.by },
              ':at': { S: decision.at },
              ':via': { S: decision.via },
              ':pending': { S: 'pending' },
              ':token': { S: taskToken },
              ...(decision.reason ? { ':reason': { S: decision.reason } } : {}),
            },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Undoes a claim whose token could not be delivered for a passing reason, so it can be decided again. */
  async release(incidentKey: string, taskToken: string): Promise<void> {
    await this.conditionalSet(incidentKey, taskToken, 'REMOVE decidedBy, decidedAt, via, reason SET #status = :pending', { ':pending': { S: 'pending' } });
  }

  /**
   * The incident's Slack message, known once the request was posted. Touches nothing else: a
   * decision made in the meantime stays made.
   */
  async attachSlackThread(incidentKey: string, taskToken: string, slack: SlackThreadRef): Promise<void> {
    await this.conditionalSet(incidentKey, taskToken, 'SET slack = :slack', { ':slack': { M: { channel: { S: slack.channel }, ts: { S: slack.ts } } } });
  }

  /** Step Functions no longer waits on this token (timed out, or the execution ended). */
  async markExpired(incidentKey: string, taskToken: string, reason: string): Promise<void> {
    await this.conditionalSet(incidentKey, taskToken, 'REMOVE decidedBy, decidedAt, via SET #status = :expired, expiredReason = :why', {
      ':expired': { S: 'expired' },
      ':why': { S: reason },
    });
  }

  private async conditionalSet(incidentKey: string, taskToken: string, update: string, values: Record<string, AttributeValue>): Promise<void> {
    try {
      await transientAware('UpdateItem', () =>
        this.dynamodb.send(
          new UpdateItemCommand({
            TableName: this.table(),
            Key: approvalKey(incidentKey),
            UpdateExpression: update,
            ConditionExpression: 'taskToken = :token',
            // DynamoDB refuses names and values the expressions do not use.
            ...(update.includes('#status') ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
            ExpressionAttributeValues: { ':token': { S: taskToken }, ...values },
          }),
        ),
      );
    } catch (error) {
      // A newer request replaced the token meanwhile: that one is not ours to change.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

function fromItem(item: Record<string, AttributeValue>): ApprovalRecord {
  const s = (name: string) => item[name]?.S;
  const slack = item.slack?.M;
  return {
    incidentKey: s('incidentKey') ?? '',
    taskToken: s('taskToken') ?? '',
    status: (s('status') ?? 'pending') as ApprovalStatus,
    requestedAt: s('requestedAt') ?? '',
    deadline: s('deadline') ?? '',
    action: s('action') ?? '',
    steps: (item.steps?.L ?? []).map((v) => v.S ?? ''),
    ...(s('executionArn') ? { executionArn: s('executionArn')! } : {}),
    ...(slack?.channel?.S && slack.ts?.S ? { slack: { channel: slack.channel.S, ts: slack.ts.S } } : {}),
    ...(s('decidedBy') ? { decidedBy: s('decidedBy')! } : {}),
    ...(s('decidedAt') ? { decidedAt: s('decidedAt')! } : {}),
    ...(s('reason') ? { reason: s('reason')! } : {}),
    ...(s('via') ? { via: s('via') as DecisionChannel } : {}),
    ...(s('expiredReason') ? { expiredReason: s('expiredReason')! } : {}),
  };
}
