/**
 * The approve-mode demo for real: the same scenario `npm run demo` runs - the real ingest, the
 * real ASL waiting on its task token, the real `medic approve` code (STS caller, the decision
 * claimed in the moto ledger, SendTaskSuccess to the waiting local execution), ECS on moto.
 */
import { describe, expect, inject, it } from 'vitest';
import { runApproveScenario } from '../../cli/local/scenarios/approveScenario';

describe('End to end: approve mode against moto_server', () => {
  it('proposes, asks on-call and writes nothing; approved with medic approve, it applies the plan as auto mode would', async () => {
    const id = Math.random().toString(36).slice(2, 8);
    const result = await runApproveScenario({ endpoint: inject('motoEndpoint'), name: id });

    // Asked with the dry run's steps; nothing written to ECS before the decision.
    expect(result.asked.action).toBe('ecs-resize-memory');
    expect(result.asked.steps[0]).toMatch(/^would register /);
    expect(result.writesBeforeDecision).toEqual([]);
    expect(result.decision[0]).toMatch(/^approved ecs:us-east-1:123456789012:c-\w+\/svc-\w+@svc-\w+:2\/ecs-svc\/\d+ as arn:aws:sts::123456789012:user\/moto at \S+: the plan is applied now/);

    expect(result.run.status).toBe('SUCCEEDED');
    expect(result.run.output).toMatchObject({ outcome: 'resolved', mode: 'auto', approval: { decision: 'approved', via: 'cli', reason: 'demo: the resize is safe' } });
    expect(result.run.visited).toEqual(expect.arrayContaining(['ProposePlan', 'RequestApproval', 'Approved', 'Remediate', 'NotifyResolved']));
    expect(result.after).toMatchObject({ revision: 3, taskMemory: '1024', containerMemory: 1024 });
    expect(result.alerts.map((a) => a.attributes.phase)).toEqual(['awaiting-approval', 'opened', 'resolved']);
  });
});
