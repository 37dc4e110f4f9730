/**
 * One reading of an incident for every alert channel: what happened, what was done, what is
 * left, how long it took, where to look. The SNS text, the Amazon Q Developer (Chatbot)
 * notification, the Slack message and the incident report all render this view, so they
 * never disagree.
 */
import { approvalLine } from '../approval/approvalNote';
import type { Diagnosis } from '../diagnosis/types';
import { type Incident, incidentSubject } from '../incident';
import type { NotificationInput } from './formatNotification';
import { type ConsoleLink, consoleLinkFor, type ReportLink, runbookUrl } from './links';
import { APPROVAL_PHASES, EMOJI, HEADLINE, type Phase, SEVERITY, type Severity } from './phases';
import { between, formatDuration, truncate } from './text';
import { describeDrift, driftNeedsAttention } from '../verify/stackDrift';

export interface IncidentTimeline {
  /** When AWS saw the event that opened the incident. */
  eventTime: string;
  /** When deploy-medic opened the incident (the execution's start), when known. */
  openedAt?: string;
  /** When the remediation was applied. */
  actedAt?: string;
  /** The last look at the resource during Verify. */
  verifiedAt?: string;
  /** When the run reached this phase's outcome: resolved (steady) or escalated. */
  closedAt?: string;
  /** Event time -> opened. */
  timeToDetectMs?: number;
  /** Event time -> resolved: the MTTR of this incident. Only when resolved. */
  timeToResolveMs?: number;
}

export interface IncidentView {
  phase: Phase;
  severity: Severity;
  headline: string;
  emoji: string;
  stage: string;
  mode: NotificationInput['mode'];
  incident: Incident;
  /** Where it happened, for people: `prod/checkout-api`, `stack checkout-db`. */
  where: string;
  /** `Incident opened: OOM in prod/checkout-api` */
  title: string;
  diagnosis: Diagnosis;
  /** `OOM (confidence 0.95)` */
  cause: string;
  /** `ecs-resize-memory: containers ... ran out of memory` */
  plan: string;
  done: {
    /** `What was done`, or in observe mode `What would be done (observe mode)`. */
    heading: string;
    steps: string[];
    /** Said when there are no steps. */
    none: string;
  };
  /** What a human still has to do or know: skips, what cannot be freed, failures, the reason to escalate. */
  left: string[];
  verification?: string;
  /** After a continued update rollback: the drift report's lines (in sync, drifted resources, or why it was not checked). */
  drift?: string[];
  failure?: string;
  /** Approve mode: `Waiting for approval until ...`, `Approved by ... at ...`, `Denied by ...`. */
  approval?: string;
  timeline: IncidentTimeline;
  links: { runbook: { path: string; url?: string }; console: ConsoleLink; report?: ReportLink };
  /** When this view was made (the alert's "updated" time). */
  now: string;
}

/** Steps that are not done: skipped, waited for, or proven unsafe to touch. They belong to "what is left". */
const NOT_DONE = /^(not done: |skipped:|wait for |\(cannot be freed safely)/;

/**
 * @example
 * const view = describeIncident({ phase: 'resolved', stage: 'prod', mode: 'auto', incident, diagnosis, remediation, verification }, new Date());
 * view.title;                    // 'Resolved: OOM in prod/checkout-api'
 * view.timeline.timeToResolveMs; // verification.checkedAt - incident.trigger.time
 */
export function describeIncident(input: NotificationInput, now: Date = input.now ?? new Date()): IncidentView {
  const { phase, incident, diagnosis, remediation, verification, error } = input;
  const where = incidentSubject(incident);
  const nowIso = now.toISOString();
  const steps = remediation?.steps ?? [];
  // Before anything is applied, a plan that previews its steps (stack cleanup) says what it will do.
  const planned = remediation === undefined && phase === 'opened' && diagnosis.plan.action === 'cfn-cleanup-delete' ? diagnosis.plan.preview.steps : [];

  const failure = error ? `${error.Error ?? 'error'}: ${truncate(error.Cause ?? 'no cause given', 500)}` : undefined;
  const verificationLine = verification ? `${verification.status}: ${verification.detail}` : undefined;
  const drift = describeDrift(input.drift, input.driftError);

  return {
    phase,
    severity: SEVERITY[phase],
    headline: HEADLINE[phase],
    emoji: EMOJI[phase],
    stage: input.stage,
    mode: input.mode,
    incident,
    where,
    title: `${HEADLINE[phase]}: ${diagnosis.category} in ${where}`,
    diagnosis,
    cause: `${diagnosis.category} (confidence ${diagnosis.confidence.toFixed(2)})`,
    plan: `${diagnosis.plan.action}: ${diagnosis.plan.reason}`,
    done: {
      heading: doneHeading(phase, remediation?.dryRun === true, planned.length > 0),
      steps: (planned.length > 0 ? planned : steps).filter((s) => !NOT_DONE.test(s)),
      none: nothingDone(phase),
    },
    left: whatIsLeft(input, steps, verificationLine, failure, drift),
    ...(verificationLine !== undefined ? { verification: verificationLine } : {}),
    ...(drift.length > 0 ? { drift } : {}),
    ...(failure !== undefined ? { failure } : {}),
    ...(input.approval ? { approval: approvalLine(input.approval) } : {}),
    timeline: timelineOf(input, nowIso),
    links: {
      runbook: { path: diagnosis.runbook, ...optional('url', runbookUrl(input.docsBaseUrl, diagnosis.runbook)) },
      console: consoleLinkFor(incident),
      ...(input.report !== undefined ? { report: input.report } : {}),
    },
    now: nowIso,
  };
}

function doneHeading(phase: Phase, dryRun: boolean, planned: boolean): string {
  if (phase === 'awaiting-approval') return 'What will be done once approved';
  if (APPROVAL_PHASES.has(phase)) return 'What would have been done (not approved)';
  if (dryRun) return 'What would be done (observe mode)';
  return planned ? 'What will be done' : 'What was done';
}

function nothingDone(phase: Phase): string {
  switch (phase) {
    case 'opened':
      return 'Nothing yet: deploy-medic applies the plan right after this alert.';
    case 'observed':
      return 'Nothing: observe mode changes nothing.';
    case 'awaiting-approval':
      return 'Nothing yet: deploy-medic waits for approval.';
    default:
      return 'Nothing was changed.';
  }
}

function whatIsLeft(input: NotificationInput, steps: string[], verification: string | undefined, failure: string | undefined, drift: string[]): string[] {
  const { phase, diagnosis } = input;
  const plan = diagnosis.plan;
  const left: string[] = [];
  if (failure !== undefined) left.push(`Failed step - ${failure}`);
  if (input.verification !== undefined && input.verification.status !== 'STEADY') left.push(`Verification ${verification}`);
  left.push(...steps.filter((s) => NOT_DONE.test(s)));
  if (driftNeedsAttention(input.drift, input.driftError)) {
    left.push(`Reconcile the stack with its template before the next deploy - ${drift.map((l) => l.trim()).join(' ')}`);
  }
  if (plan.action === 'cfn-cleanup-delete' && input.remediation === undefined) {
    // Not applied yet: the plan's own preview names what it will not be able to free.
    left.push(...plan.preview.steps.filter((s) => NOT_DONE.test(s)));
    if (plan.preview.unresolvable.length > 0) left.push(`Cannot be freed safely (a human decides): ${plan.preview.unresolvable.join(', ')}`);
  }
  if (plan.action === 'notify-only' || plan.action === 'none') left.push(`A human is needed: ${plan.reason}`);

  switch (phase) {
    case 'opened':
      left.push(`In progress: ${plan.action}. This message is updated when it is resolved or escalated.`);
      break;
    case 'observed':
      left.push(`Observe mode: apply the plan by hand (see the runbook), or switch this stage to auto mode.`);
      break;
    case 'escalated':
      if (left.length === 0) left.push('On-call: follow the runbook.');
      break;
    case 'resolved':
      if (left.length === 0) left.push('Nothing: the resource is healthy again.');
      break;
    case 'awaiting-approval':
      left.push(`Approve or deny: the buttons below, or medic approve|deny '${input.incident.key}'. Without a decision nothing is done.`);
      break;
    case 'denied':
      left.push('Nothing was done: the resource is as it was. On-call: follow the runbook.');
      break;
    case 'approval-timed-out':
      left.push('Nothing was done and the resource is still failing: follow the runbook, or apply the plan by hand.');
      break;
  }
  return [...new Set(left)];
}

function timelineOf(input: NotificationInput, now: string): IncidentTimeline {
  const eventTime = input.incident.trigger.time;
  // Without the execution's start time, the first alert (nothing applied or verified yet) is sent
  // seconds after the execution started: its own time is the opened time.
  const openedAt = input.openedAt ?? (input.remediation === undefined && input.verification === undefined ? now : undefined);
  const actedAt = input.remediation?.appliedAt;
  const verifiedAt = input.verification?.checkedAt;
  let closedAt: string | undefined;
  if (input.phase === 'resolved') closedAt = input.verification?.status === 'STEADY' ? input.verification.checkedAt : now;
  if (input.phase === 'escalated' || input.phase === 'denied' || input.phase === 'approval-timed-out') closedAt = now;

  const timeToDetectMs = between(eventTime, openedAt);
  const timeToResolveMs = input.phase === 'resolved' ? between(eventTime, closedAt) : undefined;
  return {
    eventTime,
    ...optional('openedAt', openedAt),
    ...optional('actedAt', actedAt),
    ...optional('verifiedAt', verifiedAt),
    ...optional('closedAt', closedAt),
    ...optional('timeToDetectMs', timeToDetectMs === undefined ? undefined : Math.max(0, timeToDetectMs)),
    ...optional('timeToResolveMs', timeToResolveMs === undefined ? undefined : Math.max(0, timeToResolveMs)),
  };
}

/** `3m 05s`, or `n/a` when the timeline cannot tell. */
export function durationOrNa(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : formatDuration(ms);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
