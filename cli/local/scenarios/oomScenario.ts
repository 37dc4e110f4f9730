/**
 * Scenario "oom": a Fargate service whose new revision runs out of memory. A real-shaped
 * `ECS Task State Change` event (delivered twice, plus a second task of the same revision)
 * goes through the real ingest handler; the one execution it starts runs through the real
 * ASL and handlers, all AWS calls to moto; alerts are read back from the topic's inbox.
 *
 * Used by `medic demo` and test/integration/oom-end-to-end.test.ts, so the demo is tested.
 */
import type { IngestResult } from '../../../functions/ingest/handler';
import type { Mode } from '../../../shared/config';
import type { ReceivedAlert } from '../alertInbox';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../localAws';
import { deployLocally } from '../localDeployment';
import type { EventLog, RunResult } from '../localStateMachine';
import { type SeededService, seedEcsService } from '../seedEcsService';
import { recordedTaskEvent, runAndCollect, type SizeSnapshot, snapshot } from './scenarioKit';

export interface ScenarioOptions {
  endpoint: string;
  mode?: Mode;
  /** Resource name suffix; tests pass a unique one because they share one moto_server. */
  name?: string;
  onEvent?: (event: EventLog) => void;
  onStep?: (line: string) => void;
}

export interface ScenarioResult {
  deliveries: IngestResult[];
  executionsStarted: number;
  run: RunResult;
  before: SizeSnapshot;
  after: SizeSnapshot;
  alerts: ReceivedAlert[];
  /** Every AWS call the handlers made for the incident (ingest included), in order. */
  apiCalls: string[];
}

export async function runOomScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const say = options.onStep ?? (() => {});
  const name = options.name ?? 'demo';
  const cluster = name === 'demo' ? 'prod' : `c-${name}`;
  const service = name === 'demo' ? 'checkout-api' : `svc-${name}`;
  const local = await deployLocally({ endpoint: options.endpoint, mode: options.mode ?? 'auto', name });
  const seeded: SeededService = await seedEcsService(local.aws.ecs, {
    cluster,
    service,
    family: service,
    images: [`${LOCAL_ACCOUNT}.dkr.ecr.${LOCAL_REGION}.amazonaws.com/${service}:v1.41.0`, `${LOCAL_ACCOUNT}.dkr.ecr.${LOCAL_REGION}.amazonaws.com/${service}:v1.42.0`],
    desiredCount: 2,
  });
  const failing = seeded.taskDefinitionArns.at(-1) ?? '';
  local.crashingRevisions.add(failing);
  say(`seeded cluster ${cluster}, service ${service} on ${failing} (Fargate 256 CPU / 512 MiB), desired 2`);
  say(`deployed locally: ledger table, alerts topic ${local.inbox.topicArn} (an SQS inbox subscribed), state machine ${local.stateMachineArn}`);

  // ECS reports the task killed for memory - delivered twice (EventBridge is at-least-once) -
  // and a second task of the same bad revision stops too.
  const target = { clusterArn: seeded.clusterArn, service, taskDefinitionArn: failing, containerName: service };
  const event = recordedTaskEvent('ecs-task-stopped-oom-fargate', target);
  const secondTask = recordedTaskEvent('ecs-task-stopped-oom-fargate', { ...target, taskId: '0d7c5e9b2a4f4e13b8c6a1f9e3d2b7c4', eventId: 'second-task' });
  const callsBefore = local.apiCalls.length;
  const deliveries = [await local.handlers.ingest(event), await local.handlers.ingest(event), await local.handlers.ingest(secondTask)];
  for (const d of deliveries) say(`ingest: ${d.outcome.padEnd(9)} ${'executionName' in d ? `execution ${d.executionName}` : ''}`);

  const before = await snapshot(local.aws.ecs, cluster, service);
  const { calls: _, ...result } = await runAndCollect(local, { deliveries, before, cluster, service, callsBefore, onEvent: options.onEvent });
  return result;
}
