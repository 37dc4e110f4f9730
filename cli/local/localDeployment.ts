/**
 * deploy-medic "deployed" onto a local AWS endpoint (moto_server): the ledger table, the
 * alerts topic (with an SQS inbox subscribed, to read alerts back), the Remediation state
 * machine registered in moto's Step Functions, and the real handlers bound to SDK
 * clients that talk to moto. `runExecution` runs an execution moto recorded through the
 * real ASL (aws-local-stepfunctions), every Task bound to its real handler.
 *
 * moto has no ECS scheduler, so the handlers' ECS client is wrapped in the scheduler
 * simulator (reads only; every write still goes to moto).
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { makeCheckDeploymentHandler } from '../../functions/checkDeployment/handler';
import { makeDetectDriftHandler } from '../../functions/detectDrift/handler';
import { makeDiagnoseHandler } from '../../functions/diagnose/handler';
import { makeIngestHandler } from '../../functions/ingest/handler';
import { makeNotifyHandler } from '../../functions/notify/handler';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig, type Mode } from '../../shared/config';
import { RemediationLedger } from '../../shared/ledger/guards';
import { Ledger } from '../../shared/ledger/ledger';
import { createAlertTopicWithInbox } from './alertInbox';
import { CloudFormationSimulator } from './cloudFormationSimulator';
import { simulateEcsScheduler } from './ecsSchedulerSimulator';
import { createLedgerTable } from './ledgerTable';
import { type ApiCallLog, countCalls, LOCAL_ACCOUNT, localClientConfig, localClients } from './localAws';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { type EventLog, loadStateMachine, runStateMachine } from './localStateMachine';
import { answerTaskTokensLocally, LocalCallbacks } from './localCallbacks';
import { makeApprovalHandler } from '../../functions/approval/handler';
import { ApprovalRequests } from '../../shared/approval/approvalRequests';

export const REMEDIATION_ASL = 'statemachines/remediation.asl.yaml';

export interface LocalDeploymentOptions {
  endpoint: string;
  mode: Mode;
  /** A suffix for every resource name; tests pass a unique one because they share one moto_server. */
  name: string;
  /** Revisions whose tasks never start (the scheduler simulator keeps them at 0 running). */
  crashingRevisions?: Set<string>;
  /** Extra settings, as the stage params would set them (e.g. FAIL_FAST_FAILED_LAUNCHES). */
  env?: Record<string, string>;
}

export async function deployLocally(options: LocalDeploymentOptions) {
  const aws = localClients(options.endpoint);
  const config = () => loadConfig({ STAGE: 'demo', MEDIC_MODE: options.mode, ...options.env });
  const tableName = await createLedgerTable(aws.dynamodb, `deploy-medic-${options.name}-ledger`);
  const ledger = new RemediationLedger(aws.dynamodb, tableName);
  const inbox = await createAlertTopicWithInbox(aws.sns, aws.sqs, `deploy-medic-${options.name}-alerts`);
  const machine = loadStateMachine(REMEDIATION_ASL);
  const created = await aws.sfn.send(
    new CreateStateMachineCommand({
      name: `deploy-medic-${options.name}-remediation`,
      definition: JSON.stringify(machine.definition),
      roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/deploy-medic-remediation`,
      type: 'STANDARD',
    }),
  );
  const stateMachineArn = created.stateMachineArn ?? '';
  const crashingRevisions = options.crashingRevisions ?? new Set<string>();
  // The handlers get clients of their own, counted: what they send is what the product would send.
  const apiCalls: ApiCallLog = [];
  const clientConfig = localClientConfig(options.endpoint);
  const handlerEcs = countCalls(simulateEcsScheduler(new ECSClient(clientConfig), { crashingRevisions }), 'ECS', apiCalls);
  const handlerDynamo = countCalls(new DynamoDBClient(clientConfig), 'DynamoDB', apiCalls);
  const handlerLedger = new RemediationLedger(handlerDynamo, tableName);
  const handlerSfn = countCalls(new SFNClient(clientConfig), 'SFN', apiCalls);
  const handlerSns = countCalls(new SNSClient(clientConfig), 'SNS', apiCalls);
  // moto's CloudFormation cannot fail a delete: stacks given to the simulator are answered by it.
  const cloudFormation = new CloudFormationSimulator(aws.ec2, aws.rds);
  const handlerCfn = cloudFormation.attach(countCalls(new CloudFormationClient(clientConfig), 'CloudFormation', apiCalls));
  const handlerEc2 = countCalls(new EC2Client(clientConfig), 'EC2', apiCalls);
  const handlerRds = countCalls(new RDSClient(clientConfig), 'RDS', apiCalls);
  const handlerS3 = countCalls(new S3Client({ ...clientConfig, forcePathStyle: true }), 'S3', apiCalls);

  const notify = makeNotifyHandler({ sns: handlerSns, topicArn: () => inbox.topicArn, config, ledger: handlerLedger });
  const handlers = {
    ingest: makeIngestHandler({ sfn: handlerSfn, ecs: handlerEcs, ledger: handlerLedger, stateMachineArn: () => stateMachineArn, config }),
    diagnose: makeDiagnoseHandler({ ecs: handlerEcs, cloudformation: handlerCfn, ec2: handlerEc2, rds: handlerRds, s3: handlerS3, ledger: handlerLedger, config }),
    remediate: makeRemediateHandler({ ecs: handlerEcs, cloudformation: handlerCfn, ec2: handlerEc2, rds: handlerRds, s3: handlerS3, ledger: handlerLedger, config }),
    checkDeployment: makeCheckDeploymentHandler({ ecs: handlerEcs, cloudformation: handlerCfn }),
    detectDrift: makeDetectDriftHandler({ cloudformation: handlerCfn }),
    notify,
    // Approve mode: RequestApproval's function records the task token and asks on-call; the
    // execution then waits on the token in `callbacks` (what Step Functions does for .waitForTaskToken).
    approval: makeApprovalHandler({ store: new ApprovalRequests({ dynamodb: handlerDynamo, tableName }), notify, config }),
  };
  const callbacks = new LocalCallbacks();

  return {
    aws,
    ledger,
    inbox,
    stateMachineArn,
    handlers,
    crashingRevisions,
    cloudFormation,
    /** Every AWS call the handlers made, in order (`ECS.UpdateService`). */
    apiCalls,
    async executions() {
      const out = await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn }));
      return out.executions ?? [];
    },
    /** Runs an execution moto recorded (its input, as StartExecution stored it) through the real ASL. */
    async runExecution(executionArn: string, onEvent?: (event: EventLog) => void) {
      const execution = await aws.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return runStateMachine(machine, JSON.parse(execution.input ?? '{}'), { handlers, callbacks, ...(onEvent ? { onEvent } : {}) });
    },
    /** The ledger table (approvals live there too). */
    tableName,
    /** Where a running local execution waits on a task token (approve mode). */
    callbacks,
    /** An SFN client for people's commands (`medic approve`): SendTaskSuccess/Failure reach the local execution. */
    decisionSfn: () => answerTaskTokensLocally(new SFNClient(clientConfig), callbacks),
  };
}

export type LocalDeployment = Awaited<ReturnType<typeof deployLocally>>;
