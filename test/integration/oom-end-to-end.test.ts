/**
 * The foundation path for real: the same scenario `npm run demo` runs - real event shape,
 * real handlers, real ASL, real AWS wire calls to moto_server.
 */
import { describe, expect, inject, it } from 'vitest';
import { runOomScenario } from '../../cli/local/scenarios/oomScenario';

const unique = () => Math.random().toString(36).slice(2, 8);

describe('End to end: OOM incident against moto_server', () => {
  it('auto mode: one execution for three deliveries, memory doubled on a new revision, service moved, on-call told', async () => {
    const id = unique();
    const result = await runOomScenario({ endpoint: inject('motoEndpoint'), mode: 'auto', name: id });

    // Three deliveries (one duplicate, one more task of the same bad revision) -> one execution;
    // after the first, the ledger knows the execution started and StartExecution is not called again.
    expect(result.deliveries.map((d) => d.outcome)).toEqual(['started', 'duplicate', 'duplicate']);
    expect(result.apiCalls.filter((c) => c === 'SFN.StartExecution')).toHaveLength(1);
    expect(result.executionsStarted).toBe(1);

    expect(result.run.status).toBe('SUCCEEDED');
    expect(result.run.output).toMatchObject({ outcome: 'resolved', diagnosis: { category: 'OOM' } });
    expect(result.before).toMatchObject({ revision: 2, cpu: '256', taskMemory: '512', containerMemory: 512 });
    expect(result.after.image).toBe(result.before.image);
    expect(result.after).toMatchObject({
      taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/svc-${id}:3`,
      revision: 3,
      cpu: '256',
      taskMemory: '1024',
      containerMemory: 1024,
    });

    expect(result.alerts.map((a) => a.attributes)).toEqual([
      { severity: 'high', category: 'OOM', stage: 'demo', action: 'ecs-resize-memory', phase: 'opened', mode: 'auto' },
      { severity: 'info', category: 'OOM', stage: 'demo', action: 'ecs-resize-memory', phase: 'resolved', mode: 'auto' },
    ]);
    // The failing revision is read once: Diagnose passes it to Remediate, and the alerts do not carry it.
    // Remediate reads none: on its first try no earlier attempt can have registered a revision to look for.
    expect(result.apiCalls.filter((c) => c === 'ECS.DescribeTaskDefinition')).toHaveLength(1);
    expect(JSON.stringify(result.alerts)).not.toContain('"carried"');
    expect(result.alerts[1]?.subject).toBe(`[deploy-medic demo] Resolved: OOM in c-${id}/svc-${id}`);
    expect(result.alerts[1]?.json).toMatchObject({ phase: 'resolved', verification: { status: 'STEADY' } });
  });

  it('observe mode: the same incident is planned and reported, and the account is unchanged', async () => {
    const id = unique();
    const result = await runOomScenario({ endpoint: inject('motoEndpoint'), mode: 'observe', name: id });

    expect(result.run.output).toMatchObject({ outcome: 'observed', remediation: { applied: false, dryRun: true } });
    expect(result.after).toEqual(result.before);
    expect(result.alerts.map((a) => a.attributes.phase)).toEqual(['observed']);
  });
});
