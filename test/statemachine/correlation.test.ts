/**
 * One incident, one correlation id, across every Lambda of its execution: the ingest Lambda
 * that opens it, then statemachines/remediation.asl.yaml run for real by aws-local-stepfunctions
 * with the real handlers (Diagnose, Notify, Remediate, CheckDeployment ...). Every JSON log line
 * any of them prints carries the incident key as `correlation_id`, which is what the Logs
 * Insights query in docs/operations.md relies on. The same run's EMF documents carry the
 * metrics the dashboard reads. AWS is as in remediation.test.ts: the ledger on moto, ECS
 * rollout progress and SNS from aws-sdk-client-mock.
 */
import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
  type Deployment,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClients } from '../../cli/local/localAws';
import { loadStateMachine, runStateMachine } from '../../cli/local/localStateMachine';
import { makeCheckDeploymentHandler } from '../../functions/checkDeployment/handler';
import { makeDetectDriftHandler } from '../../functions/detectDrift/handler';
import { makeDiagnoseHandler } from '../../functions/diagnose/handler';
import { makeIngestHandler } from '../../functions/ingest/handler';
import { makeNotifyHandler } from '../../functions/notify/handler';
import { makePrepareRollbackHandler } from '../../functions/prepareRollback/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig } from '../../shared/config';
import { RemediationLedger } from '../../shared/ledger/guards';
import { Ledger } from '../../shared/ledger/ledger';
import { METRIC } from '../../shared/metrics';
import type { RemediationInput } from '../../shared/runState';
import { actionClients } from '../support/actionClients';
import { captureEmf, type CapturedEmf } from '../support/emf';
import { captureLogs, type CapturedLogs } from '../support/captureLogs';
import { ecsEvent, fixture } from '../support/fixtures';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512';
const REV6 = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6';
const FAILING = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
const NEW = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:deploy-medic-dev-alerts';

const ecsMock = mockClient(ECSClient);
const snsMock = mockClient(SNSClient);

function servicesWith(primary: Partial<Deployment>, taskDefinition = FAILING): DescribeServicesCommandOutput {
  const out = fixture<DescribeServicesCommandOutput>('api/ecs-describe-services.json');
  const service = out.services![0]!;
  service.taskDefinition = taskDefinition;
  service.deployments = [{ ...service.deployments![0]!, ...primary }];
  return out;
}

/** ECS while the resized revision rolls out: the failing revision twice (Diagnose, Remediate), in progress once, then steady. */
function ecsRollsOut() {
  ecsMock
    .on(DescribeServicesCommand)
    .resolvesOnce(servicesWith({}))
    .resolvesOnce(servicesWith({}))
    .resolvesOnce(servicesWith({ taskDefinition: NEW, runningCount: 1, desiredCount: 2, rolloutState: 'IN_PROGRESS' }, NEW))
    .resolves(servicesWith({ taskDefinition: NEW, runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }, NEW));
  ecsMock.on(DescribeTaskDefinitionCommand).resolves(fixture<DescribeTaskDefinitionCommandOutput>('api/ecs-describe-task-definition.json'));
  ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW, cpu: '256', memory: '1024' } });
  ecsMock.on(UpdateServiceCommand).resolves({});
}

/** The remediate ledger on moto (a fresh table): Remediate checks the caps there before it writes. */
async function guardLedger(): Promise<RemediationLedger> {
  const { dynamodb } = localClients(inject('motoEndpoint'));
  return new RemediationLedger(dynamodb, await createLedgerTable(dynamodb, `corr-guards-${Math.random().toString(36).slice(2, 10)}`));
}

function taskHandlers(ledger: RemediationLedger) {
  const config = () => loadConfig({ STAGE: 'test' });
  const ecs = new ECSClient({ region: 'us-east-1' });
  return {
    diagnose: makeDiagnoseHandler({ ...actionClients(), ecs, config }),
    remediate: makeRemediateHandler({ ...actionClients(), ecs, ledger, config }),
    checkDeployment: makeCheckDeploymentHandler({ ...actionClients(), ecs }),
    detectDrift: makeDetectDriftHandler(actionClients()), // bound, not reached: an ECS incident has no stack to check
    notify: makeNotifyHandler({ sns: new SNSClient({ region: 'us-east-1' }), topicArn: () => TOPIC, config, ledger }),
  };
}

/** The ingest Lambda opens the incident; its StartExecution input is what the state machine runs. */
async function ingestOpens(eventName: string): Promise<RemediationInput> {
  let started: string | undefined;
  const { dynamodb } = localClients(inject('motoEndpoint'));
  const table = await createLedgerTable(dynamodb, `corr-ledger-${Math.random().toString(36).slice(2, 10)}`);
  const ingest = makeIngestHandler({
    sfn: { send: async (command: { input: { input?: string } }) => ((started = command.input.input), { executionArn: 'arn' }) } as never,
    ecs: new ECSClient({ region: 'us-east-1' }),
    config: () => loadConfig({ MEDIC_MODE: 'auto' }),
    ledger: new Ledger(dynamodb, table),
    stateMachineArn: () => 'arn:aws:states:us-east-1:111122223333:stateMachine:remediation',
  });
  await ingest(ecsEvent(eventName));
  if (started === undefined) throw new Error(`ingest started nothing for ${eventName}`);
  return JSON.parse(started) as RemediationInput;
}

describe('Observability across one execution', () => {
  let logs: CapturedLogs;
  let emf: CapturedEmf;
  beforeEach(() => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    logs = captureLogs();
    emf = captureEmf();
  });
  afterEach(() => {
    logs.stop();
    emf.stop();
    ecsMock.reset();
    snsMock.reset();
  });

  it('every log line of every Lambda, from ingest to the last Notify, carries the incident key as correlation_id', async () => {
    ecsRollsOut();
    const input = await ingestOpens('ecs-task-stopped-oom-fargate');
    const run = await runStateMachine(loadStateMachine('statemachines/remediation.asl.yaml'), input, { handlers: taskHandlers(await guardLedger()) });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'resolved' });

    const lines = logs.lines();
    // Every Lambda of the run spoke, so "every line" is not vacuous ...
    expect(new Set(lines.map((line) => line.handler))).toEqual(new Set(['ingest', 'diagnose', 'notify', 'remediate', 'checkDeployment']));
    expect(lines.map((line) => line.message)).toEqual(
      expect.arrayContaining(['remediation started', 'diagnosed', 'notified', 'remediation step', 'deployment check']),
    );
    // ... and every one of them names the incident.
    const uncorrelated = lines.filter((line) => line.correlation_id !== KEY);
    expect(uncorrelated).toEqual([]);
  });

  it('the same run leaves the metrics the dashboard reads, each with the incident key as metadata', async () => {
    ecsRollsOut();
    const input = await ingestOpens('ecs-task-stopped-oom-fargate');
    await runStateMachine(loadStateMachine('statemachines/remediation.asl.yaml'), input, { handlers: taskHandlers(await guardLedger()) });

    expect(emf.datums(METRIC.incidentsOpened)).toMatchObject([{ values: [1], dimensions: { kind: 'ecs-service', category: 'OOM' } }]);
    expect(emf.datums(METRIC.timeToDetect)).toMatchObject([{ unit: 'Seconds' }]);
    expect(emf.datums(METRIC.remediations)).toMatchObject([{ values: [1], dimensions: { action: 'ecs-resize-memory', outcome: 'applied' } }]);
    expect(emf.datums(METRIC.incidentOutcomes)).toMatchObject([{ values: [1], dimensions: { outcome: 'resolved' } }]);
    const [resolve] = emf.datums(METRIC.timeToResolve);
    expect(resolve?.values[0]).toBeGreaterThanOrEqual(0);
    expect(emf.documents().map((document) => document.incidentKey)).toEqual(emf.documents().map(() => KEY));
  });

  it('an emergency rollback: prepareRollback names the incident as soon as it has read the request, and every later line carries it', async () => {
    const rolledBack = servicesWith({}, REV6);
    rolledBack.services![0]!.deployments = [{ id: 'ecs-svc/9', status: 'PRIMARY', taskDefinition: REV6, runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }];
    const rollingOut = servicesWith({});
    rollingOut.services![0]!.deployments!.push({ id: 'ecs-svc/6', status: 'ACTIVE', taskDefinition: REV6, runningCount: 0, desiredCount: 0, rolloutState: 'COMPLETED' });
    ecsMock.on(DescribeServicesCommand).resolvesOnce(rollingOut).resolvesOnce(rollingOut).resolves(rolledBack);
    ecsMock.on(UpdateServiceCommand).resolves({ service: { deployments: [{ id: 'ecs-svc/9', status: 'PRIMARY' }] } });
    const { notify, remediate, checkDeployment } = taskHandlers(await guardLedger());
    const clients = actionClients();
    const prepare = makePrepareRollbackHandler({ ecs: clients.ecs, cloudformation: clients.cloudformation, region: () => 'us-east-1' });
    const request = { target: { type: 'ecs-service', cluster: 'prod', service: 'checkout-api' }, reason: 'p99 doubled', requestedBy: 'alice@example.com' };

    const run = await runStateMachine(loadStateMachine('statemachines/emergency-rollback.asl.yaml'), request, {
      handlers: {
        prepareRollback: (input: unknown) => prepare(input, { invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:deploy-medic-test-prepareRollback' }),
        remediate,
        checkDeployment,
        notify,
      },
    });
    expect(run.status, JSON.stringify(run.error)).toBe('SUCCEEDED');
    const key = (run.output as { incident: { key: string } }).incident.key;

    const lines = logs.lines();
    expect(new Set(lines.map((line) => line.handler))).toEqual(new Set(['prepareRollback', 'remediate', 'checkDeployment', 'notify']));
    expect(lines.filter((line) => line.correlation_id !== key)).toEqual([]);
    expect(emf.datums(METRIC.remediations)).toMatchObject([{ dimensions: { action: 'ecs-rollback', outcome: 'applied' }, document: { incidentKey: key } }]);
  });
});
