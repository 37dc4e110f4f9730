/**
 * Reading the audit trail back (tests, and people through `aws dynamodb query`): the only Query.
 * Apart from ledger.ts so no function's role needs dynamodb:Query.
 */
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { transientAware } from '../aws/transient';
import type { Mode } from '../config';
import type { ActionAudit } from './statusWriter';

/**
 * @example
 * const entries = await readAuditTrail(dynamodb, 'deploy-medic-prod-ledger', incidentKey);
 */
export async function readAuditTrail(dynamodb: DynamoDBClient, tableName: string, incidentKey: string): Promise<ActionAudit[]> {
    const out = await transientAware('Query', () =>
      dynamodb.send(
        new QueryCommand({
          TableName: tableName,
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
