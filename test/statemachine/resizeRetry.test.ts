/**
 * The memory resize's "registered earlier?" read, decided by the state machine: the real
 * Remediate state of statemachines/remediation.asl.yaml (its Parameters pass `$$.State.RetryCount`
 * and `$$.Execution.RedriveCount` with the attempt) runs the real remediate handler against
 * moto_server's ECS and DynamoDB. The only injected part is the fault: UpdateService throttled
 * once, before it reaches moto, after the new revision was registered.
 *
 *  - The state passes its try: RetryCount 0, 1, 2 across its Retry (the local runner fills `$$.State`
 *    as Step Functions does: cli/local/localStateMachine.ts).
 *  - First try (attempt 1, retry 0): nothing an earlier try could have left - no read.
 *  - The state's Retry after that fault: the read finds the revision the first try registered,
 *    and the service moves to it - no second revision.
 *  - A later attempt (NextAttempt, 2): the read runs again.
 */
import { DescribeServicesCommand, ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { describe, expect, inject, it } from 'vitest';
import { simulateEcsScheduler } from '../../cli/local/ecsSchedulerSimulator';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { type ApiCallLog, countCalls, localClientConfig, localClients } from '../../cli/local/localAws';
import { runStateMachine } from '../../cli/local/localStateMachine';
import { makeDiagnoseHandler } from '../../functions/diagnose/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig } from '../../shared/config';
import { TransientAwsError } from '../../shared/errors';
import { RemediationLedger } from '../../shared/ledger/guards';
import { remediateStateOnly } from '../support/remediateStateOnly';
import { oomIncidentOnMoto } from '../support/oomIncidentOnMoto';

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });

/** An OOM incident on a moto service, diagnosed; the remediate handler's ECS calls are logged, and UpdateService can be throttled. */
async function oomOnMoto(faults: { throttleUpdateServiceOnce?: boolean } = {}) {
  const moto = localClients(inject('motoEndpoint'));
  const { id, event, incident } = await oomIncidentOnMoto(moto.ecs);
  const config = () => loadConfig({ MEDIC_MODE: 'auto' });
  const diagnosis = await makeDiagnoseHandler({ ...moto, ecs: simulateEcsScheduler(moto.ecs), config })({ incident, event, mode: 'auto' });

  const ecsCalls: ApiCallLog = [];
  const ecs = new ECSClient(localClientConfig(inject('motoEndpoint')));
  let throttle = faults.throttleUpdateServiceOnce === true;
  ecs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateServiceCommand' && throttle) {
        throttle = false;
        throw throttled();
      }
      return next(args);
    },
    { step: 'initialize', name: 'throttleUpdateServiceOnce' },
  );
  countCalls(ecs, 'ECS', ecsCalls);
  const ledger = new RemediationLedger(moto.dynamodb, await createLedgerTable(moto.dynamodb, `resize-retry-${id}`));
  const remediate = makeRemediateHandler({ ...moto, ecs: simulateEcsScheduler(ecs), ledger, config });
  return {
    input: (attempt = 1) => ({ incident, diagnosis, mode: 'auto', attempt: { count: attempt, waitSeconds: 30 } }),
    remediate,
    ecsCalls: () => ecsCalls.map((c) => c.call),
    revisions: async () => (await moto.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: `svc-${id}` }))).taskDefinitionArns ?? [],
    runningRevision: async () => (await moto.ecs.send(new DescribeServicesCommand({ cluster: `c-${id}`, services: [`svc-${id}`] }))).services?.[0]?.taskDefinition,
    resized: `arn:aws:ecs:us-east-1:123456789012:task-definition/svc-${id}:3`,
  };
}

describe('State machine: the Remediate state tells the handler which try it is', () => {
  it('attempt, $$.State.RetryCount across its Retry, and $$.Execution.RedriveCount (0: a local run is never redriven)', async () => {
    const seen: unknown[] = [];
    const remediate = async (input: { guard: unknown }) => {
      seen.push(input.guard);
      if (seen.length < 3) throw new TransientAwsError('UpdateService failed transiently (ThrottlingException): Rate exceeded');
      return { action: 'ecs-resize-memory', applied: true, dryRun: false, steps: [] };
    };
    const input = { incident: { key: 'k' }, diagnosis: { plan: { action: 'ecs-resize-memory' } }, mode: 'auto', attempt: { count: 1, waitSeconds: 30 } };

    const run = await runStateMachine(remediateStateOnly(), input, { handlers: { remediate }, executionArn: 'arn:aws:states:us-east-1:123456789012:execution:remediation:exec-1' });

    expect(run.retries.Remediate).toBe(2);
    expect(seen).toEqual([0, 1, 2].map((retryCount) => ({ execution: 'exec-1', attempt: 1, retryCount, redriveCount: 0 })));
  });
});

describe('State machine: the memory resize looks for an earlier try only when there can have been one (moto ECS)', () => {
  it('first try: registers and moves the service, without looking for a revision registered earlier', async () => {
    const { input, remediate, ecsCalls, revisions, runningRevision, resized } = await oomOnMoto();

    const run = await runStateMachine(remediateStateOnly(), input(), { handlers: { remediate } });

    expect(run.output).toMatchObject({ outcome: 'applied', remediation: { applied: true, targetTaskDefinitionArn: resized } });
    expect(run.retries.Remediate ?? 0).toBe(0);
    // The failing revision came with the diagnosis (carried), and no earlier try exists: no DescribeTaskDefinition at all.
    expect(ecsCalls()).toEqual(['ECS.DescribeServices', 'ECS.RegisterTaskDefinition', 'ECS.UpdateService']);
    expect(await revisions()).toHaveLength(3);
    expect(await runningRevision()).toBe(resized);
  });

  it("UpdateService throttled after the revision was registered: the state's Retry looks, finds it, and registers no second one", async () => {
    const { input, remediate, ecsCalls, revisions, runningRevision, resized } = await oomOnMoto({ throttleUpdateServiceOnce: true });

    const run = await runStateMachine(remediateStateOnly(), input(), { handlers: { remediate } });

    expect(run.output).toMatchObject({ outcome: 'applied', remediation: { applied: true, targetTaskDefinitionArn: resized } });
    expect(run.retries.Remediate).toBe(1);
    expect(ecsCalls()).toEqual([
      // First try ($$.State.RetryCount 0): register, then the throttled UpdateService.
      'ECS.DescribeServices',
      'ECS.RegisterTaskDefinition',
      'ECS.UpdateService',
      // The Retry ($$.State.RetryCount 1): the family's newest revision is ours - use it.
      'ECS.DescribeServices',
      'ECS.DescribeTaskDefinition',
      'ECS.UpdateService',
    ]);
    expect(await revisions()).toHaveLength(3);
    expect(await runningRevision()).toBe(resized);
  });

  it('a later attempt of the plan (attempt 2) looks too', async () => {
    const { input, remediate, ecsCalls, revisions } = await oomOnMoto();

    const run = await runStateMachine(remediateStateOnly(), input(2), { handlers: { remediate } });

    expect(run.output).toMatchObject({ outcome: 'applied' });
    expect(ecsCalls()).toEqual(['ECS.DescribeServices', 'ECS.DescribeTaskDefinition', 'ECS.RegisterTaskDefinition', 'ECS.UpdateService']);
    expect(await revisions()).toHaveLength(3);
  });
});
