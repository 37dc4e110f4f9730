import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { diagnose } from '../../shared/diagnosis/diagnose';
import { parseEvent } from '../../shared/events/parseEvent';
import { incidentFromTaskEvent } from '../../shared/incident';
import { formatNotification } from '../../shared/notify/formatNotification';
import { ecsEvent } from '../support/fixtures';

const parsed = parseEvent(ecsEvent('ecs-task-stopped-oom-fargate'));
if (parsed.kind !== 'ecs-task-state-change') throw new Error('fixture');
const incident = incidentFromTaskEvent(parsed.event)!;
const diagnosis = diagnose(parsed, { config: loadConfig({}) });

describe('Notify: formatNotification', () => {
  it('an opened incident is high severity, with attributes subscribers can filter on', () => {
    const n = formatNotification({ phase: 'opened', stage: 'prod', mode: 'auto', incident, diagnosis });
    expect(n.subject).toBe('[deploy-medic prod] Incident opened: OOM in prod/checkout-api');
    expect(n.attributes).toEqual({ severity: 'high', category: 'OOM', stage: 'prod', action: 'ecs-resize-memory', phase: 'opened', mode: 'auto' });
    expect(n.text).toContain('Cause: OOM (confidence 0.95)');
    expect(n.text).toContain('  - containerReason (container checkout-api): "OutOfMemoryError: Container killed due to memory usage"');
    expect(n.text).toContain('Runbook: docs/runbooks/OOM.md');
    expect(n.json).toMatchObject({ phase: 'opened', incident: { key: incident.key }, diagnosis: { category: 'OOM' } });
  });

  it('an escalation is critical and says which step failed', () => {
    const n = formatNotification({
      phase: 'escalated',
      stage: 'prod',
      mode: 'auto',
      incident,
      diagnosis,
      error: { Error: 'RemediationError', Cause: 'service prod/checkout-api not found or not ACTIVE' },
    });
    expect(n.attributes.severity).toBe('critical');
    expect(n.text).toContain('Failed step: RemediationError - service prod/checkout-api not found or not ACTIVE');
  });

  it('an observe-mode run says what it would have done', () => {
    const n = formatNotification({
      phase: 'observed',
      stage: 'dev',
      mode: 'observe',
      incident,
      diagnosis,
      remediation: { action: 'ecs-resize-memory', applied: false, dryRun: true, steps: ['would update service prod/checkout-api'] },
    });
    expect(n.subject).toBe('[deploy-medic dev] Incident observed (observe mode: nothing changed): OOM in prod/checkout-api');
    expect(n.text).toContain('Would do (observe mode):\n  - would update service prod/checkout-api');
  });

  it('keeps subjects within SNS limits: ASCII, one line, under 100 characters', () => {
    const long = { ...incident, resource: { ...incident.resource, service: 's'.repeat(200) } };
    const n = formatNotification({ phase: 'resolved', stage: 'prod', mode: 'auto', incident: long, diagnosis });
    expect(n.subject.length).toBeLessThanOrEqual(100);
    expect(n.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(n.subject.endsWith('...')).toBe(true);
  });
});
