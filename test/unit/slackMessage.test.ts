import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeIncident } from '../../shared/notify/incidentView';
import { type Block, buildSlackMessage, buildSlackThreadReply, checkSlackMessage, fitSlackMessage, SLACK_LIMITS } from '../../shared/notify/slackMessage';
import { PHASES } from '../../shared/notify/phases';
import { openedStackAlert, REPORT, resolvedOomAlert } from './notifyFixtures';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512';
const NEW = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';
const md = (text: string) => ({ type: 'mrkdwn' as const, text });

describe('Notify: Slack Block Kit message', () => {
  it('a resolved OOM incident: header, cause and timings, evidence as code, what was done, what is left, links', () => {
    expect(buildSlackMessage(describeIncident(resolvedOomAlert()))).toEqual({
      text: ':white_check_mark: [prod] Resolved: OOM in prod/checkout-api',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: ':white_check_mark: Resolved: OOM in prod/checkout-api', emoji: true } },
        {
          type: 'section',
          text: md(
            'OOM in prod/checkout-api (checkout-api:7): container "checkout-api" was killed for using more memory than its limit\n' +
              `*Plan:* raise memory x2 (cap 16384 MiB)\nIncident \`${KEY}\``,
          ),
        },
        {
          type: 'section',
          fields: [
            md('*Cause*\nOOM (confidence 0.95)'),
            md('*Mode*\nauto'),
            md('*Stage*\nprod'),
            md('*Plan*\n`ecs-resize-memory`'),
            md('*Time to detect*\n12s'),
            md('*Time to resolve*\n6m 10s'),
          ],
        },
        {
          type: 'section',
          text: md('*Evidence*\n```\ncontainerReason (container checkout-api): "OutOfMemoryError: Container killed due to memory usage"\ncontainer checkout-api exit code 137\n```'),
        },
        { type: 'divider' },
        {
          type: 'section',
          text: md(
            `*What was done*\n• registered ${NEW} with task memory 512-&gt;1024 MiB, container checkout-api memory 512-&gt;1024 MiB\n` +
              `• updated service prod/checkout-api to ${NEW}`,
          ),
        },
        { type: 'section', text: md('*What is left*\n• Nothing: the resource is healthy again.') },
        {
          type: 'section',
          text: md(
            '*Links*\n<https://github.com/acme/deploy-medic/blob/main/docs/runbooks/OOM.md|Runbook: docs/runbooks/OOM.md>\n' +
              '<https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/checkout-api/health?region=us-east-1|ECS service prod/checkout-api in the AWS console>\n' +
              `<${REPORT.url}|Incident report>`,
          ),
        },
        { type: 'context', elements: [md('deploy-medic prod · resolved · severity info · updated 2025-03-14T09:33:29.000Z')] },
      ],
    });
  });

  it('an opened stack incident says what will be done, and what a human must decide', () => {
    const { blocks } = buildSlackMessage(describeIncident(openedStackAlert()));
    const texts = blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
    expect(texts).toContain('*What will be done*\n• delete ENI eni-0a1b2c3d4e5f60718 (blocks DatabaseSecurityGroup): detached ENI whose only security groups belong to the stack');
    expect(texts).toContain(
      '*What is left*\n' +
        '• skipped: checkout-db-1 (blocks DatabaseSubnetGroup): DB instance checkout-db-1 still uses it: data stores are never touched; fix: move or delete checkout-db-1 deliberately (snapshot first), or retain DatabaseSubnetGroup\n' +
        '• Cannot be freed safely (a human decides): DatabaseSubnetGroup\n' +
        '• In progress: cfn-cleanup-delete. This message is updated when it is resolved or escalated.',
    );
    expect(texts.at(-1)).toContain('<https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/stackinfo?stackId=arn%3Aaws%3Acloudformation');
    expect(texts.at(-1)).toContain('Runbook: `docs/runbooks/DEPENDENCY_VIOLATION.md`');
    expect(texts.at(-1)).toContain('Incident report: not stored (REPORTS_BUCKET is not set)');
  });

  it.each(PHASES)('%s: both incidents fit Block Kit', (phase) => {
    for (const alert of [resolvedOomAlert({ phase }), openedStackAlert({ phase })]) {
      const view = describeIncident(alert);
      expect(checkSlackMessage(buildSlackMessage(view))).toEqual([]);
      expect(checkSlackMessage(buildSlackThreadReply(view))).toEqual([]);
    }
  });

  it('escapes what Slack would read as markup: mentions, links and entities in AWS texts', () => {
    const base = resolvedOomAlert();
    const view = describeIncident(
      resolvedOomAlert({ diagnosis: { ...base.diagnosis, summary: 'ping <!channel> & <@U123>', evidence: ['reason: <none> & more'] } }),
    );
    const { blocks } = buildSlackMessage(view);
    const texts = JSON.stringify(blocks);
    expect(texts).toContain('ping &lt;!channel&gt; &amp; &lt;@U123&gt;');
    expect(texts).toContain('reason: &lt;none&gt; &amp; more');
    expect(texts).not.toContain('<!channel>');
  });

  it('the thread reply of a later phase says what changed', () => {
    const reply = buildSlackThreadReply(describeIncident(resolvedOomAlert()));
    expect(reply.text).toBe('Resolved: OOM in prod/checkout-api');
    expect(reply.blocks[0]).toEqual({
      type: 'section',
      text: md(`:white_check_mark: *Resolved*\nTime to resolve: 6m 10s\nVerification: STEADY: 2/2 tasks running on ${NEW}`),
    });
  });

  it('an escalation names the failed step, and nothing is claimed done', () => {
    const view = describeIncident(
      resolvedOomAlert({ phase: 'escalated', remediation: undefined, verification: undefined, error: { Error: 'RemediationError', Cause: 'service prod/checkout-api not found or not ACTIVE' } }),
    );
    const texts = buildSlackMessage(view).blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
    expect(texts).toContain('*What was done*\n_Nothing was changed._');
    expect(texts).toContain('*What is left*\n• Failed step - RemediationError: service prod/checkout-api not found or not ACTIVE');
  });
});

describe('Notify: Slack limits', () => {
  it('a message with too many blocks keeps 49 and says how many were left out', () => {
    const blocks: Block[] = Array.from({ length: 60 }, (_, i) => ({ type: 'section', text: md(`block ${i}`) }) as Block);
    const fitted = fitSlackMessage({ text: 'many', blocks });
    expect(fitted.blocks).toHaveLength(SLACK_LIMITS.blocks);
    expect(fitted.blocks.at(-1)).toEqual({ type: 'context', elements: [md('… 11 more blocks left out')] });
    expect(checkSlackMessage(fitted)).toEqual([]);
  });

  it('cuts a long header, long sections and surplus fields, visibly', () => {
    const fitted = fitSlackMessage({
      text: 'x',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(400) } },
        { type: 'section', text: md(`\`\`\`\n${'c'.repeat(5000)}\n\`\`\``) },
        { type: 'section', fields: Array.from({ length: 12 }, () => md('f'.repeat(2500))) },
      ],
    });
    expect(checkSlackMessage(fitted)).toEqual([]);
    const [header, code, fields] = fitted.blocks as [Extract<Block, { type: 'header' }>, Extract<Block, { type: 'section' }>, Extract<Block, { type: 'section' }>];
    expect(header.text.text).toBe(`${'h'.repeat(147)}...`);
    // The cut closes the code block before saying so.
    expect(code.text!.text).toMatch(/c\n```\n… \(truncated: \d+ more characters; see the incident report\)$/);
    expect(fields.fields).toHaveLength(10);
    expect(fields.fields![0]!.text).toMatch(/… \(truncated: \d+ more characters\)$/);
  });

  it('the checker names what Slack would reject', () => {
    expect(
      checkSlackMessage({
        text: '',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
          { type: 'section', text: md('```open') },
          { type: 'section' },
        ],
      }),
    ).toEqual(['no fallback text', 'block 0: header longer than 150', 'block 1: unclosed code fence', 'block 2: a section needs text or fields']);
  });

  it('whatever the incident says, the message fits Block Kit and cuts visibly', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '\n', '`', '<', '>', '&', '|', '*', '🔥'), maxLength: 4000, size: 'large' });
    fc.assert(
      fc.property(text, fc.array(text, { maxLength: 30 }), fc.array(text, { maxLength: 30 }), fc.constantFrom(...PHASES), (summary, evidence, steps, phase) => {
        const base = resolvedOomAlert();
        const view = describeIncident(
          resolvedOomAlert({ phase, diagnosis: { ...base.diagnosis, summary, evidence }, remediation: { ...base.remediation!, steps } }),
        );
        const message = buildSlackMessage(view);
        expect(checkSlackMessage(message)).toEqual([]);
        expect(checkSlackMessage(buildSlackThreadReply(view))).toEqual([]);
        const evidenceText = (message.blocks[3] as { text: { text: string } }).text.text;
        if (evidence.length > 10) expect(evidenceText).toMatch(/more (evidence )?lines?/);
        // The header and the links always survive, whatever the body holds.
        expect(message.blocks[0]?.type).toBe('header');
        expect(JSON.stringify(message.blocks.at(-2))).toContain('*Links*');
      }),
      { numRuns: 150 },
    );
  });
});
