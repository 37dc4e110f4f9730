/**
 * Recording a pending approval: only the approval function asks, so only its bundle carries the
 * PutItem (the webhook and the CLI read and decide - ApprovalStore - and their roles grant no
 * PutItem; the IAM-from-code proof checks the bundles).
 */
import { type AttributeValue, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { transientAware } from '../aws/transient';
import { type ApprovalRequest, approvalKey, ApprovalStore, isConditionFailure } from './approvalStore';

/** A decided approval stays as the audit record this long after its deadline. */
const AUDIT_SECONDS = 90 * 86_400;

export class ApprovalRequests extends ApprovalStore {
  /**
   * Records a pending approval. A retried request (a new token for the same execution) replaces
   * the pending one; a decided approval of the same execution is never overwritten.
   *
   * @example
   * await store.recordRequest({ incidentKey, taskToken, executionArn, requestedAt, deadline, action: 'ecs-rollback', steps });
   */
  async recordRequest(request: ApprovalRequest): Promise<void> {
    const item: Record<string, AttributeValue> = {
      ...approvalKey(request.incidentKey),
      incidentKey: { S: request.incidentKey },
      taskToken: { S: request.taskToken },
      status: { S: 'pending' },
      requestedAt: { S: request.requestedAt },
      deadline: { S: request.deadline },
      action: { S: request.action },
      steps: { L: request.steps.map((s) => ({ S: s })) },
      expiresAt: { N: String(Math.floor(Date.parse(request.deadline) / 1000) + AUDIT_SECONDS) },
    };
    if (request.executionArn) item.executionArn = { S: request.executionArn };
    if (request.slack) item.slack = { M: { channel: { S: request.slack.channel }, ts: { S: request.slack.ts } } };
    try {
      await transientAware('PutItem', () =>
        this.dynamodb.send(
          new PutItemCommand({
            TableName: this.table(),
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending OR executionArn <> :execution',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':pending': { S: 'pending' }, ':execution': { S: request.executionArn ?? '' } },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(request.incidentKey);
      throw new Error(`the approval of incident ${request.incidentKey} was already ${existing?.status ?? 'decided'}; not asking again`);
    }
  }

}
