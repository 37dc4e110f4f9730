/**
 * What the alerts say about an approval, read from the run state whichever way it went:
 *
 *  - requested: the RequestApproval task is sending the request (deadline, how to decide);
 *  - approved:  `$.approval` - the SendTaskSuccess output ({@link ApprovalOutcome});
 *  - denied:    `$.approvalError` - the Catch of `ApprovalDenied`; its Cause is the same JSON,
 *               read defensively (a denial sent by hand from the console may carry plain text);
 *  - timed-out: `$.approval` - what ExpireApproval returned, or only `$.approvalError` (States.Timeout).
 */
import type { ApprovalOutcome } from './decideApproval';
import type { SlackThreadRef } from './approvalStore';
import { APPROVAL_DENIED_ERROR } from './errors';

export interface ApprovalNote {
  status: 'requested' | 'approved' | 'denied' | 'timed-out';
  by?: string;
  at?: string;
  via?: string;
  reason?: string;
  /** Until when the run waits (requested, timed-out). */
  deadline?: string;
}

/** What ExpireApproval returns on the timeout path. */
export interface ApprovalExpiry {
  decision: 'timed-out';
  /** When the wait was to end. */
  deadline?: string;
  at: string;
  slack: SlackThreadRef | null;
}

/** The approval parts of the run state (shared/runState.ts). */
export interface ApprovalRunState {
  approval?: ApprovalOutcome | ApprovalExpiry | Record<string, unknown>;
  approvalError?: { Error?: string; Cause?: string };
}

/**
 * @example
 * approvalNoteFrom({ approval: { decision: 'approved', by: 'arn:aws:sts::1:assumed-role/oncall/alice', at: '2026-01-01T10:00:00Z', via: 'cli', slack: null } });
 * // { status: 'approved', by: 'arn:aws:sts::1:assumed-role/oncall/alice', at: '2026-01-01T10:00:00Z', via: 'cli' }
 */
export function approvalNoteFrom(run: ApprovalRunState): ApprovalNote | undefined {
  const approval = run.approval as Record<string, unknown> | undefined;
  if (approval?.decision === 'approved' || approval?.decision === 'timed-out') {
    return {
      status: approval.decision,
      ...str('by', approval.by),
      ...str('at', approval.at),
      ...str('via', approval.via),
      ...str('reason', approval.reason),
      ...str('deadline', approval.deadline),
    };
  }
  const error = run.approvalError;
  if (error?.Error === APPROVAL_DENIED_ERROR) {
    const cause = parseCause(error.Cause);
    return cause
      ? { status: 'denied', ...str('by', cause.by), ...str('at', cause.at), ...str('via', cause.via), ...str('reason', cause.reason) }
      : { status: 'denied', ...str('reason', error.Cause) };
  }
  if (error?.Error === 'States.Timeout') return { status: 'timed-out' };
  return undefined;
}

/** The Slack thread the decision carries back (approved, denied, expired), if any. */
export function approvalSlackThread(run: ApprovalRunState): SlackThreadRef | null {
  const fromApproval = (run.approval as { slack?: unknown } | undefined)?.slack;
  const thread = isThread(fromApproval) ? fromApproval : parseCause(run.approvalError?.Cause)?.slack;
  return isThread(thread) ? thread : null;
}

/**
 * One line for people.
 *
 * @example
 * approvalLine({ status: 'denied', by: 'slack:U123 (alice)', at: '2026-01-01T10:00:00Z', via: 'slack', reason: 'freeze' });
 * // 'Denied by slack:U123 (alice) at 2026-01-01T10:00:00Z (via slack): freeze. Nothing was done.'
 */
export function approvalLine(note: ApprovalNote): string {
  const who = `${note.by ? ` by ${note.by}` : ''}${note.at ? ` at ${note.at}` : ''}${note.via ? ` (via ${note.via})` : ''}${note.reason ? `: ${note.reason}` : ''}`;
  switch (note.status) {
    case 'requested':
      return `Waiting for approval${note.deadline ? ` until ${note.deadline}` : ''}; without a decision by then nothing is done.`;
    case 'approved':
      return `Approved${who}.`;
    case 'denied':
      return `Denied${who}. Nothing was done.`;
    case 'timed-out':
      return `Approval timed out${note.deadline ? ` (deadline ${note.deadline})` : ''}: nobody decided. Nothing was done (the safe default).`;
  }
}

function parseCause(cause: string | undefined): Partial<ApprovalOutcome> | undefined {
  if (cause === undefined) return undefined;
  try {
    const parsed = JSON.parse(cause) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Partial<ApprovalOutcome>) : undefined;
  } catch {
    return undefined;
  }
}

function isThread(value: unknown): value is SlackThreadRef {
  const v = value as SlackThreadRef | null | undefined;
  return typeof v?.channel === 'string' && typeof v.ts === 'string';
}

function str<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return (typeof value === 'string' && value !== '' ? { [key]: value } : {}) as { [P in K]?: string };
}
