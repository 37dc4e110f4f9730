/**
 * The one engine behind every way of deciding an approval: `medic approve|deny`, and the Slack
 * buttons (functions/approvalWebhook). It finds the pending task token, claims the decision in
 * the ledger, then hands it to Step Functions:
 *
 *  - approve -> SendTaskSuccess, output = {@link ApprovalOutcome} (the run records who and when);
 *  - deny    -> SendTaskFailure, error `ApprovalDenied`, cause = the same JSON (the ASL catches it).
 *
 * Refusals change nothing: no pending approval, already decided (says by whom), expired.
 */
import { type SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { TransientAwsError } from '../errors';
import { isTransientAwsError } from '../aws/transient';
import { logger } from '../observability';
import type { ApprovalStore, Decision, DecisionChannel, SlackThreadRef } from './approvalStore';
import { AlreadyDecidedError, APPROVAL_DENIED_ERROR, ApprovalExpiredError, NoPendingApprovalError } from './errors';

/** What the waiting state receives (approved: its output; denied: the JSON in the error's Cause). */
export interface ApprovalOutcome {
  decision: Decision;
  /** Who: an IAM principal ARN (CLI) or `slack:U123 (name)`. */
  by: string;
  /** ISO-8601. */
  at: string;
  via: DecisionChannel;
  reason?: string;
  /** The incident's Slack message, so the later alerts update it instead of posting anew. */
  slack: SlackThreadRef | null;
}

export interface DecideApprovalRequest {
  incidentKey: string;
  decision: Decision;
  by: string;
  via: DecisionChannel;
  reason?: string | undefined;
  now?: Date;
}

/** Step Functions' answers that mean "nobody waits on this token any more". */
const EXPIRED = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/**
 * @example
 * const outcome = await decideApproval({ store, sfn }, { incidentKey, decision: 'approved', by: callerArn, via: 'cli', reason: 'rollback is safe' });
 * outcome; // { decision: 'approved', by: 'arn:aws:sts::1111:assumed-role/oncall/alice', at: '...', via: 'cli', reason: 'rollback is safe', slack: null }
 */
export async function decideApproval(deps: { store: ApprovalStore; sfn: Pick<SFNClient, 'send'> }, request: DecideApprovalRequest): Promise<ApprovalOutcome> {
  const { store, sfn } = deps;
  const { incidentKey, decision } = request;
  const record = await store.get(incidentKey);
  if (record === undefined) throw new NoPendingApprovalError(incidentKey);
  if (record.status === 'expired') throw new ApprovalExpiredError(incidentKey, record.expiredReason ?? 'it expired');
  if (record.status !== 'pending') throw new AlreadyDecidedError(incidentKey, record);

  const at = (request.now ?? new Date()).toISOString();
  const outcome: ApprovalOutcome = {
    decision,
    by: request.by,
    at,
    via: request.via,
    ...(request.reason ? { reason: request.reason } : {}),
    slack: record.slack ?? null,
  };

  const claimed = await store.claim(incidentKey, record.taskToken, { status: decision, by: request.by, at, via: request.via, reason: request.reason });
  if (!claimed) {
    const now = await store.get(incidentKey);
    if (now?.status === 'expired') throw new ApprovalExpiredError(incidentKey, now.expiredReason ?? 'it expired');
    throw new AlreadyDecidedError(incidentKey, now ?? { status: 'decided' });
  }

  try {
    if (decision === 'approved') {
      await sfn.send(new SendTaskSuccessCommand({ taskToken: record.taskToken, output: JSON.stringify(outcome) }));
    } else {
      await sfn.send(new SendTaskFailureCommand({ taskToken: record.taskToken, error: APPROVAL_DENIED_ERROR, cause: JSON.stringify(outcome) }));
    }
  } catch (error) {
    const name = (error as Error).name;
    if (EXPIRED.has(name)) {
      const why = name === 'TaskTimedOut' ? `the wait timed out (deadline ${record.deadline})` : `Step Functions no longer waits on it (${name}: the execution ended)`;
      await store.markExpired(incidentKey, record.taskToken, why);
      logger.warn('approval expired', { incidentKey, decision, by: request.by, via: request.via, error: name, deadline: record.deadline });
      throw new ApprovalExpiredError(incidentKey, why, { cause: error });
    }
    // Not delivered: undo the claim so the same person (or another) can decide again.
    await store.release(incidentKey, record.taskToken);
    if (isTransientAwsError(error)) throw new TransientAwsError(`sending the decision to Step Functions failed transiently (${name}); try again`, { cause: error });
    throw error;
  }

  logger.info('approval decided', {
    incidentKey,
    decision,
    by: request.by,
    via: request.via,
    reason: request.reason,
    executionArn: record.executionArn,
    requestedAt: record.requestedAt,
    waitedMs: Date.parse(at) - Date.parse(record.requestedAt),
  });
  return outcome;
}
