/**
 * Approve mode, executed for real: statemachines/remediation.asl.yaml run by aws-local-stepfunctions
 * with the real handlers, the RequestApproval `.waitForTaskToken` state waiting on a local task
 * token (cli/local/localCallbacks.ts). Decisions are made by the real `medic approve|deny` code and
 * the real Slack endpoint handler; the ledger and STS are moto. Mocked: ECS rollout progress and
 * SNS (as in remediation.test.ts), and the SFN client's SendTaskSuccess/SendTaskFailure, which
 * hand the decision to the local execution - moto 5.2.1's SendTaskSuccess/Failure are no-ops
 * outside its own executor (test/support/moto-probe.md).
 */
import { captureEmf } from '../support/emf';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { runDecision } from '../../cli/commands/approve';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClientConfig, localClients } from '../../cli/local/localAws';
import { LocalCallbacks } from '../../cli/local/localCallbacks';
import { loadStateMachine, type RunResult, runStateMachine } from '../../cli/local/localStateMachine';
import { makeApprovalHandler } from '../../functions/approval/handler';
import { makeApprovalWebhookHandler, type SlackResponseMessage } from '../../functions/approvalWebhook/handler';
import { makeCheckDeploymentHandler } from '../../functions/checkDeployment/handler';
import { makeDiagnoseHandler } from '../../functions/diagnose/handler';
import { makeIngestHandler } from '../../functions/ingest/handler';
import { makeNotifyHandler } from '../../functions/notify/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { ApprovalStore } from '../../shared/approval/approvalStore';
import { ApprovalRequests } from '../../shared/approval/approvalRequests';
import { decideApproval } from '../../shared/approval/decideApproval';
import { loadConfig } from '../../shared/config';
import { Ledger } from '../../shared/ledger/ledger';
import { APPROVAL_ACTION_IDS } from '../../shared/notify/slackMessage';
import type { RemediationInput } from '../../shared/runState';
import { actionClients } from '../support/actionClients';
import { ecsEvent, fixture } from '../support/fixtures';
import { blockActions, form, signedSlackRequest, TEST_SIGNING_SECRET } from '../support/slackInteractivity';
import { RemediationLedger } from '../../shared/ledger/guards';

const FAILING = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
const NEW = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:deploy-medic-dev-alerts';
/** moto's answer to GetCallerIdentity with its default credentials. */
const MOTO_CALLER = 'arn:aws:sts::123456789012:user/moto';
const machine = () => loadStateMachine('statemachines/remediation.asl.yaml');

const ecsMock = mockClient(ECSClient);
const snsMock = mockClient(SNSClient);
const sfnMock = mockClient(SFNClient);

let endpoint: string;
let dynamodb: DynamoDBClient;
let table: string;
let store: ApprovalRequests;

beforeAll(() => {
  endpoint = inject('motoEndpoint');
  dynamodb = localClients(endpoint).dynamodb;
});

beforeEach(async () => {
  table = await createLedgerTable(dynamodb, `approval-sm-${Math.random().toString(36).slice(2, 10)}`);
  store = new ApprovalRequests({ dynamodb, tableName: table });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

afterEach(() => {
  ecsMock.reset();
  snsMock.reset();
  sfnMock.reset();
});

function servicesWith(primary: Partial<Deployment>, taskDefinition = FAILING): DescribeServicesCommandOutput {
  const out = fixture<DescribeServicesCommandOutput>('api/ecs-describe-services.json');
  const service = out.services![0]!;
  service.taskDefinition = taskDefinition;
  service.deployments = [{ ...service.deployments![0]!, ...primary }];
  return out;
}

/** ECS answers: the failing revision until our change, then the new one steady. */
function ecsRollsOut() {
  ecsMock
    .on(DescribeServicesCommand)
    .resolvesOnce(servicesWith({})) // Diagnose (ProposePlan's dry run reads nothing)
    .resolvesOnce(servicesWith({})) // Remediate, once approved
    .resolves(servicesWith({ taskDefinition: NEW, runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' }, NEW));
  ecsMock.on(DescribeTaskDefinitionCommand).resolves(fixture<DescribeTaskDefinitionCommandOutput>('api/ecs-describe-task-definition.json'));
  ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW, cpu: '256', memory: '1024' } });
  ecsMock.on(UpdateServiceCommand).resolves({});
}

/** SendTaskSuccess / SendTaskFailure reach the waiting local execution, as Step Functions would deliver them. */
function sfnDeliversTo(callbacks: LocalCallbacks) {
  sfnMock.on(SendTaskSuccessCommand).callsFake((input: { taskToken: string; output: string }) => (callbacks.succeed(input.taskToken, input.output), {}));
  sfnMock.on(SendTaskFailureCommand).callsFake((input: { taskToken: string; error?: string; cause?: string }) => (callbacks.fail(input.taskToken, input.error, input.cause), {}));
}

function handlers(options: { ledgerTable?: string } = {}) {
  const config = () => loadConfig({ STAGE: 'test', MEDIC_MODE: 'approve' });
  const ecs = new ECSClient({ region: 'us-east-1' });
  const notify = makeNotifyHandler({ sns: new SNSClient({ region: 'us-east-1' }), topicArn: () => TOPIC, config });
  return {
    diagnose: makeDiagnoseHandler({ ...actionClients(), ecs, config }),
    // The ledger table on moto (the same one the approvals use): Remediate checks the caps there before it writes.
    remediate: makeRemediateHandler({ ...actionClients(), ecs, ledger: new RemediationLedger(dynamodb, table), config }),
    checkDeployment: makeCheckDeploymentHandler({ ...actionClients(), ecs }),
    notify,
    approval: makeApprovalHandler({ store: new ApprovalRequests({ dynamodb, tableName: options.ledgerTable ?? table }), notify, config }),
  };
}

/** The execution input exactly as the ingest Lambda builds it in approve mode. */
async function approveModeInput(): Promise<RemediationInput> {
  let captured: string | undefined;
  const ingest = makeIngestHandler({
    sfn: { send: async (command: { input: { input?: string } }) => ((captured = command.input.input), { executionArn: 'arn' }) } as never,
    ecs: new ECSClient({ region: 'us-east-1' }),
    config: () => loadConfig({ MEDIC_MODE: 'approve' }),
    ledger: new Ledger(dynamodb, table),
    stateMachineArn: () => 'arn:aws:states:us-east-1:111122223333:stateMachine:remediation',
  });
  await ingest(ecsEvent('ecs-task-stopped-oom-fargate'));
  if (captured === undefined) throw new Error('ingest started nothing');
  return JSON.parse(captured) as RemediationInput;
}

/** What `medic approve|deny` sees: the ledger and STS on moto, the SFN client delivering to the execution. */
const cliIo = () => {
  const out: string[] = [];
  const err: string[] = [];
  const config = localClientConfig(endpoint);
  return {
    out,
    err,
    io: {
      sfn: new SFNClient(config),
      sts: new STSClient(config),
      dynamodb,
      cloudformation: undefined as never, // --table is given: no stack lookup
      out: (line: string) => out.push(line),
      err: (line: string) => err.push(line),
      now: () => new Date(),
    },
  };
};

const published = () =>
  snsMock.commandCalls(PublishCommand).map((call) => ({
    phase: call.args[0].input.MessageAttributes?.phase?.StringValue,
    text: (JSON.parse(call.args[0].input.Message!) as { default: string }).default,
  }));

const BEFORE_DECISION = ['Diagnose', 'ResolvedMode', 'ChoosePlan', 'ProposePlan', 'RequestApproval'];
const writes = () => [...ecsMock.commandCalls(RegisterTaskDefinitionCommand), ...ecsMock.commandCalls(UpdateServiceCommand)];

/** Starts the run and waits until it waits for a decision (the request recorded and sent). */
async function untilWaitingForApproval(options: { callbackTimeoutSeconds?: number; ledgerTable?: string } = {}) {
  const callbacks = new LocalCallbacks();
  sfnDeliversTo(callbacks);
  const input = await approveModeInput();
  const key = input.incident.key;
  const running: Promise<RunResult> = runStateMachine(machine(), input, {
    handlers: handlers(options),
    callbacks,
    ...(options.callbackTimeoutSeconds !== undefined ? { callbackTimeoutSeconds: options.callbackTimeoutSeconds } : {}),
  });
  return { key, callbacks, running };
}

describe('State machine: approve mode', () => {
  it('asks on-call with the dry-run steps, and writes nothing while it waits', async () => {
    ecsRollsOut();
    const { key, callbacks, running } = await untilWaitingForApproval();
    await callbacks.nextWaiting();

    const pending = await store.get(key);
    expect(pending).toMatchObject({ status: 'pending', action: 'ecs-resize-memory', taskToken: expect.stringMatching(/^local-task-token-/) });
    expect(pending!.steps[0]).toMatch(/^would register/);
    expect(Date.parse(pending!.deadline) - Date.parse(pending!.requestedAt)).toBe(3600 * 1000);
    const [request] = published();
    expect(request!.phase).toBe('awaiting-approval');
    expect(request!.text).toContain('Approval needed');
    expect(request!.text).toContain(`Approval: Waiting for approval until ${pending!.deadline}; without a decision by then nothing is done.`);
    expect(request!.text).toContain('Would do (once approved):\n  - would register');
    expect(request!.text).toContain(`To decide: medic approve '${key}' [--reason TEXT]   or   medic deny '${key}' --reason TEXT`);
    expect(writes()).toEqual([]);

    callbacks.succeed(pending!.taskToken, JSON.stringify({ decision: 'denied', by: 'test', at: new Date().toISOString(), via: 'cli', slack: null }));
    await running;
  });

  it('approved with medic approve: remediates as auto, records who and when, and the alerts say who approved', async () => {
    ecsRollsOut();
    const emf = captureEmf();
    const { key, callbacks, running } = await untilWaitingForApproval();
    await callbacks.nextWaiting();

    const cli = cliIo();
    const code = await runDecision('approved', [key, '--reason', 'resize is safe', '--table', table], cli.io);
    const run = await running;
    emf.stop();
    // Pending while asked (+1), closed by the first alert after the decision (-1).
    expect(emf.datums('ApprovalsPending').flatMap((d) => d.values)).toEqual([1, -1]);

    expect(code).toBe(0);
    expect(cli.out[0]).toMatch(new RegExp(`^approved ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} as ${MOTO_CALLER} at \\S+: the plan is applied now`));
    expect(run.status).toBe('SUCCEEDED');
    expect(run.visited).toEqual([
      ...BEFORE_DECISION, 'CheckApproval', 'CheckApprovalDecision', 'Approved', 'NotifyOpened', 'InitAttempts', 'Remediate',
      'Admitted', 'InitVerify', 'WaitForDeployment', 'CheckDeployment', 'DeploymentStatus', 'NotifyResolved', 'Resolved',
    ]);
    expect(run.output).toMatchObject({
      outcome: 'resolved',
      mode: 'auto',
      approval: { decision: 'approved', by: MOTO_CALLER, via: 'cli', reason: 'resize is safe', at: expect.any(String) },
      remediation: { applied: true, targetTaskDefinitionArn: NEW },
    });
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { cluster: 'prod', service: 'checkout-api', taskDefinition: NEW });
    const alerts = published();
    expect(alerts.map((a) => a.phase)).toEqual(['awaiting-approval', 'opened', 'resolved']);
    const approvedLine = `Approval: Approved by ${MOTO_CALLER} at ${(run.output as { approval: { at: string } }).approval.at} (via cli): resize is safe.`;
    expect(alerts[1]!.text).toContain(approvedLine);
    expect(alerts[2]!.text).toContain(approvedLine);
    expect(await store.get(key)).toMatchObject({ status: 'approved', decidedBy: MOTO_CALLER, via: 'cli', reason: 'resize is safe' });
  });

  it('denied with medic deny: nothing is written, and on-call is told who denied it and why', async () => {
    ecsRollsOut();
    const { key, callbacks, running } = await untilWaitingForApproval();
    await callbacks.nextWaiting();

    const cli = cliIo();
    const code = await runDecision('denied', [key, '--reason', 'release freeze', '--table', table], cli.io);
    const run = await running;

    expect(code).toBe(0);
    expect(run.visited).toEqual([...BEFORE_DECISION, 'NotifyDenied', 'Denied']);
    expect(run.output).toMatchObject({ outcome: 'denied', mode: 'approve', approvalError: { Error: 'ApprovalDenied' } });
    expect(writes()).toEqual([]);
    const alerts = published();
    expect(alerts.map((a) => a.phase)).toEqual(['awaiting-approval', 'denied']);
    expect(alerts[1]!.text).toMatch(new RegExp(`^Denied: nothing done - `));
    expect(alerts[1]!.text).toMatch(/Approval: Denied by arn:aws:sts::123456789012:user\/moto at \S+ \(via cli\): release freeze\. Nothing was done\./);
    expect(alerts[1]!.text).toContain('Would do (once approved):');
    expect(await store.get(key)).toMatchObject({ status: 'denied', decidedBy: MOTO_CALLER, reason: 'release freeze' });
  });

  it('approved from the Slack button: the signed click decides, the channel is told', async () => {
    ecsRollsOut();
    const { key, callbacks, running } = await untilWaitingForApproval();
    await callbacks.nextWaiting();

    const replies: SlackResponseMessage[] = [];
    const sfn = new SFNClient(localClientConfig(endpoint));
    const webhook = makeApprovalWebhookHandler({
      signingSecret: async () => TEST_SIGNING_SECRET,
      decide: (request) => decideApproval({ store, sfn }, request),
      respond: async (_url, message) => void replies.push(message),
    });
    const response = await webhook(signedSlackRequest(form(blockActions(APPROVAL_ACTION_IDS.approve, key)), new Date(), { base64: true }));
    const run = await running;

    expect(response.statusCode).toBe(200);
    expect(replies).toEqual([{ response_type: 'in_channel', replace_original: false, text: expect.stringMatching(/^:white_check_mark: Approved by <@UA8RXUSPL> at /) }]);
    expect(run.output).toMatchObject({ outcome: 'resolved', approval: { decision: 'approved', by: 'slack:UA8RXUSPL (jtorrance)', via: 'slack' } });
    expect(published()[1]!.text).toMatch(/Approval: Approved by slack:UA8RXUSPL \(jtorrance\) at \S+ \(via slack\)\./);
  });

  it('nobody decides in time: the safe default - nothing is written, on-call is told, a late approve is refused', async () => {
    ecsRollsOut();
    // The RequestApproval TimeoutSeconds (3600 from serverless.yml), compressed to 1 s; enforced by aws-local-stepfunctions.
    const { key, running } = await untilWaitingForApproval({ callbackTimeoutSeconds: 1 });
    const run = await running;

    expect(run.visited).toEqual([...BEFORE_DECISION, 'ExpireApproval', 'NotifyApprovalTimedOut', 'ApprovalTimedOut']);
    expect(run.output).toMatchObject({ outcome: 'approval-timed-out', approvalError: { Error: 'States.Timeout' }, approval: { decision: 'timed-out' } });
    expect(writes()).toEqual([]);
    const alerts = published();
    expect(alerts.map((a) => a.phase)).toEqual(['awaiting-approval', 'approval-timed-out']);
    expect(alerts[1]!.text).toMatch(/^Approval timed out: nothing done - /);
    expect(alerts[1]!.text).toMatch(/Approval: Approval timed out \(deadline \S+\): nobody decided\. Nothing was done \(the safe default\)\./);
    const expired = await store.get(key);
    expect(expired).toMatchObject({ status: 'expired', expiredReason: `timed out: nobody decided by ${expired!.deadline}` });

    const cli = cliIo();
    const code = await runDecision('approved', [key, '--table', table], cli.io);
    expect(code).toBe(3);
    expect(cli.err).toEqual([`medic: the approval for incident ${key} can no longer be decided: timed out: nobody decided by ${expired!.deadline}; nothing was done (the safe default)`]);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('a token answered without a decision and an approver (SendTaskSuccess by hand) is no approval: escalated, nothing written', async () => {
    ecsRollsOut();
    const { callbacks, running } = await untilWaitingForApproval();
    const { token } = await callbacks.nextWaiting();
    callbacks.succeed(token, '{}');
    const run = await running;

    expect(run.visited).toEqual([...BEFORE_DECISION, 'CheckApproval', 'ApprovalNotUnderstood', 'NotifyEscalated', 'Escalated']);
    expect(run.output).toMatchObject({ outcome: 'escalated', error: { Error: 'ApprovalNotUnderstood' } });
    expect(writes()).toEqual([]);
  });

  it('when the approval cannot even be requested (no ledger table), it escalates and writes nothing', async () => {
    ecsRollsOut();
    const callbacks = new LocalCallbacks();
    const run = await runStateMachine(machine(), await approveModeInput(), { handlers: handlers({ ledgerTable: 'no-such-table' }), callbacks });

    expect(run.visited).toEqual([...BEFORE_DECISION, 'NotifyEscalated', 'Escalated']);
    expect(run.output).toMatchObject({ outcome: 'escalated', error: { Error: 'ResourceNotFoundException' } });
    expect(writes()).toEqual([]);
    expect(published().map((a) => a.phase)).toEqual(['escalated']);
  });
});
