/**
 * The guarantees in the real Remediation ASL (aws-local-stepfunctions, every Task bound to its
 * real handler, the ledger on moto): past a blast-radius cap or the loop breaker nothing is
 * written and on-call is told which guard and its value; the resource's mode tag decides the
 * path the execution takes. ECS rollout answers are recorded shapes (moto has no scheduler).
 */
import { captureEmf } from '../support/emf';
import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClients } from '../../cli/local/localAws';
import { loadStateMachine, runStateMachine } from '../../cli/local/localStateMachine';
import { makeCheckDeploymentHandler } from '../../functions/checkDeployment/handler';
import { makeDetectDriftHandler } from '../../functions/detectDrift/handler';
import { makeDiagnoseHandler } from '../../functions/diagnose/handler';
import { makeIngestHandler } from '../../functions/ingest/handler';
import { makeNotifyHandler } from '../../functions/notify/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig } from '../../shared/config';
import { RemediationLedger } from '../../shared/ledger/guards';
import { Ledger } from '../../shared/ledger/ledger';
import { logger } from '../../shared/observability';
import type { RemediationInput } from '../../shared/runState';
import { actionClients } from '../support/actionClients';
import { ecsEvent, fixture } from '../support/fixtures';

const FAILING = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
const NEW = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:deploy-medic-dev-alerts';
const RESOURCE = 'ecs-service#us-east-1:111122223333:prod/checkout-api';
const ecsMock = mockClient(ECSClient);
const snsMock = mockClient(SNSClient);
let ledger: RemediationLedger;

function services(taskDefinition: string, extraTags: Array<{ key: string; value: string }> = [], rollout = { runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' as const }): DescribeServicesCommandOutput {
  const out = fixture<DescribeServicesCommandOutput>('api/ecs-describe-services.json');
  const service = out.services![0]!;
  service.taskDefinition = taskDefinition;
  service.deployments = [{ ...service.deployments![0]!, taskDefinition, ...rollout }];
  service.tags = [...(service.tags ?? []), ...extraTags];
  return out;
}

/** ECS while the OOM incident is handled: the failing revision until our UpdateService, then steady on ours. */
function ecsAnswers(extraTags: Array<{ key: string; value: string }> = []) {
  ecsMock.on(DescribeServicesCommand).resolvesOnce(services(FAILING, extraTags)).resolvesOnce(services(FAILING, extraTags)).resolves(services(NEW, extraTags));
  ecsMock.on(DescribeTaskDefinitionCommand).resolves(fixture<DescribeTaskDefinitionCommandOutput>('api/ecs-describe-task-definition.json'));
  ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW, cpu: '256', memory: '1024' } });
  ecsMock.on(UpdateServiceCommand).resolves({});
}

function handlers(env: Record<string, string>) {
  const config = () => loadConfig({ STAGE: 'test', ...env });
  const ecs = new ECSClient({ region: 'us-east-1' });
  return {
    diagnose: makeDiagnoseHandler({ ...actionClients(), ecs, config }),
    remediate: makeRemediateHandler({ ...actionClients(), ecs, ledger, config }),
    checkDeployment: makeCheckDeploymentHandler({ ...actionClients(), ecs }),
    detectDrift: makeDetectDriftHandler(actionClients()),
    notify: makeNotifyHandler({ sns: new SNSClient({ region: 'us-east-1' }), topicArn: () => TOPIC, config, ledger }),
  };
}

/** The execution input as the real ingest builds it (ledger on moto). */
async function inputFor(mode: 'auto' | 'observe'): Promise<RemediationInput> {
  let captured: string | undefined;
  const ingest = makeIngestHandler({
    sfn: { send: async (command: { input: { input?: string } }) => ((captured = command.input.input), { executionArn: 'arn' }) } as never,
    ecs: new ECSClient({ region: 'us-east-1' }),
    config: () => loadConfig({ MEDIC_MODE: mode }),
    ledger,
    stateMachineArn: () => 'arn:aws:states:us-east-1:111122223333:stateMachine:remediation',
  });
  await ingest(ecsEvent('ecs-task-stopped-oom-fargate'));
  return JSON.parse(captured!) as RemediationInput;
}

const lastAlert = () => JSON.parse(snsMock.commandCalls(PublishCommand).at(-1)!.args[0].input.Message!).default as string;
const machine = () => loadStateMachine('statemachines/remediation.asl.yaml');

describe('State machine: guarantees', () => {
  beforeEach(async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { dynamodb } = localClients(inject('motoEndpoint'));
    ledger = new RemediationLedger(dynamodb, await createLedgerTable(dynamodb, `sm-policy-${Math.random().toString(36).slice(2, 10)}`));
  });
  afterEach(() => {
    ecsMock.reset();
    snsMock.reset();
    vi.restoreAllMocks();
  });

  it('past the concurrency cap: escalates naming the cap and its value, and changes nothing', async () => {
    ecsAnswers();
    await ledger.admit('ecs-service#us-east-1:111122223333:prod/orders-api', { executionName: 'exec-orders', actionId: 'exec-orders#1#ecs-rollback', holdUntil: 4_000_000_000 }, loadConfig({}).guards);

    const emf = captureEmf();
    const run = await runStateMachine(machine(), await inputFor('auto'), { handlers: handlers({ MAX_CONCURRENT_REMEDIATIONS: '1' }) });
    emf.stop();
    // Counted as a capped remediation (the failure-rate alarm's metric), by action.
    expect(emf.datums('Remediations').filter((d) => d.dimensions.outcome === 'capped').map((d) => d.dimensions.action)).toContain('ecs-resize-memory');

    expect(run.visited).toEqual(['Diagnose', 'ResolvedMode', 'ChoosePlan', 'NotifyOpened', 'InitAttempts', 'Remediate', 'Admitted', 'NotifyEscalated', 'Escalated']);
    expect(run.output).toMatchObject({ outcome: 'escalated', remediation: { applied: false, refused: { guard: 'max-concurrent-remediations', limit: 1, setting: 'MAX_CONCURRENT_REMEDIATIONS' } } });
    expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(lastAlert()).toContain('not done: blast-radius cap: 1 remediations already in progress (MAX_CONCURRENT_REMEDIATIONS=1): exec-orders');
    // The run's end (NotifyEscalated) keeps the refusal and its reason in the incident record.
    expect(await ledger.incident('ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512')).toMatchObject({
      status: 'refused',
      statusReason: expect.stringContaining('MAX_CONCURRENT_REMEDIATIONS=1'),
    });
  });

  it('the loop breaker: a new incident on a service remediated minutes ago is escalated, logged, and not acted on', async () => {
    ecsAnswers();
    await ledger.admit(RESOURCE, { executionName: 'exec-earlier-incident', actionId: 'exec-earlier-incident#1#ecs-rollback', holdUntil: 0 }, loadConfig({}).guards);
    const warn = vi.spyOn(logger, 'warn');
    const emf = captureEmf();

    const run = await runStateMachine(machine(), await inputFor('auto'), { handlers: handlers({}) });
    emf.stop();
    expect(emf.datums('LoopBreakerTrips').map((d) => [d.dimensions.reason, d.values])).toContainEqual(['cooldown', [1]]);

    expect(run.output).toMatchObject({ outcome: 'escalated', remediation: { refused: { guard: 'cooldown', kind: 'loop-breaker', limit: 900, setting: 'REMEDIATION_COOLDOWN_SECONDS' } } });
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(warn).toHaveBeenCalledWith('loop-breaker tripped', expect.objectContaining({ resource: RESOURCE, guard: 'cooldown', reason: expect.stringContaining('by exec-earlier-incident, within the 900 s cooldown') }));
    expect(lastAlert()).toContain('loop breaker: this resource was remediated');
  });

  it('admitted: the change is applied, verified, and its slot freed once steady', async () => {
    ecsAnswers();
    const run = await runStateMachine(machine(), await inputFor('auto'), { handlers: handlers({ MAX_CONCURRENT_REMEDIATIONS: '1' }) });
    expect(run.output).toMatchObject({ outcome: 'resolved', remediation: { applied: true } });
    expect(await ledger.slotHolders()).toEqual([]);
    expect(await ledger.incident('ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7/ecs-svc/6120745581218348512')).toMatchObject({ status: 'resolved', mode: 'auto', category: 'OOM' });
  });

  it('a service tagged deploy-medic:mode=observe in an auto stage is only observed', async () => {
    ecsAnswers([{ key: 'deploy-medic:mode', value: 'observe' }]);
    const run = await runStateMachine(machine(), await inputFor('auto'), { handlers: handlers({ MEDIC_MODE: 'auto' }) });
    expect(run.visited).toEqual(['Diagnose', 'ResolvedMode', 'ChoosePlan', 'PlanOnly', 'NotifyObserved', 'Observed']);
    expect(run.output).toMatchObject({ mode: 'observe', diagnosis: { mode: 'observe', evidence: expect.arrayContaining(['mode observe from tag deploy-medic:mode (stage mode auto)']) } });
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('a service tagged deploy-medic:mode=auto in an observe stage is remediated (a pilot)', async () => {
    ecsAnswers([{ key: 'deploy-medic:mode', value: 'auto' }]);
    const run = await runStateMachine(machine(), await inputFor('observe'), { handlers: handlers({}) });
    expect(run.output).toMatchObject({ outcome: 'resolved', mode: 'auto' });
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { taskDefinition: NEW });
  });

  it('an invalid mode tag is treated as observe, and the diagnosis says so', async () => {
    ecsAnswers([{ key: 'deploy-medic:mode', value: 'full-auto' }]);
    const run = await runStateMachine(machine(), await inputFor('auto'), { handlers: handlers({ MEDIC_MODE: 'auto' }) });
    expect(run.output).toMatchObject({ outcome: 'observed', mode: 'observe' });
    expect((run.output as { diagnosis: { evidence: string[] } }).diagnosis.evidence).toContain(
      'tag deploy-medic:mode="full-auto" is not one of observe, auto, approve: treated as observe (stage mode auto)',
    );
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });
});
