/**
 * UPDATE_ROLLBACK_FAILED end to end through the real Remediation ASL and the real handlers:
 * continue the rollback, watch it complete, then detect drift and report it to on-call.
 * CloudFormation answers with recorded shapes (aws-sdk-client-mock): moto has neither
 * UPDATE_ROLLBACK_FAILED nor drift detection.
 */
import {
  CloudFormationClient,
  ContinueUpdateRollbackCommand,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClients } from '../../cli/local/localAws';
import { loadStateMachine, runStateMachine } from '../../cli/local/localStateMachine';
import { makeCheckDeploymentHandler } from '../../functions/checkDeployment/handler';
import { makeDetectDriftHandler } from '../../functions/detectDrift/handler';
import { makeDiagnoseHandler } from '../../functions/diagnose/handler';
import { makeNotifyHandler } from '../../functions/notify/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig } from '../../shared/config';
import { diagnose } from '../../shared/diagnosis/diagnose';
import { parseEvent } from '../../shared/events/parseEvent';
import { incidentFromStackEvent } from '../../shared/incident';
import { RemediationLedger } from '../../shared/ledger/guards';
import { Ledger } from '../../shared/ledger/ledger';
import type { RemediationInput } from '../../shared/runState';
import { actionClients } from '../support/actionClients';
import { fixture } from '../support/fixtures';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-api/51c07d30-e8a2-11ef-b6f4-12a9d3c8e5f1';
const drift = fixture<Record<string, Record<string, unknown>>>('api/cfn-drift-checkout-api.json');
const cfnMock = mockClient(CloudFormationClient);
const snsMock = mockClient(SNSClient);

const stack = (status: string): Stack => ({
  StackId: STACK_ID,
  StackName: 'checkout-api',
  StackStatus: status as Stack['StackStatus'],
  CreationTime: new Date('2025-02-11T09:00:00Z'),
  Tags: [{ Key: 'deploy-medic:enabled', Value: 'true' }],
});

/** The ledger on moto: Remediate checks the caps there before it writes. */
let ledger: RemediationLedger;
beforeEach(async () => {
  const { dynamodb } = localClients(inject('motoEndpoint'));
  ledger = new RemediationLedger(dynamodb, await createLedgerTable(dynamodb, `drift-ledger-${Math.random().toString(36).slice(2, 10)}`));
});

function handlers() {
  const clients = actionClients();
  const config = () => loadConfig({ STAGE: 'test', MEDIC_MODE: 'auto' });
  return {
    diagnose: makeDiagnoseHandler({ ...clients, ledger: {} as never, config }),
    remediate: makeRemediateHandler({ ...clients, ledger, config }),
    checkDeployment: makeCheckDeploymentHandler(clients),
    detectDrift: makeDetectDriftHandler(clients),
    notify: makeNotifyHandler({ sns: new SNSClient({ region: 'us-east-1' }), topicArn: () => 'arn:aws:sns:us-east-1:111122223333:alerts', config }),
  };
}

/** The execution input as the ingest Lambda builds it from the real event fixture. */
function input(): RemediationInput {
  const raw = fixture('events/cfn-stack-update-rollback-failed.json');
  const parsed = parseEvent(raw);
  if (parsed.kind !== 'cfn-stack-status-change') throw new Error('fixture is not a stack status change');
  const incident = incidentFromStackEvent(parsed.event)!;
  const triage = diagnose(parsed, { config: loadConfig({ MEDIC_MODE: 'auto' }) });
  return { incident, event: raw, mode: 'auto', triage: { ...triage, incidentKey: incident.key } };
}

/** The stack as CloudFormation shows it: stuck until our ContinueUpdateRollback, then rolling back, then complete. */
function stackThatRecovers() {
  let status = 'UPDATE_ROLLBACK_FAILED';
  let looks = 0;
  cfnMock.on(DescribeStacksCommand).callsFake(() => {
    if (status === 'UPDATE_ROLLBACK_IN_PROGRESS' && ++looks > 1) status = 'UPDATE_ROLLBACK_COMPLETE';
    return { Stacks: [stack(status)] };
  });
  cfnMock.on(ContinueUpdateRollbackCommand).callsFake(() => {
    status = 'UPDATE_ROLLBACK_IN_PROGRESS';
    return {};
  });
  cfnMock.on(DescribeStackEventsCommand).resolves(fixture('api/cfn-describe-stack-events-update-rollback-failed.json'));
  cfnMock.on(DescribeStackResourcesCommand).resolves({
    StackResources: [
      { StackName: 'checkout-api', StackId: STACK_ID, LogicalResourceId: 'CheckoutApiService', PhysicalResourceId: 'arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api', ResourceType: 'AWS::ECS::Service', ResourceStatus: 'UPDATE_FAILED', ResourceStatusReason: 'Service arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api did not stabilize.', Timestamp: new Date('2025-03-20T11:42:04Z') },
    ],
  });
}

/** Each alert: its phase, the text e-mail readers get, and the chat notification (which carries "what is left"). */
const published = () =>
  snsMock.commandCalls(PublishCommand).map((c) => {
    const message = JSON.parse(c.args[0].input.Message!) as { default: string; https: string };
    return { phase: c.args[0].input.MessageAttributes?.phase?.StringValue, text: message.default, chat: message.https };
  });

beforeEach(() => snsMock.on(PublishCommand).resolves({ MessageId: 'm' }));
afterEach(() => {
  cfnMock.reset();
  snsMock.reset();
});

describe('State machine: UPDATE_ROLLBACK_FAILED -> continue the rollback -> drift detection', () => {
  it('continues the rollback, waits for it, then reports the drifted resource (paths, never values) in the resolved alert', async () => {
    stackThatRecovers();
    cfnMock.on(DetectStackDriftCommand).resolves(drift.detectStackDrift!);
    cfnMock.on(DescribeStackDriftDetectionStatusCommand).resolvesOnce(drift.statusInProgress!).resolves(drift.statusComplete!);
    cfnMock.on(DescribeStackResourceDriftsCommand).resolves(drift.resourceDrifts!);

    const run = await runStateMachine(loadStateMachine('statemachines/remediation.asl.yaml'), input(), { handlers: handlers() });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'resolved',
      diagnosis: { plan: { action: 'cfn-continue-update-rollback' } },
      verification: { status: 'STEADY' },
      drift: { status: 'COMPLETE', stackDriftStatus: 'DRIFTED', driftedCount: 1, resources: [{ logicalId: 'CheckoutApiService', status: 'MODIFIED', differences: ['/DesiredCount (NOT_EQUAL)'] }] },
    });
    // Two looks at the detection: in progress, then complete.
    expect(run.visited.filter((s) => s === 'CheckDrift')).toHaveLength(2);
    expect(cfnMock).toHaveReceivedCommandWith(DetectStackDriftCommand, { StackName: STACK_ID });
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStackResourceDriftsCommand, { StackName: STACK_ID, StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'] });

    const alerts = published();
    expect(alerts.map((a) => a.phase)).toEqual(['opened', 'resolved']);
    const resolved = alerts[1]!.text;
    expect(resolved).toContain('1 resource drifted from the template after the rollback:');
    expect(resolved).toContain('CheckoutApiService (AWS::ECS::Service arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api) MODIFIED: /DesiredCount (NOT_EQUAL)');
    expect(alerts[1]!.chat).toContain('Reconcile the stack with its template before the next deploy');
    // The values stay out of the alert: a drifted property can hold a secret.
    expect(resolved).not.toMatch(/ExpectedValue|ActualValue|"4"|"2"/);
  });

  it('a stack in sync says so, and leaves nothing to do', async () => {
    stackThatRecovers();
    cfnMock.on(DetectStackDriftCommand).resolves(drift.detectStackDrift!);
    cfnMock.on(DescribeStackDriftDetectionStatusCommand).resolves({ ...drift.statusComplete!, StackDriftStatus: 'IN_SYNC', DriftedStackResourceCount: 0 });
    cfnMock.on(DescribeStackResourceDriftsCommand).resolves({ StackResourceDrifts: [] });

    const run = await runStateMachine(loadStateMachine('statemachines/remediation.asl.yaml'), input(), { handlers: handlers() });

    expect(run.output).toMatchObject({ outcome: 'resolved', drift: { status: 'COMPLETE', stackDriftStatus: 'IN_SYNC', driftedCount: 0 } });
    const resolved = published()[1]!.text;
    expect(resolved).toContain('No drift: every resource that supports drift detection matches the template (IN_SYNC).');
    expect(published()[1]!.chat).not.toContain('Reconcile the stack');
  });

  it('drift detection that cannot run (the role is denied) still resolves the incident, and says the drift was not checked', async () => {
    stackThatRecovers();
    const denied = Object.assign(
      new Error(
        `User: arn:aws:sts::111122223333:assumed-role/deploy-medic-test-DetectDriftFunctionRole/deploy-medic-test-detectDrift is not authorized to perform: cloudformation:DetectStackDrift on resource: ${STACK_ID} because no identity-based policy allows the cloudformation:DetectStackDrift action`,
      ),
      { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } },
    );
    cfnMock.on(DetectStackDriftCommand).rejects(denied);

    const run = await runStateMachine(loadStateMachine('statemachines/remediation.asl.yaml'), input(), { handlers: handlers() });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'resolved', driftError: { Error: 'AccessDenied' } });
    expect(run.visited).not.toContain('CheckDrift');
    const resolved = published()[1]!.text;
    expect(resolved).toContain('Drift not checked: AccessDenied');
    expect(published()[1]!.chat).toContain('Reconcile the stack with its template before the next deploy');
  });

  it('a detection still running after its last look ends the loop and names the command to follow it up', async () => {
    stackThatRecovers();
    cfnMock.on(DetectStackDriftCommand).resolves(drift.detectStackDrift!);
    cfnMock.on(DescribeStackDriftDetectionStatusCommand).resolves(drift.statusInProgress!);

    const run = await runStateMachine(loadStateMachine('statemachines/remediation.asl.yaml'), input(), { handlers: handlers() });

    expect(run.output).toMatchObject({ outcome: 'resolved', drift: { status: 'TIMED_OUT', detectionId: 'b78ac9b0-dec1-11e7-a451-50d5cd92b8ae' } });
    expect(run.visited.filter((s) => s === 'CheckDrift')).toHaveLength(20);
    expect(published()[1]!.text).toContain('aws cloudformation describe-stack-drift-detection-status --stack-drift-detection-id b78ac9b0-dec1-11e7-a451-50d5cd92b8ae');
    expect(cfnMock).not.toHaveReceivedCommand(DescribeStackResourceDriftsCommand);
  });
});
