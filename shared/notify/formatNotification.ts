/**
 * Turns an incident's state into an alert: a subject, readable text for people (email,
 * chat), a JSON document for machines, and SNS message attributes so subscribers can
 * filter (e.g. only `severity` = critical, only `stage` = prod).
 */
import type { ActionOutcome } from '../actions/types';
import type { Mode } from '../config';
import type { Diagnosis } from '../diagnosis/types';
import { type Incident, incidentSubject } from '../incident';
import type { DeploymentCheck } from '../verify/evaluateDeployment';

export const PHASES = ['opened', 'observed', 'resolved', 'escalated'] as const;
export type Phase = (typeof PHASES)[number];
export type Severity = 'critical' | 'high' | 'info';

export interface NotificationInput {
  phase: Phase;
  stage: string;
  mode: Mode;
  incident: Incident;
  diagnosis: Diagnosis;
  remediation?: ActionOutcome;
  verification?: DeploymentCheck;
  /** Why the run escalated, when a step failed (Step Functions Catch output). */
  error?: { Error?: string; Cause?: string };
}

export interface Notification {
  subject: string;
  text: string;
  json: Record<string, unknown>;
  attributes: Record<'severity' | 'category' | 'stage' | 'action' | 'phase' | 'mode', string>;
}

const SEVERITY: Record<Phase, Severity> = { opened: 'high', observed: 'high', resolved: 'info', escalated: 'critical' };

const HEADLINE: Record<Phase, string> = {
  opened: 'Incident opened',
  observed: 'Incident observed (observe mode: nothing changed)',
  resolved: 'Resolved',
  escalated: 'Escalated: on-call needed',
};

/**
 * @example
 * const n = formatNotification({ phase: 'opened', stage: 'prod', mode: 'auto', incident, diagnosis });
 * n.subject; // '[deploy-medic prod] Incident opened: OOM in prod/checkout-api'
 */
export function formatNotification(input: NotificationInput): Notification {
  const { incident, diagnosis, phase } = input;
  const where = incidentSubject(incident);
  const subject = truncate(`[deploy-medic ${input.stage}] ${HEADLINE[phase]}: ${diagnosis.category} in ${where}`, 100);

  const lines = [
    `${HEADLINE[phase]} - ${diagnosis.summary}`,
    '',
    `Incident: ${incident.key}`,
    `Cause: ${diagnosis.category} (confidence ${diagnosis.confidence.toFixed(2)})`,
    'Evidence:',
    ...diagnosis.evidence.map((e) => `  - ${e}`),
    `Plan: ${diagnosis.plan.action} - ${diagnosis.plan.reason}`,
  ];
  if (input.remediation) {
    lines.push(input.remediation.dryRun ? 'Would do (observe mode):' : 'Done:', ...input.remediation.steps.map((s) => `  - ${s}`));
  }
  if (input.verification) lines.push(`Verification: ${input.verification.status} - ${input.verification.detail}`);
  if (input.error) lines.push(`Failed step: ${input.error.Error ?? 'error'} - ${truncate(input.error.Cause ?? '', 500)}`);
  lines.push(`Runbook: ${diagnosis.runbook}`, `Mode: ${input.mode}`, `Detected: ${incident.trigger.time}`);

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
      ...(input.error ? { error: input.error } : {}),
    },
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
