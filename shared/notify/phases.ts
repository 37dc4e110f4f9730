/**
 * The phases of an incident as on-call sees them, and what each one means for an alert.
 * One table, read by the SNS text, the Chatbot notification, the Slack message and the report.
 */
export const PHASES = ['opened', 'observed', 'resolved', 'escalated'] as const;
export type Phase = (typeof PHASES)[number];
export type Severity = 'critical' | 'high' | 'info';

export const SEVERITY: Record<Phase, Severity> = { opened: 'high', observed: 'high', resolved: 'info', escalated: 'critical' };

export const HEADLINE: Record<Phase, string> = {
  opened: 'Incident opened',
  observed: 'Incident observed (observe mode: nothing changed)',
  resolved: 'Resolved',
  escalated: 'Escalated: on-call needed',
};

/** Slack emoji short codes (also rendered by Amazon Q Developer in Slack). */
export const EMOJI: Record<Phase, string> = {
  opened: ':rotating_light:',
  observed: ':eyes:',
  resolved: ':white_check_mark:',
  escalated: ':sos:',
};
