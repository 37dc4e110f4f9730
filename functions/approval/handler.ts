/**
 * Approval task (approve mode), two operations of one ledger item:
 *
 *  - `request` - the RequestApproval state (`lambda:invoke.waitForTaskToken`): records the task
 *    token under `approval#<incident key>`, then asks on-call through the notify code path (SNS
 *    with the `medic approve|deny` commands, Slack with Approve / Deny buttons and the dry-run
 *    steps), and keeps the incident's Slack message with the token so the decision carries it
 *    back. Recorded first: if the alert fails, the retried request replaces the token, and no
 *    one is ever asked about a token that was not stored.
 *  - `expire` - the ExpireApproval state, after States.Timeout: marks the item expired (a late
 *    click is refused, not sent) and hands back the Slack thread for the timed-out alert.
 *
 * Log lines `approval requested` / `approval timed out` (and `approval decided` from
 * shared/approval/decideApproval.ts) make every approval visible in the logs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ApprovalExpiry } from '../../shared/approval/approvalNote';
import { ApprovalRequests } from '../../shared/approval/approvalRequests';
import type { SlackThreadRef } from '../../shared/approval/approvalStore';
import { loadConfig, type MedicConfig, requireSetting } from '../../shared/config';
import { approvalsPending } from '../../shared/metrics';
import { instrumentHandler } from '../../shared/instrumentHandler';
import { logger, traced } from '../../shared/observability';
import type { RunState } from '../../shared/runState';
import { handler as notifyHandler, type NotifyInput, type NotifyResult } from '../notify/handler';

export type ApprovalTaskInput =
  | { operation: 'request'; taskToken: string; executionArn?: string; openedAt?: string; run: RunState }
  | { operation: 'expire'; run: RunState };

export interface ApprovalRequested {
  requested: true;
  deadline: string;
  slack: SlackThreadRef | null;
}

export interface ApprovalDeps {
  store: ApprovalRequests;
  notify: (input: NotifyInput) => Promise<Pick<NotifyResult, 'slack'>>;
  config: () => MedicConfig;
  now?: () => Date;
}

export function makeApprovalHandler(deps: ApprovalDeps) {
  const now = () => deps.now?.() ?? new Date();
  const approval = async (input: ApprovalTaskInput): Promise<ApprovalRequested | ApprovalExpiry> => {
    const incidentKey = input.run?.incident?.key;
    if (typeof incidentKey !== 'string' || incidentKey === '') throw new TypeError('approval task input has no run.incident.key');
    if (input.operation === 'request') return request(input, incidentKey);
    if (input.operation === 'expire') return expire(incidentKey);
    throw new TypeError(`unknown approval operation "${(input as { operation?: unknown }).operation}" (request, expire)`);
  };
  return instrumentHandler('approval', approval, {
    incidentKeyOf: (input) => input.run?.incident?.key,
    annotationsOf: (input) => ({ action: input.run?.diagnosis?.plan?.action, phase: input.operation }),
  });

  async function request(input: Extract<ApprovalTaskInput, { operation: 'request' }>, incidentKey: string): Promise<ApprovalRequested> {
    if (typeof input.taskToken !== 'string' || input.taskToken === '') throw new TypeError('approval request without a task token ($$.Task.Token)');
    const requestedAt = now();
    const deadline = new Date(requestedAt.getTime() + deps.config().approval.timeoutSeconds * 1000).toISOString();
    const plan = input.run.diagnosis.plan;
    const steps = input.run.proposal?.steps ?? [];
    const base = {
      incidentKey,
      taskToken: input.taskToken,
      ...(input.executionArn ? { executionArn: input.executionArn } : {}),
      requestedAt: requestedAt.toISOString(),
      deadline,
      action: plan.action,
      steps,
    };
    await deps.store.recordRequest(base);
    const notified = await deps.notify({
      phase: 'awaiting-approval',
      run: input.run,
      ...(input.openedAt ? { openedAt: input.openedAt } : {}),
      approval: { status: 'requested', deadline },
    });
    // Bot token mode: the message to update later. Stored with the same (still pending) token.
    if (notified.slack) await deps.store.attachSlackThread(incidentKey, input.taskToken, notified.slack);
    // Counted once the request is out: a retried request (the alert failed) is not a second pending approval.
    approvalsPending(1);
    logger.info('approval requested', { incidentKey, executionArn: input.executionArn, action: plan.action, steps: steps.length, deadline });
    return { requested: true, deadline, slack: notified.slack };
  }

  async function expire(incidentKey: string): Promise<ApprovalExpiry> {
    const record = await deps.store.get(incidentKey);
    if (record && record.status !== 'expired') await deps.store.markExpired(incidentKey, record.taskToken, `timed out: nobody decided by ${record.deadline}`);
    approvalsPending(-1);
    logger.warn('approval timed out', {
      incidentKey,
      executionArn: record?.executionArn,
      requestedAt: record?.requestedAt,
      deadline: record?.deadline,
      // A click that lost the race against the timer: claimed, but Step Functions had stopped waiting.
      ...(record && record.status !== 'pending' ? { lateDecision: { status: record.status, by: record.decidedBy } } : {}),
    });
    return { decision: 'timed-out', ...(record?.deadline ? { deadline: record.deadline } : {}), at: now().toISOString(), slack: record?.slack ?? null };
  }
}

// ---- The Lambda: the notify code path (same settings as the notify function) and the ledger. --

export const handler = makeApprovalHandler({
  store: new ApprovalRequests({ dynamodb: traced(new DynamoDBClient({})), tableName: () => requireSetting('LEDGER_TABLE') }),
  notify: notifyHandler,
  config: () => loadConfig(),
});
