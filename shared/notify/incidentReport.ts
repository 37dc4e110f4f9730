/**
 * The incident report: one markdown document per incident, rewritten at every phase, that
 * tells the whole story after the fact - timeline, facts, diagnosis, actions, result, MTTR.
 * Pure: the run state in, markdown out. Storing it is {@link storeIncidentReport}'s job.
 */
import { createHash } from 'node:crypto';
import type { RunState } from '../runState';
import { notificationInputFrom } from './formatNotification';
import { describeIncident, durationOrNa, type IncidentView } from './incidentView';
import type { Phase } from './phases';

export interface IncidentReportOptions {
  /** The deployment stage (`STAGE`); the run state does not carry it. */
  stage?: string;
  /** When the execution started (`$$.Execution.StartTime`). */
  openedAt?: string;
  /** Base URL for runbook links (`DOCS_BASE_URL`). */
  docsBaseUrl?: string;
}

/**
 * The object key of an incident's report: `reports/<sha-256 of the incident key>.md`. The key
 * itself holds characters S3 keys and URLs handle badly (`/`, `:`, `@`); its hash is stable, so
 * every phase overwrites the same report.
 *
 * @example
 * reportKeyFor('ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7'); // 'reports/<64 hex>.md'
 */
export function reportKeyFor(incidentKey: string): string {
  return `reports/${createHash('sha256').update(incidentKey).digest('hex')}.md`;
}

/**
 * @example
 * const markdown = renderIncidentReport(run, 'resolved', new Date(), { stage: 'prod' });
 * // '# Resolved: OOM in prod/checkout-api\n\n| | |\n|---|---|\n| Incident | `ecs:us-east-1:...` | ...'
 */
export function renderIncidentReport(run: RunState, phase: Phase, now: Date, options: IncidentReportOptions = {}): string {
  const view = describeIncident(
    notificationInputFrom(run, phase, { stage: options.stage ?? 'unknown', openedAt: options.openedAt, docsBaseUrl: options.docsBaseUrl }),
    now,
  );
  return renderView(view, run);
}

function renderView(view: IncidentView, run: RunState): string {
  const { diagnosis, incident, timeline, links } = view;
  const resource =
    'deployment' in incident
      ? `ECS service ${view.where}, revision ${incident.deployment.family}:${incident.deployment.revision}`
      : `CloudFormation ${view.where}, ${incident.failure.status}`;
  const status = {
    opened: 'Open: remediation in progress',
    observed: 'Observed (observe mode: nothing changed)',
    resolved: 'Resolved',
    escalated: 'Escalated to on-call',
    'awaiting-approval': 'Waiting for approval (nothing changed yet)',
    denied: 'Denied (nothing changed)',
    'approval-timed-out': 'Approval timed out (nothing changed)',
  }[view.phase];

  const summary: Array<[string, string]> = [
    ['Status', status],
    ['Incident', code(incident.key)],
    ['Resource', `${resource}, ${incident.resource.region}, account ${incident.resource.account}`],
    ['Stage / mode', `${view.stage} / ${view.mode}`],
    ['Cause', view.cause],
    ['Plan', `${code(diagnosis.plan.action)}: ${diagnosis.plan.reason}`],
    ...(view.approval ? ([['Approval', view.approval]] as Array<[string, string]>) : []),
    ['Time to detect', durationOrNa(timeline.timeToDetectMs)],
    ['MTTR (event to resolved)', view.phase === 'resolved' ? durationOrNa(timeline.timeToResolveMs) : `n/a (${view.phase})`],
  ];

  const events: Array<[string | undefined, string]> = [
    [timeline.eventTime, `AWS reported the event (${incident.trigger.detailType}, event id ${code(incident.trigger.eventId)})`],
    [timeline.openedAt, 'deploy-medic opened the incident and diagnosed it'],
    [timeline.actedAt, run.remediation ? `${run.remediation.dryRun ? 'Planned (observe mode)' : 'Applied'} ${code(run.remediation.action)}` : ''],
    [timeline.verifiedAt, view.verification ? `Verified: ${view.verification}` : ''],
    [timeline.closedAt, closingLine(view)],
  ];
  const timelineRows = events
    .filter((e): e is [string, string] => e[0] !== undefined && e[1] !== '')
    .sort((a, b) => Date.parse(a[0]) - Date.parse(b[0]))
    .map(([when, what]) => `| ${when} | ${cell(what)} |`);

  const list = (items: string[], none: string) => (items.length > 0 ? items.map((i) => `- ${i}`).join('\n') : `_${none}_`);
  const runbook = links.runbook.url ? `[${links.runbook.path}](${links.runbook.url})` : code(links.runbook.path);

  return [
    `# ${view.title}`,
    '',
    '| | |',
    '|---|---|',
    ...summary.map(([k, v]) => `| ${k} | ${cell(v)} |`),
    '',
    '## Timeline (UTC)',
    '',
    '| When | What |',
    '|---|---|',
    ...timelineRows,
    '',
    '## Facts',
    '',
    'What the event and the read-only AWS calls showed, in AWS\'s own words where there are any.',
    '',
    list(diagnosis.evidence.map(code), 'no evidence recorded'),
    '',
    '## Diagnosis',
    '',
    diagnosis.summary,
    '',
    `- Category: ${code(diagnosis.category)} (confidence ${diagnosis.confidence.toFixed(2)})`,
    `- Plan: ${code(diagnosis.plan.action)} - ${diagnosis.plan.reason}`,
    `- Runbook: ${runbook}`,
    '',
    '## Actions',
    '',
    run.remediation?.dryRun ? '_Observe mode: these steps were planned, not applied._\n' : '',
    list(view.done.steps, view.done.none),
    '',
    '## Result',
    '',
    `**${status}.**`,
    ...(view.verification ? ['', `Verification: ${view.verification}`] : []),
    ...(view.drift ? ['', 'Drift:', '', list(view.drift.map((l) => l.trim()), 'not checked')] : []),
    ...(view.failure ? ['', `Failed step: ${view.failure}`] : []),
    '',
    'What is left:',
    '',
    list(view.left, 'nothing'),
    '',
    '## Links',
    '',
    `- ${links.console.label}: ${links.console.url}`,
    `- Runbook: ${runbook}`,
    '',
    `_Written by deploy-medic at ${view.now}, phase ${view.phase}. Every phase rewrites this report._`,
    '',
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** A markdown table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
}

function closingLine(view: IncidentView): string {
  switch (view.phase) {
    case 'resolved':
      return 'Resolved';
    case 'escalated':
      return `Escalated${view.failure ? `: ${view.failure}` : ''}`;
    case 'denied':
    case 'approval-timed-out':
      return view.approval ?? view.headline;
    default:
      return '';
  }
}
