/**
 * Idempotency, proven through the real ingest against moto_server (DynamoDB ledger, Step
 * Functions StartExecution): repeated deliveries of one event, in any order among other
 * events, make one incident record and one execution. And "caused by us": the events our own
 * deployment causes open no incident while our execution watches it, yet its COMPLETED still
 * records the last known good revision.
 */
import { DescribeServicesCommand, type DescribeServicesCommandOutput, ECSClient } from '@aws-sdk/client-ecs';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClients } from '../../cli/local/localAws';
import { makeIngestHandler } from '../../functions/ingest/handler';
import { loadConfig } from '../../shared/config';
import { executionNameFor } from '../../shared/incident';
import { Ledger, serviceKey } from '../../shared/ledger/ledger';
import { ecsEvent, fixture } from '../support/fixtures';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512';
const OTHER_KEY = 'ecs:us-east-1:111122223333:prod/orders-api@checkout-api:7/ecs-svc/6120745581218348512';
const REF = { region: 'us-east-1', account: '111122223333', cluster: 'prod', service: 'checkout-api' };
const OUR_DEPLOYMENT = 'ecs-svc/6120745581218348512'; // the fixtures' failing deployment, here: one we started

/** An OOM-killed task of checkout-api:7 (or of another service), as a distinct task. */
function oomTask(taskId: string, service = 'checkout-api') {
  const event = ecsEvent('ecs-task-stopped-oom-fargate');
  event.id = `evt-${service}-${taskId}`;
  event.detail.group = `service:${service}`;
  event.detail.taskArn = `arn:aws:ecs:us-east-1:111122223333:task/prod/${taskId}`;
  return event;
}

async function deploy(now: () => Date = () => new Date()) {
  const id = Math.random().toString(36).slice(2, 10);
  const { dynamodb, sfn } = localClients(inject('motoEndpoint'));
  const ledger = new Ledger(dynamodb, await createLedgerTable(dynamodb, `idem-${id}`), now);
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name: `idem-${id}`,
      definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
      roleArn: 'arn:aws:iam::123456789012:role/deploy-medic-remediation',
    }),
  );
  const stateMachineArn = created.stateMachineArn!;
  const ingest = makeIngestHandler({
    sfn,
    ecs: new ECSClient({ region: 'us-east-1' }),
    ledger,
    stateMachineArn: () => stateMachineArn,
    config: () => loadConfig({ MEDIC_MODE: 'auto' }),
    now,
  });
  const executions = async () => ((await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? []).map((e) => e.name).sort();
  const incidentRecords = async (key: string) =>
    (await dynamodb.send(new QueryCommand({ TableName: ledger.tableName, KeyConditionExpression: 'pk = :pk AND sk = :sk', ExpressionAttributeValues: { ':pk': { S: `incident#${key}` }, ':sk': { S: 'incident' } } }))).Items ?? [];
  return { ingest, ledger, executions, incidentRecords };
}

describe('Idempotency: one event delivered many times (moto DynamoDB + Step Functions)', () => {
  it('delivered 5 times, interleaved with a second task of the same incident and another incident: one record and one execution each', async () => {
    const { ingest, ledger, executions, incidentRecords } = await deploy();
    const same = oomTask('aaaa');
    const deliveries = [same, oomTask('bbbb'), same, oomTask('zzzz', 'orders-api'), same, ecsEvent('ecs-task-stopped-scaling'), same, same];

    const outcomes = [];
    for (const event of deliveries) outcomes.push((await ingest(structuredClone(event))).outcome);

    // Once the execution is known to exist (the counter's executionStarted mark, or this container's
    // memory), a redelivery costs one ledger write and no StartExecution: 'duplicate'.
    expect(outcomes).toEqual(['started', 'duplicate', 'duplicate', 'started', 'duplicate', 'ignored', 'duplicate', 'duplicate']);
    expect(await executions()).toEqual([executionNameFor(OTHER_KEY), executionNameFor(KEY)].sort());
    expect(await incidentRecords(KEY)).toHaveLength(1);
    expect(await ledger.incident(KEY)).toMatchObject({ key: KEY, kind: 'ecs-service', category: 'OOM', mode: 'auto', executionName: executionNameFor(KEY), status: 'opened', deliveries: 1 });
    expect(await ledger.incident(OTHER_KEY)).toMatchObject({ deliveries: 1 });
  });

  it('in any order: every permutation of the deliveries ends with the same records and executions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 }), async (order) => {
        const { ingest, ledger, executions, incidentRecords } = await deploy();
        const events = [oomTask('aaaa'), oomTask('aaaa'), oomTask('bbbb'), oomTask('zzzz', 'orders-api'), oomTask('aaaa'), ecsEvent('ecs-task-stopped-user')];
        for (const i of order) await ingest(events[i]!);
        expect(await executions()).toEqual([executionNameFor(OTHER_KEY), executionNameFor(KEY)].sort());
        // Only deliveries that reach StartExecution count here; the rest stop at the started mark.
        expect((await ledger.incident(KEY))?.deliveries).toBeGreaterThanOrEqual(1);
        expect(await incidentRecords(KEY)).toHaveLength(1);
        expect((await ledger.incident(OTHER_KEY))?.deliveries).toBe(1);
      }),
      { numRuns: 4 },
    );
  });

  it('a burst of concurrent deliveries still makes one execution and one incident record', async () => {
    const { ingest, executions, incidentRecords } = await deploy();
    await Promise.all(Array.from({ length: 8 }, () => ingest(oomTask('aaaa'))));
    expect(await executions()).toEqual([executionNameFor(KEY)]);
    expect(await incidentRecords(KEY)).toHaveLength(1);
  });
});

describe('Caused by us: ingest ignores what our own deployment causes', () => {
  const ecsMock = mockClient(ECSClient);
  afterEach(() => ecsMock.reset());
  const services = () => fixture<DescribeServicesCommandOutput>('api/ecs-describe-services.json');

  it('while our execution watches our deployment, its stopped tasks and its FAILED open nothing; after, they do', async () => {
    const clock = { now: new Date('2026-11-29T12:00:00Z') };
    const { ingest, ledger, executions } = await deploy(() => clock.now);
    await ledger.markCausedByUs({
      resourceKey: serviceKey(REF),
      deploymentId: OUR_DEPLOYMENT,
      incidentKey: 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:6',
      executionName: 'exec-rollback',
      change: 'ecs-rollback: service moved to checkout-api:7',
      watchUntil: '2026-11-29T12:15:00.000Z',
    });
    ecsMock.on(DescribeServicesCommand).resolves(services());
    const reason = `caused by us: deployment ${OUR_DEPLOYMENT} was started by ecs-rollback: service moved to checkout-api:7 (execution exec-rollback), which watches it until 2026-11-29T12:15:00.000Z`;

    expect(await ingest(oomTask('aaaa'))).toEqual({ outcome: 'ignored', reason, incidentKey: KEY });
    expect(await ingest(ecsEvent('ecs-deployment-failed'))).toEqual({ outcome: 'ignored', reason });
    expect(await executions()).toEqual([]);
    expect(await ledger.incident(KEY)).toBeUndefined();

    clock.now = new Date('2026-11-29T12:15:01Z'); // our execution stopped watching: a failure now is an incident
    expect(await ingest(oomTask('aaaa'))).toMatchObject({ outcome: 'started', incidentKey: KEY });
  });

  it('our own deployment completing is still recorded as last known good', async () => {
    const { ingest, ledger } = await deploy(() => new Date('2026-11-29T12:00:00Z'));
    const completed = ecsEvent('ecs-deployment-completed');
    const deploymentId = String(completed.detail.deploymentId);
    await ledger.markCausedByUs({
      resourceKey: serviceKey(REF),
      deploymentId,
      incidentKey: KEY,
      executionName: 'exec-x',
      change: 'ecs-rollback',
      watchUntil: '2026-11-29T12:15:00.000Z',
    });
    const out = services();
    out.services![0]!.deployments = [{ ...out.services![0]!.deployments![0]!, id: deploymentId, taskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6' }];
    ecsMock.on(DescribeServicesCommand).resolves(out);

    expect(await ingest(completed)).toMatchObject({ outcome: 'recorded', lastKnownGood: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6' });
    expect(await ledger.lastKnownGood(REF)).toMatchObject({ taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6' });
  });
});
