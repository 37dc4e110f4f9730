/**
 * The foundation scenario, end to end against a local AWS endpoint: a Fargate service
 * whose new revision runs out of memory. A real-shaped `ECS Task State Change` event goes
 * through the real ingest handler (StartExecution on moto), then the execution input moto
 * recorded runs through the real ASL with every Task bound to the real handler, whose SDK
 * calls all go to moto. Alerts are read back from an SQS queue subscribed to the topic.
 *
 * Used by `medic demo` and by test/integration/demo-oom.test.ts, so the demo is tested.
 */
import { readFileSync } from 'node:fs';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { makeCheckDeploymentHandler } from '../../../functions/checkDeployment/handler';
import { makeDiagnoseHandler } from '../../../functions/diagnose/handler';
import { type IngestResult, makeIngestHandler } from '../../../functions/ingest/handler';
import { makeNotifyHandler } from '../../../functions/notify/handler';
import { makeRemediateHandler } from '../../../functions/remediate/handler';
import { loadConfig, type Mode } from '../../../shared/config';
import { type ReceivedAlert, createAlertTopicWithInbox } from '../alertInbox';
import { simulateEcsScheduler } from '../ecsSchedulerSimulator';
import { LOCAL_ACCOUNT, LOCAL_REGION, localClientConfig, localClients } from '../localAws';
import { type EventLog, loadStateMachine, type RunResult, runStateMachine } from '../localStateMachine';
import { type RecordedEvent, retargetTaskEvent, seedEcsService } from '../seedEcsService';

export const REMEDIATION_ASL = 'statemachines/remediation.asl.yaml';
export const OOM_EVENT = 'test/fixtures/events/ecs-task-stopped-oom-fargate.json';

export interface OomScenarioOptions {
  endpoint: string;
  mode?: Mode;
  /** Resource names; tests pass unique ones because they share one moto_server. */
  names?: { cluster: string; service: string; topic: string; stateMachine: string };
  onEvent?: (event: EventLog) => void;
  onStep?: (line: string) => void;
}

export interface SizeSnapshot {
  taskDefinitionArn: string;
  revision: number;
  cpu: string | undefined;
  taskMemory: string | undefined;
  containerMemory: number | undefined;
}

export interface OomScenarioResult {
  deliveries: IngestResult[];
  executionsStarted: number;
  run: RunResult;
  before: SizeSnapshot;
  after: SizeSnapshot;
  alerts: ReceivedAlert[];
}

export async function runOomScenario(options: OomScenarioOptions): Promise<OomScenarioResult> {
  const names = options.names ?? { cluster: 'prod', service: 'checkout-api', topic: 'deploy-medic-demo-alerts', stateMachine: 'deploy-medic-demo-remediation' };
  const say = options.onStep ?? (() => {});
  const mode = options.mode ?? 'auto';
  const aws = localClients(options.endpoint);
  const config = () => loadConfig({ STAGE: 'demo', MEDIC_MODE: mode });

  // 1. The account as it is when the incident happens.
  const seeded = await seedEcsService(aws.ecs, {
    cluster: names.cluster,
    service: names.service,
    family: names.service,
    images: [`${LOCAL_ACCOUNT}.dkr.ecr.${LOCAL_REGION}.amazonaws.com/${names.service}:v1.41.0`, `${LOCAL_ACCOUNT}.dkr.ecr.${LOCAL_REGION}.amazonaws.com/${names.service}:v1.42.0`],
    desiredCount: 2,
  });
  const failing = seeded.taskDefinitionArns.at(-1) ?? '';
  say(`seeded cluster ${names.cluster}, service ${names.service} on ${failing} (Fargate 256 CPU / 512 MiB), desired 2`);
  const inbox = await createAlertTopicWithInbox(aws.sns, aws.sqs, names.topic);
  const machine = loadStateMachine(REMEDIATION_ASL);
  const stateMachine = await aws.sfn.send(
    new CreateStateMachineCommand({
      name: names.stateMachine,
      definition: JSON.stringify(machine.definition),
      roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/deploy-medic-remediation`,
      type: 'STANDARD',
    }),
  );
  const stateMachineArn = stateMachine.stateMachineArn ?? '';
  say(`created alerts topic ${inbox.topicArn} (an SQS inbox subscribed) and state machine ${stateMachineArn}`);

  // 2. ECS reports the task killed for memory - delivered twice (EventBridge is at-least-once),
  //    and a second task of the same bad revision stops too.
  const recorded = JSON.parse(readFileSync(OOM_EVENT, 'utf8')) as RecordedEvent;
  const target = {
    account: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    clusterArn: seeded.clusterArn,
    service: names.service,
    taskDefinitionArn: failing,
    containerName: names.service,
  };
  const event = retargetTaskEvent(recorded, target);
  const secondTask = retargetTaskEvent({ ...recorded, id: `${recorded.id}-2` }, { ...target, taskId: '0d7c5e9b2a4f4e13b8c6a1f9e3d2b7c4' });
  const ingest = makeIngestHandler({ sfn: aws.sfn, stateMachineArn: () => stateMachineArn, config });
  const deliveries = [await ingest(event), await ingest(event), await ingest(secondTask)];
  for (const d of deliveries) say(`ingest: ${d.outcome.padEnd(9)} ${'executionName' in d ? `execution ${d.executionName}` : ''}`);
  const executions = await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn }));
  const started = deliveries.find((d) => d.outcome === 'started');
  const executionArn = started && 'executionArn' in started ? started.executionArn : undefined;
  if (executionArn === undefined) throw new Error(`ingest started no execution: ${JSON.stringify(deliveries)}`);

  // 3. Run the execution moto recorded through the real ASL and handlers. moto does not run
  //    ECS tasks, so a scheduler simulator answers DescribeServices as a rollout would.
  const execution = await aws.sfn.send(new DescribeExecutionCommand({ executionArn }));
  const before = await snapshot(aws.ecs, names.cluster, names.service);
  const handlerEcs = simulateEcsScheduler(new ECSClient(localClientConfig(options.endpoint)), { crashingRevisions: new Set([failing]) });
  const run = await runStateMachine(machine, JSON.parse(execution.input ?? '{}'), {
    handlers: {
      diagnose: makeDiagnoseHandler({ ecs: handlerEcs, config }),
      remediate: makeRemediateHandler({ ecs: handlerEcs, cloudformation: aws.cloudformation, config }),
      checkDeployment: makeCheckDeploymentHandler({ ecs: handlerEcs }),
      notify: makeNotifyHandler({ sns: aws.sns, topicArn: () => inbox.topicArn, config }),
    },
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });

  return {
    deliveries,
    executionsStarted: executions.executions?.length ?? 0,
    run,
    before,
    after: await snapshot(aws.ecs, names.cluster, names.service),
    alerts: await inbox.receive(),
  };
}

async function snapshot(ecs: ECSClient, cluster: string, service: string): Promise<SizeSnapshot> {
  const services = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  const arn = services.services?.[0]?.taskDefinition ?? '';
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
  return {
    taskDefinitionArn: arn,
    revision: taskDefinition?.revision ?? 0,
    cpu: taskDefinition?.cpu,
    taskMemory: taskDefinition?.memory,
    containerMemory: taskDefinition?.containerDefinitions?.[0]?.memory,
  };
}
