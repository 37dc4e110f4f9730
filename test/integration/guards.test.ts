/**
 * The ledger's guarantees against moto_server's DynamoDB: caps taken atomically, slots that
 * expire, the loop breaker, and the audit trail - then the Remediate step refusing to write past
 * a cap on a real (moto) ECS service, and writing its audit entry and caused-by-us marker when it acts.
 */
import { DescribeServicesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { describe, expect, inject, it, vi } from 'vitest';
import { simulateEcsScheduler } from '../../cli/local/ecsSchedulerSimulator';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClients } from '../../cli/local/localAws';
import { makeCheckDeploymentHandler } from '../../functions/checkDeployment/handler';
import { makeDiagnoseHandler } from '../../functions/diagnose/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig } from '../../shared/config';
import { executionNameFor } from '../../shared/incident';
import { RemediationLedger } from '../../shared/ledger/guards';
import { Ledger, resourceKeyOf } from '../../shared/ledger/ledger';
import { logger } from '../../shared/observability';
import { readAuditTrail } from '../../shared/ledger/auditTrail';

/** The incident's audit entries, read back with a Query (no function's role has it). */
const auditOf = (ledger: Ledger, key: string) => readAuditTrail(localClients(inject('motoEndpoint')).dynamodb, ledger.tableName, key);
import { oomIncidentOnMoto } from '../support/oomIncidentOnMoto';

const guards = (env: Record<string, string> = {}) => loadConfig(env).guards;
const RESOURCE = 'ecs-service#us-east-1:123456789012:prod/checkout-api';

async function freshLedger(clock: { now: Date } = { now: new Date('2026-11-29T12:00:00Z') }) {
  const { dynamodb } = localClients(inject('motoEndpoint'));
  const table = await createLedgerTable(dynamodb, `guards-${Math.random().toString(36).slice(2, 10)}`);
  return new RemediationLedger(dynamodb, table, () => clock.now);
}
const request = (executionName: string, attempt = 1, holdSeconds = 900) => ({
  executionName,
  actionId: `${executionName}#${attempt}#ecs-rollback`,
  holdUntil: Math.floor(new Date('2026-11-29T12:00:00Z').getTime() / 1000) + holdSeconds,
});

describe('Ledger guards (moto DynamoDB)', () => {
  it('two executions deciding at once cannot both take the last slot: the loser re-reads and is refused', async () => {
    // moto_server does not lock between concurrent transactions (two parallel conditional writes
    // can both pass there), so the race is staged deterministically: B takes the last slot
    // between A's read and A's conditional write, exactly the interleaving the versions guard.
    const { dynamodb } = localClients(inject('motoEndpoint'));
    const table = await createLedgerTable(dynamodb, `guards-race-${Math.random().toString(36).slice(2, 10)}`);
    const one = guards({ MAX_CONCURRENT_REMEDIATIONS: '1' });
    const clock = () => new Date('2026-11-29T12:00:00Z');
    const ledgerB = new RemediationLedger(dynamodb, table, clock);
    const clientA = localClients(inject('motoEndpoint')).dynamodb;
    let transactionsA = 0;
    clientA.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && transactionsA++ === 0) {
          expect((await ledgerB.admit('ecs-service#r:1:c/b', request('exec-b'), one)).admitted).toBe(true);
        }
        return next(args);
      },
      { step: 'initialize', name: 'interleaveB' },
    );
    const ledgerA = new RemediationLedger(clientA, table, clock);

    const decision = await ledgerA.admit('ecs-service#r:1:c/a', request('exec-a'), one);

    expect(transactionsA).toBe(1); // its first write failed on the version, it re-read and refused before writing again
    expect(decision).toMatchObject({ admitted: false, guard: 'max-concurrent-remediations', limit: 1 });
    expect(await ledgerB.slotHolders()).toEqual(['exec-b']);
  });

  it('three executions in turn for two slots: two get one, the third is refused', async () => {
    const ledger = await freshLedger();
    const two = guards({ MAX_CONCURRENT_REMEDIATIONS: '2' });
    const decisions = [];
    for (const name of ['exec-a', 'exec-b', 'exec-c']) decisions.push(await ledger.admit(`ecs-service#r:1:c/${name}`, request(name), two));
    expect(decisions.map((d) => d.admitted)).toEqual([true, true, false]);
    expect((await ledger.slotHolders()).sort()).toEqual(['exec-a', 'exec-b']);
  });

  it('a slot frees itself when its verify window ends (a crashed execution leaks nothing), or at once when released', async () => {
    const clock = { now: new Date('2026-11-29T12:00:00Z') };
    const ledger = await freshLedger(clock);
    const one = guards({ MAX_CONCURRENT_REMEDIATIONS: '1' });
    expect((await ledger.admit('ecs-service#r:1:c/one', request('exec-crashed', 1, 600), one)).admitted).toBe(true);
    expect(await ledger.admit('ecs-service#r:1:c/two', request('exec-next'), one)).toMatchObject({ admitted: false, guard: 'max-concurrent-remediations' });

    clock.now = new Date('2026-11-29T12:10:01Z'); // past exec-crashed's holdUntil
    expect((await ledger.admit('ecs-service#r:1:c/two', request('exec-next'), one)).admitted).toBe(true);
    expect(await ledger.slotHolders()).toEqual(['exec-next']);

    await ledger.releaseSlot('exec-next');
    await ledger.releaseSlot('exec-next'); // twice: nothing to release, no error
    expect(await ledger.slotHolders()).toEqual([]);
  });

  it('the loop breaker trips on the resource\'s next incident, and a refusal changes no guard item', async () => {
    const clock = { now: new Date('2026-11-29T12:00:00Z') };
    const ledger = await freshLedger(clock);
    const budget = guards({ MAX_REMEDIATIONS_PER_RESOURCE_PER_DAY: '2', REMEDIATION_COOLDOWN_SECONDS: '0' });
    expect((await ledger.admit(RESOURCE, request('incident-1'), budget)).admitted).toBe(true);
    clock.now = new Date('2026-11-29T13:00:00Z');
    expect((await ledger.admit(RESOURCE, request('incident-2'), budget)).admitted).toBe(true);
    const holdersBefore = await ledger.slotHolders();
    expect(await ledger.admit(RESOURCE, request('incident-3'), budget)).toMatchObject({ admitted: false, guard: 'attempt-budget', kind: 'loop-breaker', limit: 2 });
    expect(await ledger.slotHolders()).toEqual(holdersBefore);
    // incident-2's own retry is not a new trip round the loop.
    expect((await ledger.admit(RESOURCE, request('incident-2', 2), budget)).admitted).toBe(true);
  });

  it('counts actions per rolling hour across the stage', async () => {
    const ledger = await freshLedger();
    const hourly = guards({ MAX_ACTIONS_PER_HOUR: '2' });
    expect((await ledger.admit('ecs-service#r:1:c/a', request('exec-a'), hourly)).admitted).toBe(true);
    expect((await ledger.admit('ecs-service#r:1:c/a', request('exec-a'), hourly)).admitted).toBe(true); // a Lambda retry: same action id
    expect((await ledger.admit('ecs-service#r:1:c/b', request('exec-b'), hourly)).admitted).toBe(true);
    expect(await ledger.admit('ecs-service#r:1:c/c', request('exec-c'), hourly)).toMatchObject({ admitted: false, guard: 'max-actions-per-hour', limit: 2 });
  });

  it('one incident record however often it is opened; status moves on; audit entries read back', async () => {
    const ledger = await freshLedger();
    const record = { key: 'ecs:us-east-1:1:prod/api@api:7', kind: 'ecs-service' as const, category: 'APP_CRASH', mode: 'auto' as const, executionName: 'exec-1', openedAt: '2026-11-29T12:00:00.000Z' };
    expect(await ledger.openIncident(record)).toEqual({ opened: true, deliveries: 1 });
    expect(await ledger.openIncident({ ...record, openedAt: '2026-11-29T12:00:05.000Z' })).toEqual({ opened: false, deliveries: 2 });
    await ledger.updateIncident(record.key, { status: 'refused', reason: 'blast-radius cap', mode: 'auto', category: 'APP_CRASH' });
    expect(await ledger.incident(record.key)).toEqual({ ...record, status: 'refused', statusReason: 'blast-radius cap', deliveries: 2, updatedAt: '2026-11-29T12:00:00.000Z' });

    const entry = {
      incidentKey: record.key,
      actionId: 'exec-1#1#ecs-rollback',
      who: { function: 'remediate', execution: 'exec-1' },
      action: 'ecs-rollback',
      steps: ['rolled back'],
      at: '2026-11-29T12:00:01.000Z',
      mode: 'auto' as const,
      result: 'applied' as const,
      before: { taskDefinitionArn: 'api:7' },
      after: { taskDefinitionArn: 'api:6' },
    };
    await ledger.recordAction(entry);
    await ledger.recordAction(entry); // a retried Lambda rewrites its own entry
    expect(await auditOf(ledger, record.key)).toEqual([entry]);
  });
});

describe('Remediate with the guards (moto ECS and DynamoDB)', () => {
  async function setUp(env: Record<string, string>) {
    const moto = localClients(inject('motoEndpoint'));
    // moto has no ECS scheduler: the simulator reports the rollouts our writes (to moto) start.
    const aws = { ...moto, ecs: simulateEcsScheduler(moto.ecs, { tasksStartedPerLook: 10 }) };
    const { id, seeded, event, incident } = await oomIncidentOnMoto(aws.ecs);
    const config = () => loadConfig({ MEDIC_MODE: 'auto', ...env });
    const ledger = new RemediationLedger(aws.dynamodb, await createLedgerTable(aws.dynamodb, `rem-guards-${id}`));
    const diagnosis = await makeDiagnoseHandler({ ...aws, config })({ incident, event, mode: 'auto' });
    const remediate = makeRemediateHandler({ ...aws, ledger, config });
    const revisions = async () => (await aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: `svc-${id}` }))).taskDefinitionArns ?? [];
    const runningRevision = async () => (await aws.ecs.send(new DescribeServicesCommand({ cluster: `c-${id}`, services: [`svc-${id}`] }))).services?.[0]?.taskDefinition;
    return { aws, id, incident, diagnosis, ledger, remediate, revisions, runningRevision, seeded };
  }

  it('past the concurrency cap: writes nothing, says which cap and its value, logs it once', async () => {
    const { incident, diagnosis, ledger, remediate, revisions, runningRevision, seeded } = await setUp({ MAX_CONCURRENT_REMEDIATIONS: '1' });
    expect(diagnosis.plan.action).toBe('ecs-resize-memory');
    await ledger.admit('ecs-service#us-east-1:123456789012:other/busy', request('exec-busy', 1, 86_400 * 365), guards({ MAX_CONCURRENT_REMEDIATIONS: '1' }));
    const warn = vi.spyOn(logger, 'warn');

    const result = await remediate({ incident, diagnosis, mode: 'auto', guard: { execution: executionNameFor(incident.key), attempt: 1 } });

    expect(result).toEqual({
      action: 'ecs-resize-memory',
      applied: false,
      dryRun: false,
      steps: ['not done: blast-radius cap: 1 remediations already in progress (MAX_CONCURRENT_REMEDIATIONS=1): exec-busy'],
      refused: {
        guard: 'max-concurrent-remediations',
        kind: 'blast-radius-cap',
        limit: 1,
        setting: 'MAX_CONCURRENT_REMEDIATIONS',
        reason: 'blast-radius cap: 1 remediations already in progress (MAX_CONCURRENT_REMEDIATIONS=1): exec-busy',
      },
    });
    expect(await revisions()).toHaveLength(2);
    expect(await runningRevision()).toBe(seeded.taskDefinitionArns[1]);
    expect(warn).toHaveBeenCalledWith('blast-radius cap reached', expect.objectContaining({ cap: 'max-concurrent-remediations', limit: 1, resource: resourceKeyOf(incident) }));
    expect((await auditOf(ledger, incident.key)).map((a) => a.result)).toEqual(['refused']);
    expect(await ledger.incident(incident.key)).toBeUndefined(); // ingest opens the record; a refusal only updates it
    warn.mockRestore();
  });

  it('admitted: applies, audits who/what/when/before/after, marks the deployment as ours; the run\'s end frees the slot', async () => {
    const { aws, incident, diagnosis, ledger, remediate, revisions } = await setUp({});
    const execution = executionNameFor(incident.key);

    const result = await remediate({ incident, diagnosis, mode: 'auto', guard: { execution, attempt: 1 } });

    expect(result).toMatchObject({ applied: true, slotHolder: execution });
    expect(await revisions()).toHaveLength(3);
    const [entry] = await auditOf(ledger, incident.key);
    expect(entry).toMatchObject({
      who: { function: 'remediate', execution },
      action: 'ecs-resize-memory',
      result: 'applied',
      mode: 'auto',
      before: { taskDefinitionArn: incident.deployment.taskDefinitionArn },
      after: { taskDefinitionArn: result.targetTaskDefinitionArn },
    });
    expect(await ledger.slotHolders()).toEqual([execution]);
    expect(result.targetDeploymentId).toMatch(/^ecs-svc\//);
    expect(await ledger.causedByUs(resourceKeyOf(incident), result.targetDeploymentId!)).toEqual({
      resourceKey: resourceKeyOf(incident),
      deploymentId: result.targetDeploymentId,
      incidentKey: incident.key,
      executionName: execution,
      change: `ecs-resize-memory: service moved to ${result.targetTaskDefinitionArn}`,
      watchUntil: result.verifyDeadline,
    });

    // The Verify loop's look only reads; the run's end (Notify) gives the slot back.
    const check = makeCheckDeploymentHandler(aws);
    expect(await check({ incident, remediation: result })).toMatchObject({ status: 'STEADY' });
    expect(await ledger.slotHolders()).toEqual([execution]);
    await ledger.closeIncident(incident.key, { status: 'resolved' }, result.slotHolder);
    expect(await ledger.slotHolders()).toEqual([]);
  });

  it('the same attempt retried (a Lambda retry) is one action, not two', async () => {
    const { incident, diagnosis, ledger, remediate, revisions } = await setUp({ MAX_ACTIONS_PER_HOUR: '1' });
    const guard = { execution: executionNameFor(incident.key), attempt: 1 };
    expect((await remediate({ incident, diagnosis, mode: 'auto', guard })).applied).toBe(true);
    const retry = await remediate({ incident, diagnosis, mode: 'auto', guard });
    expect(retry.refused).toBeUndefined();
    expect(retry.applied).toBe(false); // the action itself is idempotent: it finds its revision in place
    expect(await revisions()).toHaveLength(3);
    expect((await auditOf(ledger, incident.key)).map((a) => a.result)).toEqual(['no-op']);
  });
});
