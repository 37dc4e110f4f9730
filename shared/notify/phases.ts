/**
 * The phases of an incident as on-call sees them, and what each one means for an alert.
 * One table, read by the SNS text, the Chatbot notification, the Slack message and the report.
 *
 * The approval phases (approve mode): `awaiting-approval` asks on-call to decide; `denied` and
 * `approval-timed-out` close the incident with nothing done.
 */
export const PHASES = ['opened', 'observed', 'resolved', 'escalated', 'awaiting-approval', 'denied', 'approval-timed-out'] as const;
export type Phase = (typeof PHASES)[number];
export type Severity = 'critical' | 'high' | 'info';

/** The phases in which a plan waits for, or was refused, approval: nothing was written. */
export const APPROVAL_PHASES: ReadonlySet<Phase> = new Set(['awaiting-approval', 'denied', 'approval-timed-out']);

export const SEVERITY: Record<Phase, Severity> = {
  opened: 'high',
  observed: 'high',
  resolved: 'info',
  escalated: 'critical',
  // Someone has to act now: the plan waits for them.
  'awaiting-approval': 'high',
  // A human decided; the incident is theirs.
  denied: 'info',
  // Nobody decided and nothing was done: the broken thing is still broken.
  'approval-timed-out': 'critical',
};

export const HEADLINE: Record<Phase, string> = {
  opened: 'Incident opened',
  observed: 'Incident observed (observe mode: nothing changed)',
  resolved: 'Resolved',
  escalated: 'Escalated: on-call needed',
  'awaiting-approval': 'Approval needed',
  denied: 'Denied: nothing done',
  'approval-timed-out': 'Approval timed out: nothing done',
};

/** Slack emoji short codes (also rendered by Amazon Q Developer in Slack). */
export const EMOJI: Record<Phase, string> = {
  opened: ':rotating_light:',
  observed: ':eyes:',
  resolved: ':white_check_mark:',
  escalated: ':sos:',
  'awaiting-approval': ':raised_hand:',
  denied: ':no_entry_sign:',
  'approval-timed-out': ':hourglass:',
};
