/**
 * Turns an incident's state into an alert: a subject, readable text for people (email,
 * chat), a JSON document for machines, an Amazon Q Developer in chat applications (AWS
 * Chatbot) custom notification, and SNS message attributes so subscribers can filter (e.g.
 * only `severity` = critical, only `stage` = prod).
 */
import type { ActionOutcome } from '../actions/types';
import { approvalLine, type ApprovalNote, approvalNoteFrom } from '../approval/approvalNote';
import type { Mode } from '../config';
import type { Diagnosis } from '../diagnosis/types';
import { type Incident, incidentSubject } from '../incident';
import type { RunState } from '../runState';
import type { DeploymentCheck } from '../verify/evaluateDeployment';
import type { DriftReport } from '../verify/stackDrift';
import { type ChatbotNotification, formatChatbotNotification } from './chatbotNotification';
import { describeIncident } from './incidentView';
import type { ReportLink } from './links';
import { APPROVAL_PHASES, HEADLINE, type Phase, SEVERITY } from './phases';

export { PHASES, type Phase, type Severity } from './phases';

export interface NotificationInput {
  phase: Phase;
  stage: string;
  mode: Mode;
  incident: Incident;
  diagnosis: Diagnosis;
  remediation?: ActionOutcome;
  verification?: DeploymentCheck;
  /** Drift detection after a continued update rollback, or why it could not run. */
  drift?: DriftReport;
  driftError?: { Error?: string; Cause?: string };
  /** Why the run escalated, when a step failed (Step Functions Catch output). */
  error?: { Error?: string; Cause?: string };
  /** Approve mode: the request, or who decided and when. */
  approval?: ApprovalNote;
  /** Base URL the runbook paths resolve against (`DOCS_BASE_URL`); without it alerts quote the path. */
  docsBaseUrl?: string;
  /** The stored incident report, or why there is none. */
  report?: ReportLink;
  /** When the execution started (`$$.Execution.StartTime`): the incident's opened time. */
  openedAt?: string;
  /** The clock for durations; the current time when absent. */
  now?: Date;
}

export interface Notification {
  subject: string;
  text: string;
  json: Record<string, unknown>;
  /** The body Amazon Q Developer in chat applications renders (SNS `https` subscribers). */
  chatbot: ChatbotNotification;
  attributes: Record<'severity' | 'category' | 'stage' | 'action' | 'phase' | 'mode', string>;
}

/**
 * @example
 * const n = formatNotification({ phase: 'opened', stage: 'prod', mode: 'auto', incident, diagnosis });
 * n.subject; // '[deploy-medic prod] Incident opened: OOM in prod/checkout-api'
 */
export function formatNotification(input: NotificationInput): Notification {
  const { incident, diagnosis, phase } = input;
  const where = incidentSubject(incident);
  const subject = truncate(`[deploy-medic ${input.stage}] ${HEADLINE[phase]}: ${diagnosis.category} in ${where}`, 100);
  const view = describeIncident(input);

  const lines = [
    `${HEADLINE[phase]} - ${diagnosis.summary}`,
    '',
    `Incident: ${incident.key}`,
    `Cause: ${diagnosis.category} (confidence ${diagnosis.confidence.toFixed(2)})`,
    'Evidence:',
    ...diagnosis.evidence.map((e) => `  - ${e}`),
    `Plan: ${diagnosis.plan.action} - ${diagnosis.plan.reason}`,
  ];
  if (input.approval) lines.push(`Approval: ${approvalLine(input.approval)}`);
  if (input.remediation) {
    const heading = APPROVAL_PHASES.has(phase) ? 'Would do (once approved):' : input.remediation.dryRun ? 'Would do (observe mode):' : 'Done:';
    lines.push(heading, ...input.remediation.steps.map((s) => `  - ${s}`));
  }
  if (phase === 'awaiting-approval') {
    // E-mail and SMS readers cannot press a button: they get the commands.
    lines.push(`To decide: medic approve '${incident.key}' [--reason TEXT]   or   medic deny '${incident.key}' --reason TEXT`);
  }
  if (input.verification) lines.push(`Verification: ${input.verification.status} - ${input.verification.detail}`);
  if (view.drift) lines.push('Drift:', ...view.drift.map((l) => `  ${l.trim()}`));
  if (input.error) lines.push(`Failed step: ${input.error.Error ?? 'error'} - ${truncate(input.error.Cause ?? '', 500)}`);
  lines.push(`Runbook: ${diagnosis.runbook}`, `Mode: ${input.mode}`, `Detected: ${incident.trigger.time}`);
  // Links only when the caller gives any (the notify Lambda always does): older callers keep their text.
  if (input.docsBaseUrl !== undefined || input.report !== undefined) {
    const { links } = view;
    if (links.runbook.url) lines.push(`Runbook link: ${links.runbook.url}`);
    lines.push(`Console: ${links.console.url}`);
    if (links.report) lines.push('url' in links.report ? `Incident report: ${links.report.url}` : `Incident report: ${links.report.note}`);
  }

  return {
    subject,
    text: lines.join('\n'),
    json: {
      phase,
      stage: input.stage,
      mode: input.mode,
      incident,
      diagnosis,
      ...(input.remediation ? { remediation: input.remediation } : {}),
      ...(input.verification ? { verification: input.verification } : {}),
      ...(input.drift ? { drift: input.drift } : {}),
      ...(input.driftError ? { driftError: input.driftError } : {}),
      ...(input.error ? { error: input.error } : {}),
      ...(input.approval ? { approval: input.approval } : {}),
      ...(input.report ? { report: input.report } : {}),
    },
    chatbot: formatChatbotNotification(view),
    attributes: {
      severity: SEVERITY[phase],
      category: diagnosis.category,
      stage: input.stage,
      action: diagnosis.plan.action,
      phase,
      mode: input.mode,
    },
  };
}

function truncate(text: string, max: number): string {
  // SNS subjects must be ASCII, so the ellipsis is three dots.
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/**
 * The notification input for one phase of a run: what the run has learned so far, read from
 * the state machine's state. The alert, the Slack message and the incident report all start here.
 *
 * @example
 * formatNotification({ ...notificationInputFrom(run, 'resolved', { stage: 'prod' }), now: new Date() });
 */
export function notificationInputFrom(
  run: RunState,
  phase: Phase,
  options: { stage: string; openedAt?: string | undefined; docsBaseUrl?: string | undefined },
): NotificationInput {
  // Until approved, the plan's dry run is what the alert shows as its steps.
  const remediation = APPROVAL_PHASES.has(phase) ? (run.proposal ?? run.remediation) : run.remediation;
  const approval = approvalNoteFrom(run);
  return {
    phase,
    stage: options.stage,
    mode: run.mode,
    incident: run.incident,
    diagnosis: run.diagnosis ?? run.triage,
    ...(remediation ? { remediation } : {}),
    ...(approval ? { approval } : {}),
    ...(run.verification ? { verification: run.verification } : {}),
    ...(run.drift ? { drift: run.drift } : {}),
    ...(run.driftError ? { driftError: run.driftError } : {}),
    ...(run.error ? { error: run.error } : {}),
    ...(options.openedAt ? { openedAt: options.openedAt } : {}),
    ...(options.docsBaseUrl ? { docsBaseUrl: options.docsBaseUrl } : {}),
  };
}
