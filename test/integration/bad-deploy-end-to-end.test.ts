/**
 * Bad deployments end to end against moto_server - the scenarios `npm run demo` runs: a
 * healthy revision recorded as last known good, a new revision whose tasks cannot start,
 * fail-fast after two failed launches, and a rollback verified steady.
 */
import { describe, expect, inject, it } from 'vitest';
import { runBadDeployScenario } from '../../cli/local/scenarios/badDeployScenario';

const unique = () => Math.random().toString(36).slice(2, 8);

describe('End to end: bad deployments against moto_server', () => {
  it('a missing image tag: rolled back to the last known good revision after 2 failed launches, not the 3 the circuit breaker needs', async () => {
    const id = unique();
    const result = await runBadDeployScenario({ endpoint: inject('motoEndpoint'), cause: 'image-missing', name: id });

    expect(result.deliveries.map((d) => d.outcome)).toEqual(['counted', 'started']);
    expect(result.failedLaunchesBeforeRollback).toBe(2);
    expect(result.circuitBreakerThreshold).toBe(3);
    expect(result.run.output).toMatchObject({
      outcome: 'resolved',
      diagnosis: { category: 'IMAGE_PULL', plan: { action: 'ecs-rollback' } },
      remediation: { applied: true, targetTaskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/svc-${id}:1` },
      verification: { status: 'STEADY' },
    });
    expect(result.before.revision).toBe(2);
    expect(result.after.revision).toBe(1);
    expect(result.alerts.map((a) => a.attributes.phase)).toEqual(['opened', 'resolved']);
    expect(result.apiCalls).toContain('ECS.UpdateService');
  });

  it('registry throttling: redeployed with backoff three times, then rolled back by the fallback', async () => {
    const id = unique();
    const result = await runBadDeployScenario({ endpoint: inject('motoEndpoint'), cause: 'registry-throttled', name: id });

    const output = result.run.output as { outcome: string; diagnosis: { plan: { action: string } }; attempt: { count: number } };
    expect(output.outcome).toBe('resolved');
    // The fallback became the plan; the redeploys before it are in the path.
    expect(output.diagnosis.plan.action).toBe('ecs-rollback');
    expect(result.run.visited.filter((s) => s === 'Remediate')).toHaveLength(4);
    expect(result.run.visited.filter((s) => s === 'WaitBeforeRetry')).toHaveLength(2);
    expect(result.run.visited).toContain('UseFallback');
    expect(result.apiCalls.filter((c) => c === 'ECS.UpdateService')).toHaveLength(4);
    expect(result.after.revision).toBe(1);
  });

  it('observe mode: the bad deployment is diagnosed and reported, and stays in place', async () => {
    const result = await runBadDeployScenario({ endpoint: inject('motoEndpoint'), cause: 'image-missing', name: unique(), mode: 'observe' });
    expect(result.run.output).toMatchObject({ outcome: 'observed', remediation: { dryRun: true } });
    expect(result.after).toEqual(result.before);
    expect(result.apiCalls).not.toContain('ECS.UpdateService');
  });
});
