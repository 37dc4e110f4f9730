/**
 * The seed incident end to end: a DELETE_FAILED stack, its two blockers, the cleanup, the
 * retry, and the delete that retains what must never be touched.
 */
import { describe, expect, inject, it } from 'vitest';
import { runStackDeleteScenario } from '../../cli/local/scenarios/stackDeleteScenario';

const unique = () => Math.random().toString(36).slice(2, 8);

describe('End to end: a stack whose delete failed (DELETE_FAILED)', () => {
  it('deletes the orphaned ENI, never the DB instance, and deletes the stack retaining the subnet group', async () => {
    const result = await runStackDeleteScenario({ endpoint: inject('motoEndpoint'), name: unique() });

    expect(result.deliveries.map((d) => d.outcome)).toEqual(['started', 'started']);
    expect(result.executionsStarted).toBe(1);
    expect(result.run.status).toBe('SUCCEEDED');
    const output = result.run.output as { outcome: string; diagnosis: { category: string; plan: { action: string } }; remediation: { steps: string[] } };
    expect(output.outcome).toBe('resolved');
    // The fallback became the plan: the delete that retains what cannot be freed safely.
    expect(output.diagnosis.plan.action).toBe('cfn-delete-stack');
    expect(output.remediation.steps).toContain(
      `retained DatabaseSubnetGroup (AWS::RDS::DBSubnetGroup ${result.ids.subnetGroup}): delete it by hand once its blocker is resolved`,
    );
    expect(result.after).toMatchObject({ securityGroupExists: false, orphanEniExists: false, subnetGroupExists: true, dbInstanceExists: true });
    expect(result.apiCalls).toContain('EC2.DeleteNetworkInterface');
    expect(result.apiCalls.filter((c) => c.startsWith('RDS.')).every((c) => c.startsWith('RDS.Describe'))).toBe(true);
    expect(result.alerts.map((a) => a.attributes.phase)).toEqual(['opened', 'resolved']);
  });

  it('when the cleanup frees everything, the retried delete succeeds and nothing is retained', async () => {
    const result = await runStackDeleteScenario({ endpoint: inject('motoEndpoint'), name: unique(), withDatabase: false });
    const output = result.run.output as { outcome: string; diagnosis: { plan: { action: string } }; remediation: { steps: string[] } };
    expect(output.outcome).toBe('resolved');
    expect(output.diagnosis.plan.action).toBe('cfn-cleanup-delete');
    expect(result.run.visited).not.toContain('UseFallback');
    expect(result.after).toMatchObject({ securityGroupExists: false, orphanEniExists: false, subnetGroupExists: false });
  });

  it('observe mode: the cleanup is planned and reported, and nothing is deleted', async () => {
    const result = await runStackDeleteScenario({ endpoint: inject('motoEndpoint'), name: unique(), mode: 'observe' });
    expect(result.run.output).toMatchObject({ outcome: 'observed', diagnosis: { plan: { action: 'cfn-cleanup-delete' } } });
    expect(result.after).toMatchObject({ securityGroupExists: true, orphanEniExists: true, subnetGroupExists: true, dbInstanceExists: true });
    expect(result.apiCalls.some((c) => /Delete|Revoke/.test(c))).toBe(false);
  });
});
