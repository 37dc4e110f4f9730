/**
 * A Fargate service seeded on moto (revisions 1 and 2, running 2) and the incident of its
 * revision 2 killed for memory: the recorded `ecs-task-stopped-oom-fargate` event moved onto it,
 * parsed, and turned into the incident the way ingest does. Each call gets its own names
 * (`c-<id>`, `svc-<id>`), since the tests share one moto_server.
 *
 * @example
 * const { id, seeded, event, incident } = await oomIncidentOnMoto(localClients(endpoint).ecs);
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../cli/local/localAws';
import { type RecordedEvent, retargetTaskEvent, seedEcsService } from '../../cli/local/seedEcsService';
import { parseEvent } from '../../shared/events/parseEvent';
import { type EcsServiceIncident, incidentFromTaskEvent } from '../../shared/incident';
import { fixture } from './fixtures';

export async function oomIncidentOnMoto(ecs: ECSClient) {
  const id = Math.random().toString(36).slice(2, 8);
  const seeded = await seedEcsService(ecs, { cluster: `c-${id}`, service: `svc-${id}`, family: `svc-${id}`, images: ['app:1', 'app:2'] });
  const event = retargetTaskEvent(fixture<RecordedEvent>('events/ecs-task-stopped-oom-fargate.json'), {
    account: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    clusterArn: seeded.clusterArn,
    service: `svc-${id}`,
    taskDefinitionArn: seeded.taskDefinitionArns[1]!,
    containerName: `svc-${id}`,
  });
  const parsed = parseEvent(event);
  if (parsed.kind !== 'ecs-task-state-change') throw new Error('the oom fixture is not an ECS Task State Change');
  const incident: EcsServiceIncident = incidentFromTaskEvent(parsed.event)!;
  return { id, seeded, event, incident };
}
