/** What the local scenarios share: recorded events moved onto seeded resources, and snapshots of a service. */
import { readFileSync } from 'node:fs';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { IngestResult } from '../../../functions/ingest/handler';
import { type ApiCallLog, LOCAL_ACCOUNT, LOCAL_REGION } from '../localAws';
import type { LocalDeployment } from '../localDeployment';
import type { EventLog } from '../localStateMachine';
import type { ScenarioResult } from './oomScenario';
import { type RecordedEvent, retargetTaskEvent } from '../seedEcsService';

export interface SizeSnapshot {
  taskDefinitionArn: string;
  revision: number;
  image: string | undefined;
  cpu: string | undefined;
  taskMemory: string | undefined;
  containerMemory: number | undefined;
}

/** A recorded event from test/fixtures/events, moved onto the local account's resources. */
export function recordedTaskEvent(
  fixture: string,
  target: { clusterArn: string; service: string; taskDefinitionArn: string; containerName: string; taskId?: string; eventId?: string },
): RecordedEvent {
  const recorded = JSON.parse(readFileSync(`test/fixtures/events/${fixture}.json`, 'utf8')) as RecordedEvent;
  const event = retargetTaskEvent(recorded, { account: LOCAL_ACCOUNT, region: LOCAL_REGION, ...target });
  return target.eventId ? { ...event, id: target.eventId } : event;
}

export function startedExecutionArn(deliveries: IngestResult[]): string {
  for (const d of deliveries) if (d.outcome === 'started' && d.executionArn) return d.executionArn;
  throw new Error(`ingest started no execution: ${JSON.stringify(deliveries)}`);
}

export async function snapshot(ecs: ECSClient, cluster: string, service: string): Promise<SizeSnapshot> {
  const services = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  const arn = services.services?.[0]?.taskDefinition ?? '';
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
  return {
    taskDefinitionArn: arn,
    revision: taskDefinition?.revision ?? 0,
    image: taskDefinition?.containerDefinitions?.[0]?.image,
    cpu: taskDefinition?.cpu,
    taskMemory: taskDefinition?.memory,
    containerMemory: taskDefinition?.containerDefinitions?.[0]?.memory,
  };
}

/** A recorded service-level event (deployment, service action) moved onto a seeded service. */
export function recordedServiceEvent(fixture: string, target: { serviceArn: string; clusterArn: string; time?: string }): RecordedEvent {
  const recorded = JSON.parse(readFileSync(`test/fixtures/events/${fixture}.json`, 'utf8')) as RecordedEvent & { time: string };
  const detail = { ...recorded.detail, ...('clusterArn' in recorded.detail ? { clusterArn: target.clusterArn } : {}) };
  return { ...recorded, account: LOCAL_ACCOUNT, region: LOCAL_REGION, resources: [target.serviceArn], detail, ...(target.time ? { time: target.time } : {}) };
}

/**
 * The end of an ECS scenario: run the execution ingest started through the real ASL, then
 * read back what changed - the service, the alerts, and every AWS call made since `callsBefore`.
 */
export async function runAndCollect(
  local: LocalDeployment,
  options: { deliveries: IngestResult[]; before: SizeSnapshot; cluster: string; service: string; callsBefore: number; onEvent?: ((event: EventLog) => void) | undefined },
): Promise<ScenarioResult & { calls: ApiCallLog }> {
  const run = await local.runExecution(startedExecutionArn(options.deliveries), options.onEvent);
  const calls = local.apiCalls.slice(options.callsBefore);
  return {
    deliveries: options.deliveries,
    executionsStarted: (await local.executions()).length,
    run,
    before: options.before,
    after: await snapshot(local.aws.ecs, options.cluster, options.service),
    alerts: await local.inbox.receive(),
    apiCalls: calls.map((c) => c.call),
    calls,
  };
}
