/**
 * The Slack message of an incident, in Block Kit: one message per incident that reads top to
 * bottom like the runbook's checklist - what broke, the evidence, what was done, what is
 * left, where to look. Built from the same {@link IncidentView} as every other alert.
 *
 * Block Kit limits (Slack reference, "Blocks"): 50 blocks per message; header text 150
 * characters (plain_text); section text 3000 characters; section fields at most 10, each
 * 2000 characters; context at most 10 elements. Slack also rejects messages whose blocks
 * hold much more than ~13 000 characters in total (`msg_blocks_too_long`, slackapi/bolt-js
 * issue 2509) although no single limit is hit: we stay under 12 000.
 */
import type { IncidentView } from './incidentView';
import { durationOrNa } from './incidentView';
import { codeBlock, escapeMrkdwn, noFences, truncate, truncateMarkdown, truncateVisibly } from './text';

export const SLACK_LIMITS = {
  blocks: 50,
  headerChars: 150,
  sectionTextChars: 3000,
  fields: 10,
  fieldChars: 2000,
  contextElements: 10,
  /** Ours: below the undocumented total at which Slack answers `msg_blocks_too_long`. */
  totalChars: 12000,
} as const;

/** What one section may hold: with the sections below, the whole message stays under `totalChars`. */
const SECTION_BUDGET = 2200;
const SHOWN = { evidenceLines: 10, steps: 15 } as const;
const REPORT_HINT = 'more in the incident report';

export type TextObject = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string };
export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: { type: 'plain_text'; text: string; emoji?: boolean };
  value: string;
  style?: 'primary' | 'danger';
  confirm?: {
    title: { type: 'plain_text'; text: string };
    text: { type: 'plain_text'; text: string };
    confirm: { type: 'plain_text'; text: string };
    deny: { type: 'plain_text'; text: string };
  };
}
export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'actions'; block_id?: string; elements: ButtonElement[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** The notification / fallback text (what a phone shows). */
  text: string;
  blocks: Block[];
}

/**
 * @example
 * const message = buildSlackMessage(describeIncident(input, now));
 * await fetch(webhookUrl, { method: 'POST', body: JSON.stringify(message) });
 */
export function buildSlackMessage(view: IncidentView): SlackMessage {
  const { diagnosis, incident } = view;

  const fields: TextObject[] = [
    mrkdwn(`*Cause*\n${inline(view.cause)}`),
    mrkdwn(`*Mode*\n${view.mode}`),
    mrkdwn(`*Stage*\n${inline(view.stage)}`),
    mrkdwn(`*Plan*\n\`${diagnosis.plan.action}\``),
    mrkdwn(`*Time to detect*\n${durationOrNa(view.timeline.timeToDetectMs)}`),
  ];
  if (view.phase === 'resolved') fields.push(mrkdwn(`*Time to resolve*\n${durationOrNa(view.timeline.timeToResolveMs)}`));

  const evidence = diagnosis.evidence.slice(0, SHOWN.evidenceLines).map(escapeMrkdwn);
  const hidden = diagnosis.evidence.length - evidence.length;
  const evidenceText = evidence.length > 0 ? codeBlock(evidence, SECTION_BUDGET - 200, { maxLineChars: 300, hint: REPORT_HINT }) : '_none recorded_';

  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${view.emoji} ${view.title}`, SLACK_LIMITS.headerChars), emoji: true } },
    section(`${inline(truncate(diagnosis.summary, 1500))}\n*Plan:* ${inline(truncate(diagnosis.plan.reason, 500))}\nIncident \`${inline(incident.key)}\``),
    { type: 'section', fields },
    section(`*Evidence*\n${evidenceText}${hidden > 0 ? `\n… and ${hidden} more evidence line${hidden === 1 ? '' : 's'} (${REPORT_HINT})` : ''}`),
    { type: 'divider' },
    section(`*${view.done.heading}*\n${view.done.steps.length > 0 ? bullets(view.done.steps) : `_${inline(view.done.none)}_`}`),
    ...(view.approval ? [section(`*Approval*\n${inline(view.approval)}`)] : []),
    section(`*What is left*\n${bullets(view.left)}`),
    ...(view.phase === 'awaiting-approval' ? [approvalButtons(view.incident.key)] : []),
    section(`*Links*\n${linkLines(view).join('\n')}`),
    { type: 'context', elements: [mrkdwn(`deploy-medic ${inline(view.stage)} · ${view.phase} · severity ${view.severity} · updated ${view.now}`)] },
  ];
  return fitSlackMessage({ text: `${view.emoji} [${view.stage}] ${view.title}`, blocks });
}

/**
 * The threaded reply a later phase adds under the incident's message (bot token mode): what
 * changed in this phase, short; the updated top message carries the whole picture.
 */
export function buildSlackThreadReply(view: IncidentView): SlackMessage {
  const lines = [`${view.emoji} *${inline(view.headline)}*`];
  if (view.phase === 'resolved') lines.push(`Time to resolve: ${durationOrNa(view.timeline.timeToResolveMs)}`);
  if (view.verification) lines.push(`Verification: ${inline(view.verification)}`);
  if (view.drift) lines.push(`Drift: ${inline(view.drift.map((l) => l.trim()).join(' '))}`);
  if (view.failure) lines.push(`Failed step: ${inline(view.failure)}`);
  if (view.approval) lines.push(inline(view.approval));
  const blocks: Block[] = [section(lines.join('\n'))];
  if (view.done.steps.length > 0) blocks.push(section(`*${view.done.heading}*\n${bullets(view.done.steps)}`));
  blocks.push(section(`*What is left*\n${bullets(view.left)}`));
  return fitSlackMessage({ text: `${view.headline}: ${view.diagnosis.category} in ${view.where}`, blocks });
}

/** The `action_id`s the approval endpoint (functions/approvalWebhook) answers to. */
export const APPROVAL_ACTION_IDS = { approve: 'deploy-medic-approve', deny: 'deploy-medic-deny' } as const;

/**
 * Approve / Deny, each asking for confirmation first (a stray tap must not roll back production).
 * The button's value is the incident key: the endpoint finds the task token in the ledger, so the
 * token never travels through Slack.
 */
export function approvalButtons(incidentKey: string): Block {
  const confirm = (verb: string, what: string) => ({
    title: { type: 'plain_text' as const, text: `${verb}?` },
    text: { type: 'plain_text' as const, text: truncate(what, 300) },
    confirm: { type: 'plain_text' as const, text: verb },
    deny: { type: 'plain_text' as const, text: 'Cancel' },
  });
  return {
    type: 'actions',
    block_id: 'deploy-medic-approval',
    elements: [
      {
        type: 'button',
        action_id: APPROVAL_ACTION_IDS.approve,
        text: { type: 'plain_text', text: 'Approve', emoji: true },
        style: 'primary',
        value: incidentKey,
        confirm: confirm('Approve', 'deploy-medic will apply the plan shown above, as you.'),
      },
      {
        type: 'button',
        action_id: APPROVAL_ACTION_IDS.deny,
        text: { type: 'plain_text', text: 'Deny', emoji: true },
        style: 'danger',
        value: incidentKey,
        confirm: confirm('Deny', 'Nothing will be done; the incident stays with on-call.'),
      },
    ],
  };
}

function linkLines(view: IncidentView): string[] {
  const { links } = view;
  const runbook = links.runbook.url ? `<${links.runbook.url}|Runbook: ${inline(links.runbook.path)}>` : `Runbook: \`${inline(links.runbook.path)}\``;
  const lines = [runbook, `<${links.console.url}|${inline(links.console.label)} in the AWS console>`];
  if (links.report) lines.push('url' in links.report ? `<${links.report.url}|Incident report>` : `Incident report: ${inline(links.report.note)}`);
  return lines;
}

function bullets(items: string[]): string {
  const shown = items.slice(0, SHOWN.steps).map((s) => `• ${inline(truncate(s, 500))}`);
  if (items.length > SHOWN.steps) shown.push(`• … and ${items.length - SHOWN.steps} more (${REPORT_HINT})`);
  return shown.join('\n');
}

/** Dynamic text in mrkdwn: escaped, and unable to open a code block. */
function inline(text: string): string {
  return noFences(escapeMrkdwn(text));
}

function mrkdwn(text: string): TextObject {
  return { type: 'mrkdwn', text: truncateVisibly(text, SLACK_LIMITS.fieldChars) };
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: cutSection(text, SECTION_BUDGET) } };
}

/** Cuts a section's text visibly, never leaving a code fence open. */
function cutSection(text: string, max: number): string {
  return truncateMarkdown(text, max, 'see the incident report');
}

/**
 * Makes any message fit Block Kit's limits, visibly: over-long texts end with a "truncated"
 * marker, surplus fields are dropped, surplus blocks replaced by a note saying how many.
 */
export function fitSlackMessage(message: SlackMessage): SlackMessage {
  let blocks = message.blocks.map((block): Block => {
    switch (block.type) {
      case 'header':
        return { ...block, text: { ...block.text, text: truncate(block.text.text, SLACK_LIMITS.headerChars) } };
      case 'section': {
        const fitted: Block = { type: 'section' };
        if (block.text) fitted.text = { ...block.text, text: cutSection(block.text.text, SLACK_LIMITS.sectionTextChars) };
        if (block.fields) {
          fitted.fields = block.fields.slice(0, SLACK_LIMITS.fields).map((f) => ({ ...f, text: truncateVisibly(f.text, SLACK_LIMITS.fieldChars) }));
        }
        return fitted;
      }
      case 'context':
        return { ...block, elements: block.elements.slice(0, SLACK_LIMITS.contextElements) };
      default:
        return block;
    }
  });
  if (blocks.length > SLACK_LIMITS.blocks) {
    const dropped = blocks.length - (SLACK_LIMITS.blocks - 1);
    blocks = [...blocks.slice(0, SLACK_LIMITS.blocks - 1), { type: 'context', elements: [{ type: 'mrkdwn', text: `… ${dropped} more blocks left out` }] }];
  }
  // Over the total: cut the longest text (a section's, or a field's) until the message fits.
  for (let over = totalChars(blocks) - SLACK_LIMITS.totalChars; over > 0; over = totalChars(blocks) - SLACK_LIMITS.totalChars) {
    let longest: { block: number; field?: number; length: number } = { block: -1, length: 0 };
    blocks.forEach((b, i) => {
      if (b.type !== 'section') return;
      if (b.text && b.text.text.length > longest.length) longest = { block: i, length: b.text.text.length };
      b.fields?.forEach((f, j) => {
        if (f.text.length > longest.length) longest = { block: i, field: j, length: f.text.length };
      });
    });
    const block = blocks[longest.block];
    if (block?.type !== 'section' || longest.length <= 300) break;
    const target = Math.max(300, longest.length - over);
    blocks[longest.block] =
      longest.field === undefined
        ? { ...block, text: { ...block.text!, text: cutSection(block.text!.text, target) } }
        : { ...block, fields: block.fields!.map((f, j) => (j === longest.field ? { ...f, text: truncateVisibly(f.text, target) } : f)) };
  }
  return { text: truncate(message.text, 3000), blocks };
}

function blockTexts(block: Block): string[] {
  switch (block.type) {
    case 'header':
      return [block.text.text];
    case 'section':
      return [...(block.text ? [block.text.text] : []), ...(block.fields ?? []).map((f) => f.text)];
    case 'context':
      return block.elements.map((e) => e.text);
    default:
      return [];
  }
}

function totalChars(blocks: Block[]): number {
  return blocks.flatMap(blockTexts).reduce((sum, t) => sum + t.length, 0);
}

/**
 * What breaks Block Kit's limits in a message: `[]` when nothing. Also checks that every code
 * fence is closed, so a truncated message never swallows what follows into a code block.
 *
 * @example
 * checkSlackMessage(buildSlackMessage(view)); // []
 */
export function checkSlackMessage(message: SlackMessage): string[] {
  const problems: string[] = [];
  if (typeof message.text !== 'string' || message.text === '') problems.push('no fallback text');
  if (message.blocks.length > SLACK_LIMITS.blocks) problems.push(`${message.blocks.length} blocks, more than ${SLACK_LIMITS.blocks}`);
  message.blocks.forEach((block, i) => {
    if (block.type === 'header') {
      if (block.text.type !== 'plain_text') problems.push(`block ${i}: a header is plain_text`);
      if (block.text.text.length > SLACK_LIMITS.headerChars) problems.push(`block ${i}: header longer than ${SLACK_LIMITS.headerChars}`);
    }
    if (block.type === 'section') {
      if (!block.text && !block.fields) problems.push(`block ${i}: a section needs text or fields`);
      if (block.text && block.text.text.length > SLACK_LIMITS.sectionTextChars) problems.push(`block ${i}: section text longer than ${SLACK_LIMITS.sectionTextChars}`);
      if (block.fields && block.fields.length > SLACK_LIMITS.fields) problems.push(`block ${i}: more than ${SLACK_LIMITS.fields} fields`);
      for (const field of block.fields ?? []) if (field.text.length > SLACK_LIMITS.fieldChars) problems.push(`block ${i}: a field longer than ${SLACK_LIMITS.fieldChars}`);
    }
    if (block.type === 'context' && block.elements.length > SLACK_LIMITS.contextElements) problems.push(`block ${i}: more than ${SLACK_LIMITS.contextElements} context elements`);
    for (const text of blockTexts(block)) {
      if (text.length === 0) problems.push(`block ${i}: empty text`);
      if ((text.split('```').length - 1) % 2 !== 0) problems.push(`block ${i}: unclosed code fence`);
    }
  });
  const total = totalChars(message.blocks);
  if (total > SLACK_LIMITS.totalChars) problems.push(`${total} characters in blocks, more than ${SLACK_LIMITS.totalChars}`);
  return problems;
}
