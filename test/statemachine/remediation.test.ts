/**
 * The Remediation state machine, executed for real: statemachines/remediation.asl.yaml run
 * by aws-local-stepfunctions, every Task bound to the real handler. AWS is mocked only for
 * what no local part can do: ECS rollout progress over time (moto has no scheduler), and
 * injected faults.
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
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig } from '../../shared/config';
import { RemediationLedger } from '../../shared/ledger/guards';
import { Ledger } from '../../shared/ledger/ledger';
import type { RemediationInput } from '../../shared/runState';
import { actionClients } from '../support/actionClients';
import { ecsEvent, fixture } from '../support/fixtures';

const FAILING = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
const NEW = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:deploy-medic-dev-alerts';
const machine = () => loadStateMachine('statemachines/remediation.asl.yaml');

const ecsMock = mockClient(ECSClient);
const snsMock = mockClient(SNSClient);

/** The DescribeServices fixture with its primary deployment replaced. */
function servicesWith(primary: Partial<Deployment>, taskDefinition = FAILING): DescribeServicesCommandOutput {
  const out = fixture<DescribeServicesCommandOutput>('api/ecs-describe-services.json');
  const service = out.services![0]!;
  service.taskDefinition = taskDefinition;
  service.deployments = [{ ...service.deployments![0]!, ...primary }];
  return out;
}

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

/** The ledger on moto (a fresh table per test): the caps, the audit trail and the markers are real writes. */
let ledger: RemediationLedger;

function handlers(env: Record<string, string> = {}) {
  const config = () => loadConfig({ STAGE: 'test', ...env });
  const ecs = new ECSClient({ region: 'us-east-1' });
  const sns = new SNSClient({ region: 'us-east-1' });
  return {
    diagnose: makeDiagnoseHandler({ ...actionClients(), ecs, config }),
    remediate: makeRemediateHandler({ ...actionClients(), ecs, ledger, config }),
    checkDeployment: makeCheckDeploymentHandler({ ...actionClients(), ecs }),
    detectDrift: makeDetectDriftHandler(actionClients()),
    notify: makeNotifyHandler({ sns, topicArn: () => TOPIC, config, ledger }),
  };
}

/** The execution input exactly as the ingest Lambda builds it (its ledger on moto, a fresh table per call). */
async function inputFor(eventName: string, mode: 'auto' | 'observe'): Promise<RemediationInput> {
  let captured: string | undefined;
  const { dynamodb } = localClients(inject('motoEndpoint'));
  const table = await createLedgerTable(dynamodb, `sm-ledger-${Math.random().toString(36).slice(2, 10)}`);
  const ingest = makeIngestHandler({
    sfn: { send: async (command: { input: { input?: string } }) => ((captured = command.input.input), { executionArn: 'arn' }) } as never,
    ecs: new ECSClient({ region: 'us-east-1' }),
    // Notify-only and rollback plans wait for two failed launches: one is enough for these runs.
    config: () => loadConfig({ MEDIC_MODE: mode, FAIL_FAST_FAILED_LAUNCHES: '1' }),
    ledger: new RemediationLedger(dynamodb, table),
    stateMachineArn: () => 'arn:aws:states:us-east-1:111122223333:stateMachine:remediation',
  });
  await ingest(ecsEvent(eventName));
  if (captured === undefined) throw new Error(`ingest started nothing for ${eventName}`);
  return JSON.parse(captured) as RemediationInput;
}

const publishedPhases = () =>
  snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input.MessageAttributes?.phase?.StringValue);

/** ECS as it answers while our new revision rolls out: in progress for `pollsBeforeSteady` looks, then steady. */
function ecsRollsOut(pollsBeforeSteady: number) {
  const rollingOut = servicesWith({ taskDefinition: NEW, runningCount: 1, desiredCount: 2, rolloutState: 'IN_PROGRESS' }, NEW);
  const steady = servicesWith({ taskDefinition: NEW, runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }, NEW);
  const describe = ecsMock.on(DescribeServicesCommand);
  // First look: Diagnose, then Remediate's own check - both see the failing revision.
  describe.resolvesOnce(servicesWith({})).resolvesOnce(servicesWith({}));
  for (let i = 0; i < pollsBeforeSteady; i++) describe.resolvesOnce(rollingOut);
  describe.resolves(steady);
  ecsMock.on(DescribeTaskDefinitionCommand).resolves(fixture<DescribeTaskDefinitionCommandOutput>('api/ecs-describe-task-definition.json'));
  ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW, cpu: '256', memory: '1024' } });
  ecsMock.on(UpdateServiceCommand).resolves({});
}

describe('State machine: remediation', () => {
  beforeEach(async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { dynamodb } = localClients(inject('motoEndpoint'));
    ledger = new RemediationLedger(dynamodb, await createLedgerTable(dynamodb, `sm-guards-${Math.random().toString(36).slice(2, 10)}`));
  });
  afterEach(() => {
    ecsMock.reset();
    snsMock.reset();
  });

  it('OOM in auto mode: diagnose, alert, resize, wait with backoff until steady, resolve', async () => {
    ecsRollsOut(3);
    const run = await runStateMachine(machine(), await inputFor('ecs-task-stopped-oom-fargate', 'auto'), { handlers: handlers() });

    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.visited).toEqual([
      'Diagnose', 'ResolvedMode', 'ChoosePlan', 'NotifyOpened', 'InitAttempts', 'Remediate', 'Admitted', 'InitVerify',
      'WaitForDeployment', 'CheckDeployment', 'DeploymentStatus', 'Backoff', 'CapBackoff',
      'WaitForDeployment', 'CheckDeployment', 'DeploymentStatus', 'Backoff', 'CapBackoff',
      'WaitForDeployment', 'CheckDeployment', 'DeploymentStatus', 'Backoff', 'CapBackoff',
      'WaitForDeployment', 'CheckDeployment', 'DeploymentStatus', 'NotifyResolved', 'Resolved',
    ]);
    expect(run.output).toMatchObject({
      outcome: 'resolved',
      remediation: { applied: true, targetTaskDefinitionArn: NEW, before: { memory: '512' }, after: { memory: '1024' } },
      verification: { status: 'STEADY', runningCount: 2, desiredCount: 2 },
    });
    expect(ecsMock).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, { family: 'checkout-api', cpu: '256', memory: '1024' });
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { cluster: 'prod', service: 'checkout-api', taskDefinition: NEW });
    expect(publishedPhases()).toEqual(['opened', 'resolved']);
  });

  it('waits 15 s, then doubles each look, capped at 120 s', async () => {
    ecsRollsOut(5);
    const run = await runStateMachine(machine(), await inputFor('ecs-task-stopped-oom-fargate', 'auto'), { handlers: handlers() });
    const waits = run.events
      .filter((e) => e.type === 'StateEntered' && e.state?.name === 'WaitForDeployment')
      .map((e) => (e.state?.input as { backoff: { waitSeconds: number } }).backoff.waitSeconds);
    expect(waits).toEqual([15, 30, 60, 120, 120, 120]);
  });

  it('a throttled Describe is retried with backoff, and the incident still resolves', async () => {
    ecsRollsOut(0);
    // The very first call (Diagnose) is throttled twice, then AWS answers.
    ecsMock
      .on(DescribeServicesCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolvesOnce(servicesWith({}))
      .resolvesOnce(servicesWith({}))
      .resolves(servicesWith({ taskDefinition: NEW, runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }, NEW));

    const run = await runStateMachine(machine(), await inputFor('ecs-task-stopped-oom-fargate', 'auto'), { handlers: handlers() });

    expect(run.retries).toEqual({ Diagnose: 2 });
    expect(run.output).toMatchObject({ outcome: 'resolved' });
  });

  it('a deployment not steady by the deadline escalates to on-call', async () => {
    ecsRollsOut(100);
    const run = await runStateMachine(machine(), await inputFor('ecs-task-stopped-oom-fargate', 'auto'), {
      handlers: handlers({ VERIFY_DEADLINE_SECONDS: '0' }),
    });

    expect(run.visited.slice(-6)).toEqual(['WaitForDeployment', 'CheckDeployment', 'DeploymentStatus', 'CanRetry', 'NotifyEscalated', 'Escalated']);
    expect(run.output).toMatchObject({ outcome: 'escalated', verification: { status: 'DEADLINE_EXCEEDED' } });
    expect(publishedPhases()).toEqual(['opened', 'escalated']);
  });

  it('a rollout ECS reports FAILED escalates at once', async () => {
    ecsRollsOut(0);
    ecsMock
      .on(DescribeServicesCommand)
      .resolvesOnce(servicesWith({}))
      .resolvesOnce(servicesWith({}))
      .resolves(servicesWith({ taskDefinition: NEW, rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' }, NEW));
    const run = await runStateMachine(machine(), await inputFor('ecs-task-stopped-oom-fargate', 'auto'), { handlers: handlers() });
    expect(run.output).toMatchObject({ outcome: 'escalated', verification: { status: 'FAILED' } });
  });

  it('observe mode plans and reports, and writes nothing', async () => {
    ecsRollsOut(0);
    const run = await runStateMachine(machine(), await inputFor('ecs-task-stopped-oom-fargate', 'observe'), { handlers: handlers() });

    expect(run.visited).toEqual(['Diagnose', 'ResolvedMode', 'ChoosePlan', 'PlanOnly', 'NotifyObserved', 'Observed']);
    expect(run.output).toMatchObject({ outcome: 'observed', remediation: { applied: false, dryRun: true } });
    expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(publishedPhases()).toEqual(['observed']);
  });

  it('an unknown cause notifies on-call with the evidence and changes nothing', async () => {
    ecsRollsOut(0);
    const run = await runStateMachine(machine(), await inputFor('ecs-task-stopped-exit137-no-oom', 'auto'), { handlers: handlers() });

    expect(run.visited).toEqual(['Diagnose', 'ResolvedMode', 'ChoosePlan', 'NotifyEscalated', 'Escalated']);
    expect(run.output).toMatchObject({ outcome: 'escalated', diagnosis: { category: 'UNKNOWN', plan: { action: 'notify-only' } } });
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('a remediation that cannot apply is caught and escalated with the reason', async () => {
    ecsRollsOut(0);
    // Between Diagnose and Remediate someone deploys revision 9.
    ecsMock.on(DescribeServicesCommand).resolvesOnce(servicesWith({}))
      .resolves(servicesWith({}, 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:9'));
    const run = await runStateMachine(machine(), await inputFor('ecs-task-stopped-oom-fargate', 'auto'), { handlers: handlers() });

    expect(run.output).toMatchObject({ outcome: 'escalated', error: { Error: 'RemediationError' } });
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    const escalation = snsMock.commandCalls(PublishCommand).at(-1)!.args[0].input;
    expect(JSON.parse(escalation.Message!).default).toContain('Failed step: RemediationError - service prod/checkout-api now runs');
  });

  it('when Diagnose fails for good, escalates with the ingest triage', async () => {
    ecsMock.on(DescribeServicesCommand).rejects(Object.assign(new Error('User is not authorized to perform: ecs:DescribeServices'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({});
    const run = await runStateMachine(machine(), await inputFor('ecs-task-stopped-oom-fargate', 'auto'), { handlers: handlers() });

    expect(run.visited).toEqual(['Diagnose', 'UseTriage', 'NotifyEscalated', 'Escalated']);
    expect(run.output).toMatchObject({ outcome: 'escalated', diagnosis: { category: 'OOM' }, error: { Error: 'AccessDeniedException' } });
  });

  it('if on-call cannot be told, the execution fails loudly', async () => {
    ecsRollsOut(0);
    snsMock.on(PublishCommand).rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException', $metadata: { httpStatusCode: 404 } }));
    const run = await runStateMachine(machine(), await inputFor('ecs-task-stopped-exit137-no-oom', 'auto'), { handlers: handlers() });

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('NotificationFailed');
  });
});
