import { describe, expect, it } from 'vitest';
import { renderIncidentReport, reportKeyFor } from '../../shared/notify/incidentReport';
import { DOCS, NOW, OPENED_AT, openedOomRun, resolvedOomRun } from './notifyFixtures';

const NEW = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';

describe('Notify: incident report', () => {
  it('a resolved incident: summary, timeline, facts, diagnosis, actions, result, MTTR', () => {
    expect(renderIncidentReport(resolvedOomRun(), 'resolved', NOW, { stage: 'prod', openedAt: OPENED_AT, docsBaseUrl: DOCS })).toBe(
      [
        '# Resolved: OOM in prod/checkout-api',
        '',
        '| | |',
        '|---|---|',
        '| Status | Resolved |',
        '| Incident | `ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512` |',
        '| Resource | ECS service prod/checkout-api, revision checkout-api:7, us-east-1, account 111122223333 |',
        '| Stage / mode | prod / auto |',
        '| Cause | OOM (confidence 0.95) |',
        '| Plan | `ecs-resize-memory`: raise memory x2 (cap 16384 MiB) |',
        '| Time to detect | 12s |',
        '| MTTR (event to resolved) | 6m 10s |',
        '',
        '## Timeline (UTC)',
        '',
        '| When | What |',
        '|---|---|',
        '| 2025-03-14T09:27:18Z | AWS reported the event (ECS Task State Change, event id `5d2a8c41-7e93-b0f6-1c3d-9a4e6b2f8d17`) |',
        '| 2025-03-14T09:27:30.000Z | deploy-medic opened the incident and diagnosed it |',
        '| 2025-03-14T09:27:41.000Z | Applied `ecs-resize-memory` |',
        `| 2025-03-14T09:33:28.000Z | Verified: STEADY: 2/2 tasks running on ${NEW} |`,
        '| 2025-03-14T09:33:28.000Z | Resolved |',
        '',
        '## Facts',
        '',
        "What the event and the read-only AWS calls showed, in AWS's own words where there are any.",
        '',
        '- `containerReason (container checkout-api): "OutOfMemoryError: Container killed due to memory usage"`',
        '- `container checkout-api exit code 137`',
        '',
        '## Diagnosis',
        '',
        'OOM in prod/checkout-api (checkout-api:7): container "checkout-api" was killed for using more memory than its limit',
        '',
        '- Category: `OOM` (confidence 0.95)',
        '- Plan: `ecs-resize-memory` - raise memory x2 (cap 16384 MiB)',
        '- Runbook: [docs/runbooks/OOM.md](https://github.com/acme/deploy-medic/blob/main/docs/runbooks/OOM.md)',
        '',
        '## Actions',
        '',
        `- registered ${NEW} with task memory 512->1024 MiB, container checkout-api memory 512->1024 MiB`,
        `- updated service prod/checkout-api to ${NEW}`,
        '',
        '## Result',
        '',
        '**Resolved.**',
        '',
        `Verification: STEADY: 2/2 tasks running on ${NEW}`,
        '',
        'What is left:',
        '',
        '- Nothing: the resource is healthy again.',
        '',
        '## Links',
        '',
        '- ECS service prod/checkout-api: https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/checkout-api/health?region=us-east-1',
        '- Runbook: [docs/runbooks/OOM.md](https://github.com/acme/deploy-medic/blob/main/docs/runbooks/OOM.md)',
        '',
        '_Written by deploy-medic at 2025-03-14T09:33:29.000Z, phase resolved. Every phase rewrites this report._',
        '',
      ].join('\n'),
    );
  });

  it('an escalation has no MTTR, and says which step failed and when', () => {
    const run = { ...openedOomRun(), error: { Error: 'RemediationError', Cause: 'service prod/checkout-api not found or not ACTIVE' } };
    const report = renderIncidentReport(run, 'escalated', NOW, { stage: 'prod', openedAt: OPENED_AT });
    expect(report).toContain('| MTTR (event to resolved) | n/a (escalated) |');
    expect(report).toContain('| 2025-03-14T09:33:29.000Z | Escalated: RemediationError: service prod/checkout-api not found or not ACTIVE |');
    expect(report).toContain('## Actions\n\n_Nothing was changed._');
    expect(report).toContain('Failed step: RemediationError: service prod/checkout-api not found or not ACTIVE');
    expect(report).toContain('- Runbook: `docs/runbooks/OOM.md`');
  });

  it('in observe mode, the actions are what would have been done', () => {
    const run = resolvedOomRun({ mode: 'observe', verification: undefined, remediation: { action: 'ecs-resize-memory', applied: false, dryRun: true, steps: ['would update service prod/checkout-api'] } });
    const report = renderIncidentReport(run, 'observed', NOW, { stage: 'dev' });
    expect(report).toContain('## Actions\n\n_Observe mode: these steps were planned, not applied._\n\n- would update service prod/checkout-api');
    expect(report).toContain('| Status | Observed (observe mode: nothing changed) |');
  });

  it('table cells stay one line and pipes cannot break the table', () => {
    const run = openedOomRun();
    const report = renderIncidentReport({ ...run, diagnosis: { ...run.diagnosis, plan: { action: 'notify-only', reason: 'a | b\nc' } } }, 'escalated', NOW);
    expect(report).toContain('| Plan | `notify-only`: a \\| b c |');
  });

  it('is stored under a hash of the incident key: stable across phases, safe in S3 keys and URLs', () => {
    const key = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512';
    expect(reportKeyFor(key)).toMatch(/^reports\/[0-9a-f]{64}\.md$/);
    expect(reportKeyFor(key)).toBe(reportKeyFor(key));
    expect(reportKeyFor(`${key}x`)).not.toBe(reportKeyFor(key));
  });
});
