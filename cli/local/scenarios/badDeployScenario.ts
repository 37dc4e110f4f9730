/**
 * Scenarios "bad-deploy" and "retry-rollback": a service running a good revision (ECS said
 * SERVICE_STEADY_STATE, so the ledger holds it as last known good) gets a new revision whose
 * tasks cannot start.
 *
 *  - bad-deploy: the image tag does not exist (IMAGE_PULL, permanent). The second failed
 *    launch trips fail-fast; the service is rolled back to the last known good revision
 *    without waiting for the circuit breaker.
 *  - retry-rollback: the registry throttles pulls (IMAGE_PULL, transient). The revision is
 *    redeployed with backoff; when every attempt fails as well, the plan's fallback rolls
 *    back to the last known good revision.
 *
 * Real handlers, real ASL, every AWS call to moto; rollouts reported by the scheduler simulator.
 */
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { IngestResult } from '../../../functions/ingest/handler';
import { circuitBreakerThreshold } from '../../../shared/policy/failFast';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../localAws';
import { deployLocally } from '../localDeployment';
import { fargateTaskDefinition, seedEcsService } from '../seedEcsService';
import type { ScenarioOptions, ScenarioResult } from './oomScenario';
import { recordedServiceEvent, recordedTaskEvent, runAndCollect, snapshot } from './scenarioKit';

export interface BadDeployResult extends ScenarioResult {
  /** Failed launches of the bad revision delivered before the execution started. */
  failedLaunchesBeforeRollback: number;
  /** What the ECS circuit breaker would have needed for the same desired count. */
  circuitBreakerThreshold: number;
  desiredCount: number;
  /** From the decisive event reaching ingest to the remediation's first write call, in ms (locally, moto). */
  processingMs: number;
}

export type BadDeployCause = 'image-missing' | 'registry-throttled';

/** The calls that change the service: the first one is "the first remediation call". */
const WRITES = new Set(['ECS.UpdateService', 'ECS.RegisterTaskDefinition', 'CloudFormation.CancelUpdateStack']);

const FIXTURE: Record<BadDeployCause, string> = {
  'image-missing': 'ecs-task-stopped-image-pull-not-found',
  'registry-throttled': 'ecs-task-stopped-image-pull-throttled',
};

export async function runBadDeployScenario(options: ScenarioOptions & { cause: BadDeployCause; desiredCount?: number }): Promise<BadDeployResult> {
  const say = options.onStep ?? (() => {});
  const name = options.name ?? `demo-${options.cause}`;
  const cluster = options.name ? `c-${name}` : 'prod';
  const service = options.name ? `svc-${name}` : options.cause === 'image-missing' ? 'payments-api' : 'search-api';
  const desiredCount = options.desiredCount ?? 2;
  const local = await deployLocally({ endpoint: options.endpoint, mode: options.mode ?? 'auto', name });
  const image = (tag: string) => `${LOCAL_ACCOUNT}.dkr.ecr.${LOCAL_REGION}.amazonaws.com/${service}:${tag}`;

  // 1. A healthy service; ECS reports it steady, and the ledger records its revision as good.
  const seeded = await seedEcsService(local.aws.ecs, { cluster, service, family: service, images: [image('v2.7.0')], desiredCount });
  const good = seeded.taskDefinitionArns[0] ?? '';
  const steady = await local.handlers.ingest(recordedServiceEvent('ecs-service-steady-state', { serviceArn: seeded.serviceArn, clusterArn: seeded.clusterArn }));
  say(`seeded ${cluster}/${service} on ${good}, desired ${desiredCount}; SERVICE_STEADY_STATE -> ingest: ${steady.outcome}`);

  // 2. CI deploys a new revision whose tasks cannot start.
  const registered = await local.aws.ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition(service, image('v2.8.0'))));
  const bad = registered.taskDefinition?.taskDefinitionArn ?? '';
  local.crashingRevisions.add(bad);
  await local.aws.ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition: bad }));
  say(`CI deployed ${bad}: its tasks stop with ${options.cause === 'image-missing' ? 'CannotPullContainerError ... manifest ... not found' : 'toomanyrequests'}`);

  // 3. Its tasks stop, one after another, until fail-fast trips.
  const callsBefore = local.apiCalls.length;
  const deliveries: IngestResult[] = [];
  const before = await snapshot(local.aws.ecs, cluster, service);
  let decisiveAt = 0;
  for (let i = 0; i < desiredCount * 10 && !deliveries.some((d) => d.outcome === 'started'); i++) {
    const event = recordedTaskEvent(FIXTURE[options.cause], {
      clusterArn: seeded.clusterArn,
      service,
      taskDefinitionArn: bad,
      containerName: service,
      taskId: `${String(i + 1).padStart(4, '0')}a1b2c3d4e5f60718293a4b5c6d7e8f`,
      eventId: `${options.cause}-task-${i + 1}`,
    });
    decisiveAt = performance.now();
    const result = await local.handlers.ingest(event);
    deliveries.push(result);
    say(`task ${i + 1} stopped -> ingest: ${result.outcome}${'reason' in result ? ` (${result.reason})` : ''}`);
  }
  const failedLaunchesBeforeRollback = deliveries.length;

  // 4. The execution runs: diagnose, alert, remediate, verify.
  const { calls, ...result } = await runAndCollect(local, { deliveries, before, cluster, service, callsBefore, onEvent: options.onEvent });
  const firstWrite = calls.find((c) => WRITES.has(c.call));
  return {
    ...result,
    failedLaunchesBeforeRollback,
    circuitBreakerThreshold: circuitBreakerThreshold(desiredCount),
    desiredCount,
    processingMs: firstWrite ? firstWrite.at - decisiveAt : Number.NaN,
  };
}
