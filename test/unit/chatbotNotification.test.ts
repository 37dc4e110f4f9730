import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CHATBOT_LIMITS, checkChatbotNotification } from '../../shared/notify/chatbotNotification';
import { formatNotification } from '../../shared/notify/formatNotification';
import { PHASES } from '../../shared/notify/phases';
import { publishToSns } from '../../shared/notify/publishToSns';
import { openedStackAlert, REPORT, resolvedOomAlert } from './notifyFixtures';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512';
const NEW = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';

describe('Notify: Amazon Q Developer (Chatbot) custom notification', () => {
  it('a resolved OOM incident: title, markdown description, next steps, keywords, and the incident as thread', () => {
    expect(formatNotification(resolvedOomAlert()).chatbot).toEqual({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: ':white_check_mark: [deploy-medic prod] Resolved: OOM in prod/checkout-api',
        description: [
          'OOM in prod/checkout-api (checkout-api:7): container "checkout-api" was killed for using more memory than its limit',
          '',
          '*Cause:* OOM (confidence 0.95)',
          '*Plan:* ecs-resize-memory: raise memory x2 (cap 16384 MiB)',
          '*Mode:* auto   *Stage:* prod',
          '*Time to detect:* 12s   *Time to resolve:* 6m 10s',
          '',
          '*Evidence:*',
          '```',
          'containerReason (container checkout-api): "OutOfMemoryError: Container killed due to memory usage"',
          'container checkout-api exit code 137',
          '```',
          '',
          '*What was done:*',
          `• registered ${NEW} with task memory 512->1024 MiB, container checkout-api memory 512->1024 MiB`,
          `• updated service prod/checkout-api to ${NEW}`,
          '',
          '*What is left:*',
          '• Nothing: the resource is healthy again.',
          '',
          `*Incident:* \`${KEY}\``,
        ].join('\n'),
        nextSteps: [
          'Runbook: https://github.com/acme/deploy-medic/blob/main/docs/runbooks/OOM.md',
          'Console: https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/checkout-api/health?region=us-east-1',
          `Incident report: ${REPORT.url}`,
          'Nothing: the resource is healthy again.',
        ],
        keywords: ['OOM', 'resolved', 'info', 'prod', 'ecs-resize-memory', 'auto'],
      },
      metadata: {
        threadId: KEY,
        summary: 'Resolved: OOM in prod/checkout-api (prod)',
        eventType: 'deploy-medic-resolved',
        relatedResources: ['arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api'],
        additionalContext: {
          incidentKey: KEY,
          phase: 'resolved',
          severity: 'info',
          category: 'OOM',
          action: 'ecs-resize-memory',
          stage: 'prod',
          mode: 'auto',
          report: REPORT.url,
        },
      },
    });
  });

  it.each(PHASES)('%s: both incidents meet the documented schema and limits, threaded by incident key', (phase) => {
    for (const alert of [resolvedOomAlert({ phase }), openedStackAlert({ phase })]) {
      const { chatbot } = formatNotification(alert);
      expect(checkChatbotNotification(chatbot)).toEqual([]);
      expect(chatbot.metadata?.threadId).toBe(alert.incident.key);
      expect(chatbot.metadata?.eventType).toBe(`deploy-medic-${phase}`);
    }
  });

  it('a stack incident names the stack as related resource and says why there is no report', () => {
    const { chatbot } = formatNotification(openedStackAlert());
    expect(chatbot.metadata?.relatedResources).toEqual(['arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-db/9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93']);
    expect(chatbot.content.nextSteps).toContain('Incident report: not stored (REPORTS_BUCKET is not set)');
    expect(chatbot.content.nextSteps).toContain('Cannot be freed safely (a human decides): DatabaseSubnetGroup');
    expect(chatbot.content.description).toContain('*What will be done:*\n• delete ENI eni-0a1b2c3d4e5f60718');
  });

  it('the checker rejects what Q Developer would not render', () => {
    const good = formatNotification(resolvedOomAlert()).chatbot;
    expect(checkChatbotNotification({ ...good, version: '2.0' })).toEqual(['version must be "1.0"']);
    expect(checkChatbotNotification({ ...good, source: 'aws.ecs' })).toEqual(['source must be "custom"']);
    expect(checkChatbotNotification({ ...good, content: { ...good.content, description: '' } })).toEqual(['content.description is required']);
    expect(checkChatbotNotification({ ...good, content: { ...good.content, title: 't'.repeat(251) } })).toEqual(['content.title must be a string of at most 250']);
    expect(checkChatbotNotification({ ...good, content: { ...good.content, keywords: ['k'.repeat(76)] } })).toEqual(['a keyword is longer than 75']);
    expect(checkChatbotNotification({ ...good, metadata: { ...good.metadata, threadID: 'x' } })).toEqual(['unknown field metadata.threadID']);
    expect(checkChatbotNotification({ ...good, metadata: { additionalContext: { attempt: 2 } } })).toEqual(['metadata.additionalContext must map strings to strings']);
  });

  it('an incident too big for one message is cut where it shows, with the count of what is missing', () => {
    const base = resolvedOomAlert();
    const { chatbot } = formatNotification(
      resolvedOomAlert({
        diagnosis: { ...base.diagnosis, summary: 's'.repeat(5000), evidence: Array.from({ length: 30 }, (_, i) => `evidence ${i} ${'e'.repeat(400)}`) },
        remediation: { ...base.remediation!, steps: Array.from({ length: 40 }, (_, i) => `step ${i} ${'x'.repeat(600)}`) },
      }),
    );
    const { description } = chatbot.content;
    expect(checkChatbotNotification(chatbot)).toEqual([]);
    expect(description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.descriptionChars);
    expect(description).toMatch(/\n… \(truncated: \d+ more characters; more in the incident report\)$/);
    expect(description).toMatch(/```\n… and \d+ more lines \(more in the incident report\)/);
    expect(description.startsWith(`${'s'.repeat(997)}...`)).toBe(true);
  });

  it('whatever the incident says, the notification stays within the limits and cuts visibly', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '\n', '`', '<', '&', 'é', '🔥'), maxLength: 3000, size: 'large' });
    fc.assert(
      fc.property(
        text,
        fc.array(text, { maxLength: 40 }),
        fc.array(text, { maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 300 }),
        (summary, evidence, steps, stage) => {
          const base = resolvedOomAlert();
          const alert = resolvedOomAlert({
            stage,
            diagnosis: { ...base.diagnosis, summary, evidence },
            remediation: { ...base.remediation!, steps },
          });
          const { chatbot } = formatNotification(alert);
          expect(checkChatbotNotification(chatbot)).toEqual([]);
          const { description, title } = chatbot.content;
          // Code fences always close: nothing after the evidence turns into code.
          expect((description.split('```').length - 1) % 2).toBe(0);
          // Either the whole description (it ends with the incident) or a visible cut.
          expect(description.endsWith(`*Incident:* \`${KEY}\``) || description.includes('… (truncated:')).toBe(true);
          if (steps.length > 15 && !description.includes('… (truncated:')) expect(description).toContain(`… and ${steps.length - 15} more (more in the incident report)`);
          if (stage.length > CHATBOT_LIMITS.titleChars - 80) expect(title!.endsWith('...')).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('Notify: publishToSns', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  it('https and http subscribers (Q Developer) get the custom notification; SQS and Lambda our JSON; people the text', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notification = formatNotification(resolvedOomAlert());
    await publishToSns(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:111122223333:alerts', notification);

    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.MessageStructure).toBe('json');
    const bodies = JSON.parse(input.Message!) as Record<string, string>;
    expect(Object.keys(bodies).sort()).toEqual(['default', 'email', 'http', 'https', 'lambda', 'sms', 'sqs']);
    expect(JSON.parse(bodies.https!)).toEqual(notification.chatbot);
    expect(JSON.parse(bodies.http!)).toEqual(notification.chatbot);
    expect(JSON.parse(bodies.sqs!)).toEqual(notification.json);
    expect(JSON.parse(bodies.lambda!)).toEqual(notification.json);
    expect(bodies.default).toBe(notification.text);
    // Attributes are for filter policies, and unchanged.
    expect(input.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'info' },
      category: { DataType: 'String', StringValue: 'OOM' },
      stage: { DataType: 'String', StringValue: 'prod' },
      action: { DataType: 'String', StringValue: 'ecs-resize-memory' },
      phase: { DataType: 'String', StringValue: 'resolved' },
      mode: { DataType: 'String', StringValue: 'auto' },
    });
  });
});
