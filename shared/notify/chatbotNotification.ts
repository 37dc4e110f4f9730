/**
 * The Amazon Q Developer in chat applications (formerly AWS Chatbot) custom notification of
 * an incident: the JSON document Q Developer renders in Slack, Microsoft Teams or Chime when
 * it arrives on an SNS topic the channel is subscribed to.
 *
 * Schema (AWS docs, "Custom notifications using Amazon Q Developer in chat applications",
 * Event schema and Parameter details):
 *
 *   { "version": "1.0", "source": "custom", "id"?,
 *     "content":  { "textType"?, "title"?, "description", "nextSteps"?, "keywords"? },
 *     "metadata"?: { "threadId"?, "summary"?, "eventType"?, "relatedResources"?,
 *                    "additionalContext"?, "enableCustomActions"? } }
 *
 * `version` must be `1.0`, `source` must be `custom`; `textType` only `client-markdown`
 * (rendered in the chat platform's own markdown). Notifications with the same `threadId` are
 * threaded together (when the channel's preferences allow threads), with `summary` shown on
 * the top-level message: the incident key is the thread.
 */
import type { IncidentView } from './incidentView';
import { durationOrNa } from './incidentView';
import { resourceArnOf } from './links';
import { codeBlock, noFences, truncate, truncateMarkdown } from './text';

/** Field limits from the Parameter details of the custom notification schema. */
export const CHATBOT_LIMITS = {
  titleChars: 250,
  descriptionChars: 8000,
  nextStepChars: 350,
  keywordChars: 75,
} as const;

/** How much of each list a chat message shows; the incident report has the rest. Our choice, not AWS's. */
const SHOWN = { evidenceLines: 10, steps: 15, nextSteps: 8, keywords: 6 } as const;

export interface ChatbotNotification {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: {
    textType?: 'client-markdown';
    title?: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata?: {
    threadId?: string;
    summary?: string;
    eventType?: string;
    relatedResources?: string[];
    additionalContext?: Record<string, string>;
    enableCustomActions?: boolean;
  };
}

/**
 * @example
 * const n = formatChatbotNotification(describeIncident(input));
 * n.metadata?.threadId; // the incident key: every phase of one incident lands in one thread
 */
export function formatChatbotNotification(view: IncidentView): ChatbotNotification {
  const { diagnosis, incident, links } = view;
  const moreInReport = 'more in the incident report';
  const bullets = (items: string[]) => {
    const shown = items.slice(0, SHOWN.steps).map((s) => `• ${noFences(truncate(s, 400))}`);
    if (items.length > SHOWN.steps) shown.push(`• … and ${items.length - SHOWN.steps} more (${moreInReport})`);
    return shown.join('\n');
  };

  const timing = [`*Time to detect:* ${durationOrNa(view.timeline.timeToDetectMs)}`];
  if (view.phase === 'resolved') timing.push(`*Time to resolve:* ${durationOrNa(view.timeline.timeToResolveMs)}`);

  const description = truncateMarkdown(
    [
      noFences(truncate(diagnosis.summary, 1000)),
      '',
      `*Cause:* ${view.cause}`,
      `*Plan:* ${noFences(truncate(view.plan, 600))}`,
      `*Mode:* ${view.mode}   *Stage:* ${view.stage}`,
      timing.join('   '),
      '',
      '*Evidence:*',
      codeBlock(diagnosis.evidence, 2500, { maxLineChars: 300, hint: moreInReport }),
      '',
      `*${view.done.heading}:*`,
      view.done.steps.length > 0 ? bullets(view.done.steps) : view.done.none,
      '',
      '*What is left:*',
      bullets(view.left),
      '',
      `*Incident:* \`${incident.key}\``,
    ].join('\n'),
    CHATBOT_LIMITS.descriptionChars,
    moreInReport,
  );

  const report = links.report;
  const nextSteps = [
    `Runbook: ${links.runbook.url ?? links.runbook.path}`,
    `Console: ${links.console.url}`,
    ...(report ? ['url' in report ? `Incident report: ${report.url}` : `Incident report: ${report.note}`] : []),
    ...view.left,
  ]
    .slice(0, SHOWN.nextSteps)
    .map((s) => truncate(s, CHATBOT_LIMITS.nextStepChars));

  const keywords = [diagnosis.category, view.phase, view.severity, view.stage, diagnosis.plan.action, view.mode]
    .slice(0, SHOWN.keywords)
    .map((k) => truncate(k, CHATBOT_LIMITS.keywordChars));

  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: truncate(`${view.emoji} [deploy-medic ${view.stage}] ${view.title}`, CHATBOT_LIMITS.titleChars),
      description,
      nextSteps,
      keywords,
    },
    metadata: {
      threadId: incident.key,
      summary: truncate(`${view.title} (${view.stage})`, 1000),
      eventType: `deploy-medic-${view.phase}`,
      relatedResources: [resourceArnOf(incident)],
      additionalContext: {
        incidentKey: incident.key,
        phase: view.phase,
        severity: view.severity,
        category: diagnosis.category,
        action: diagnosis.plan.action,
        stage: view.stage,
        mode: view.mode,
        ...(report && 'url' in report ? { report: report.url } : {}),
      },
    },
  };
}

const CONTENT_FIELDS = ['textType', 'title', 'description', 'nextSteps', 'keywords'];
const METADATA_FIELDS = ['threadId', 'summary', 'eventType', 'relatedResources', 'additionalContext', 'enableCustomActions'];
const TOP_FIELDS = ['version', 'source', 'id', 'content', 'metadata'];

/**
 * What is wrong with a custom notification, against the documented schema and limits: `[]`
 * when nothing. Unknown fields count as wrong (a typo would be silently ignored by Q Developer).
 *
 * @example
 * checkChatbotNotification(formatChatbotNotification(view)); // []
 */
export function checkChatbotNotification(value: unknown): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (!isObject(value)) return ['not a JSON object'];
  for (const key of Object.keys(value)) if (!TOP_FIELDS.includes(key)) problems.push(`unknown field ${key}`);
  if (value.version !== '1.0') problems.push('version must be "1.0"');
  if (value.source !== 'custom') problems.push('source must be "custom"');
  if (value.id !== undefined && typeof value.id !== 'string') problems.push('id must be a string');

  const content = value.content;
  if (!isObject(content)) {
    problems.push('content is required');
  } else {
    for (const key of Object.keys(content)) if (!CONTENT_FIELDS.includes(key)) problems.push(`unknown field content.${key}`);
    if (content.textType !== undefined && content.textType !== 'client-markdown') problems.push('content.textType must be "client-markdown"');
    if (typeof content.description !== 'string' || content.description === '') problems.push('content.description is required');
    else if (content.description.length > CHATBOT_LIMITS.descriptionChars) problems.push(`content.description longer than ${CHATBOT_LIMITS.descriptionChars}`);
    if (content.title !== undefined && (typeof content.title !== 'string' || content.title.length > CHATBOT_LIMITS.titleChars)) {
      problems.push(`content.title must be a string of at most ${CHATBOT_LIMITS.titleChars}`);
    }
    if (content.nextSteps !== undefined) {
      if (!strings(content.nextSteps)) problems.push('content.nextSteps must be strings');
      else if ((content.nextSteps as string[]).some((s) => s.length > CHATBOT_LIMITS.nextStepChars)) problems.push(`a next step is longer than ${CHATBOT_LIMITS.nextStepChars}`);
    }
    if (content.keywords !== undefined) {
      if (!strings(content.keywords)) problems.push('content.keywords must be strings');
      else if ((content.keywords as string[]).some((s) => s.length > CHATBOT_LIMITS.keywordChars)) problems.push(`a keyword is longer than ${CHATBOT_LIMITS.keywordChars}`);
    }
  }

  const metadata = value.metadata;
  if (metadata !== undefined) {
    if (!isObject(metadata)) {
      problems.push('metadata must be an object');
    } else {
      for (const key of Object.keys(metadata)) if (!METADATA_FIELDS.includes(key)) problems.push(`unknown field metadata.${key}`);
      for (const key of ['threadId', 'summary', 'eventType']) {
        if (metadata[key] !== undefined && typeof metadata[key] !== 'string') problems.push(`metadata.${key} must be a string`);
      }
      if (metadata.relatedResources !== undefined && !strings(metadata.relatedResources)) problems.push('metadata.relatedResources must be strings');
      if (metadata.additionalContext !== undefined) {
        const context = metadata.additionalContext;
        if (!isObject(context) || !Object.values(context).every((v) => typeof v === 'string')) problems.push('metadata.additionalContext must map strings to strings');
      }
      if (metadata.enableCustomActions !== undefined && typeof metadata.enableCustomActions !== 'boolean') problems.push('metadata.enableCustomActions must be a boolean');
    }
  }
  return problems;
}
