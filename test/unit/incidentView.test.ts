import { describe, expect, it } from 'vitest';
import { describeIncident } from '../../shared/notify/incidentView';
import { consoleLinkFor, resourceArnOf, runbookUrl, s3ConsoleUrl } from '../../shared/notify/links';
import { codeBlock, formatDuration, truncateMarkdown, truncateVisibly } from '../../shared/notify/text';
import { APPLIED_AT, NOW, OPENED_AT, oomIncident, openedStackAlert, resolvedOomAlert, STEADY_AT, stackIncident } from './notifyFixtures';

describe('Notify: incident view', () => {
  it('times the incident from the event AWS saw: detect = event -> opened, resolve = event -> steady', () => {
    expect(describeIncident(resolvedOomAlert()).timeline).toEqual({
      eventTime: '2025-03-14T09:27:18Z',
      openedAt: OPENED_AT,
      actedAt: APPLIED_AT,
      verifiedAt: STEADY_AT,
      closedAt: STEADY_AT,
      timeToDetectMs: 12_000,
      timeToResolveMs: 370_000,
    });
  });

  it('without the execution start time, the first alert takes its own time as the opened time', () => {
    const first = describeIncident(resolvedOomAlert({ phase: 'opened', openedAt: undefined, remediation: undefined, verification: undefined }));
    expect(first.timeline).toEqual({ eventTime: '2025-03-14T09:27:18Z', openedAt: NOW.toISOString(), timeToDetectMs: 371_000 });
    // Later phases cannot know it: no made-up detection time.
    expect(describeIncident(resolvedOomAlert({ openedAt: undefined })).timeline.timeToDetectMs).toBeUndefined();
  });

  it('an escalation is closed now and has no time to resolve', () => {
    const { timeline } = describeIncident(resolvedOomAlert({ phase: 'escalated', verification: { status: 'DEADLINE_EXCEEDED', detail: 'not steady by the deadline', checkedAt: STEADY_AT } }));
    expect(timeline.closedAt).toBe(NOW.toISOString());
    expect(timeline.timeToResolveMs).toBeUndefined();
  });

  it('skips, waits and what cannot be freed are left to do, not done', () => {
    const view = describeIncident(
      openedStackAlert({
        phase: 'escalated',
        remediation: {
          action: 'cfn-cleanup-delete',
          applied: true,
          dryRun: false,
          steps: [
            'deleted ENI eni-0a1b2c3d4e5f60718 (blocked DatabaseSecurityGroup): detached ENI whose only security groups belong to the stack',
            'wait for eni-0lambda (blocks AppSecurityGroup): Lambda releases its ENIs within about 45 minutes',
            'skipped: checkout-db-1 (blocks DatabaseSubnetGroup): DB instance checkout-db-1 still uses it',
            'deleted stack checkout-db again (still blocked: DatabaseSubnetGroup)',
          ],
        },
        verification: { status: 'FAILED', detail: 'stack is DELETE_FAILED', checkedAt: '2025-03-18T14:10:00.000Z' },
      }),
    );
    expect(view.done).toEqual({
      heading: 'What was done',
      steps: [
        'deleted ENI eni-0a1b2c3d4e5f60718 (blocked DatabaseSecurityGroup): detached ENI whose only security groups belong to the stack',
        'deleted stack checkout-db again (still blocked: DatabaseSubnetGroup)',
      ],
      none: 'Nothing was changed.',
    });
    expect(view.left).toEqual([
      'Verification FAILED: stack is DELETE_FAILED',
      'wait for eni-0lambda (blocks AppSecurityGroup): Lambda releases its ENIs within about 45 minutes',
      'skipped: checkout-db-1 (blocks DatabaseSubnetGroup): DB instance checkout-db-1 still uses it',
    ]);
  });

  it('a notify-only plan leaves the whole job to a human, with the planner\'s reason', () => {
    const base = resolvedOomAlert();
    const view = describeIncident(
      resolvedOomAlert({ phase: 'escalated', remediation: undefined, verification: undefined, diagnosis: { ...base.diagnosis, plan: { action: 'notify-only', reason: 'service prod/checkout-api is not opted in (tag deploy-medic:enabled=true): would ecs-resize-memory, reporting only' } } }),
    );
    expect(view.left).toEqual(['A human is needed: service prod/checkout-api is not opted in (tag deploy-medic:enabled=true): would ecs-resize-memory, reporting only']);
  });

  it('in observe mode, says what would be done and how to get it done', () => {
    const view = describeIncident(resolvedOomAlert({ phase: 'observed', mode: 'observe', verification: undefined, remediation: { action: 'ecs-resize-memory', applied: false, dryRun: true, steps: ['would update service prod/checkout-api'] } }));
    expect(view.done).toEqual({ heading: 'What would be done (observe mode)', steps: ['would update service prod/checkout-api'], none: 'Nothing: observe mode changes nothing.' });
    expect(view.left).toEqual(['Observe mode: apply the plan by hand (see the runbook), or switch this stage to auto mode.']);
  });
});

describe('Notify: links', () => {
  it('the console page of an ECS service and of a stack, in the incident\'s region', () => {
    expect(consoleLinkFor(oomIncident)).toEqual({
      label: 'ECS service prod/checkout-api',
      url: 'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/checkout-api/health?region=us-east-1',
    });
    expect(consoleLinkFor(stackIncident)).toEqual({
      label: 'CloudFormation stack checkout-db',
      url: 'https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/stackinfo?stackId=arn%3Aaws%3Acloudformation%3Aus-east-1%3A111122223333%3Astack%2Fcheckout-db%2F9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93',
    });
  });

  it('the resource ARN for Q Developer', () => {
    expect(resourceArnOf(oomIncident)).toBe('arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api');
    expect(resourceArnOf(stackIncident)).toBe(stackIncident.resource.stackId);
  });

  it('runbook links resolve against the docs base with or without its trailing slash; none without a base', () => {
    expect(runbookUrl('https://github.com/acme/deploy-medic/blob/main', 'docs/runbooks/OOM.md')).toBe('https://github.com/acme/deploy-medic/blob/main/docs/runbooks/OOM.md');
    expect(runbookUrl('https://docs.example.com/medic/', '/docs/runbooks/OOM.md')).toBe('https://docs.example.com/medic/docs/runbooks/OOM.md');
    expect(runbookUrl(undefined, 'docs/runbooks/OOM.md')).toBeUndefined();
  });

  it('the S3 console page of a report', () => {
    expect(s3ConsoleUrl('medic-reports', 'reports/ab12.md', 'eu-west-1')).toBe(
      'https://s3.console.aws.amazon.com/s3/object/medic-reports?region=eu-west-1&bucketType=general&prefix=reports%2Fab12.md',
    );
  });
});

describe('Notify: text', () => {
  it('durations for people', () => {
    expect([0, 42_000, 185_000, 3_840_000, 183_600_000, -5000].map(formatDuration)).toEqual(['0s', '42s', '3m 05s', '1h 04m', '2d 03h', '0s']);
  });

  it('a visible cut names how much is missing and never exceeds the limit', () => {
    const cut = truncateVisibly('x'.repeat(5000), 3000, 'see the report');
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut).toMatch(/^x+\n… \(truncated: \d+ more characters; see the report\)$/);
    const kept = cut.split('\n')[0]!.length;
    expect(cut).toContain(`truncated: ${5000 - kept} more`);
  });

  it('a markdown cut inside a code block closes the block first', () => {
    const cut = truncateMarkdown(`intro\n\`\`\`\n${'c'.repeat(500)}\n\`\`\`\nafter`, 200);
    expect(cut.length).toBeLessThanOrEqual(200);
    expect(cut).toMatch(/c\n```\n… \(truncated: \d+ more characters\)$/);
  });

  it('a code block keeps whole lines and counts the rest; fences inside lines cannot close it', () => {
    const [a, b, c] = ['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10)];
    expect(codeBlock([a, b, c], 39)).toBe(`\`\`\`\n${a}\n\`\`\`\n… and 2 more lines`);
    expect(codeBlock(['a', 'b', 'c'], 100)).toBe('```\na\nb\nc\n```');
    expect(codeBlock(['x ``` y'], 100)).toBe("```\nx ''' y\n```");
  });
});
