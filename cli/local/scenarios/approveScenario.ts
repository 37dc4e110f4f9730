/**
 * Scenario "approve": the OOM incident of the oom scenario, in approve mode. The execution
 * proposes its plan (a dry run), records the task token in the ledger, alerts on-call with the
 * steps it would take, and waits; on-call answers with the real `medic approve` code (the caller
 * from STS, the decision claimed in the ledger, SendTaskSuccess to the waiting execution), and
 * the run goes on as in auto mode. Nothing is written to ECS before the decision.
 *
 * Used by `medic demo` and test/integration/approve-end-to-end.test.ts, so the demo is tested.
 */
import { STSClient } from '@aws-sdk/client-sts';
import { runDecision } from '../../commands/approve';
import { ApprovalStore } from '../../../shared/approval/approvalStore';
import { LOCAL_ACCOUNT, LOCAL_REGION, localClientConfig } from '../localAws';
import { deployLocally } from '../localDeployment';
import { seedEcsService } from '../seedEcsService';
import type { ScenarioOptions, ScenarioResult } from './oomScenario';
import { recordedTaskEvent, snapshot, startedExecutionArn } from './scenarioKit';

export interface ApproveResult extends ScenarioResult {
  /** What on-call was asked: the dry-run steps, until when. */
  asked: { action: string; steps: string[]; deadline: string };
  /** What `medic approve` printed. */
  decision: string[];
  /** ECS writes made before the decision (must be none). */
  writesBeforeDecision: string[];
}

export async function runApproveScenario(options: ScenarioOptions): Promise<ApproveResult> {
  const say = options.onStep ?? (() => {});
  const name = options.name ?? 'demo-approve';
  const cluster = `c-${name}`;
  // Its own service and family (the container is named after the family): the demo runs every scenario in one moto.
  const service = name === 'demo-approve' ? 'orders-api' : `svc-${name}`;
  const local = await deployLocally({ endpoint: options.endpoint, mode: 'approve', name });
  const seeded = await seedEcsService(local.aws.ecs, {
    cluster,
    service,
    family: service,
    images: [`${LOCAL_ACCOUNT}.dkr.ecr.${LOCAL_REGION}.amazonaws.com/${service}:v1.41.0`, `${LOCAL_ACCOUNT}.dkr.ecr.${LOCAL_REGION}.amazonaws.com/${service}:v1.42.0`],
    desiredCount: 2,
  });
  const failing = seeded.taskDefinitionArns.at(-1) ?? '';
  local.crashingRevisions.add(failing);
  say(`seeded cluster ${cluster}, service ${service} on ${failing}, desired 2; stage mode: approve`);

  const event = recordedTaskEvent('ecs-task-stopped-oom-fargate', { clusterArn: seeded.clusterArn, service, taskDefinitionArn: failing, containerName: service });
  const callsBefore = local.apiCalls.length;
  const deliveries = [await local.handlers.ingest(event)];
  say(`ingest: ${deliveries[0]!.outcome}`);
  const before = await snapshot(local.aws.ecs, cluster, service);

  const running = local.runExecution(startedExecutionArn(deliveries), options.onEvent);
  // Until the execution waits on its task token: the request is recorded and on-call alerted.
  await local.callbacks.nextWaiting();
  const started = deliveries[0]!;
  if (started.outcome !== 'started') throw new Error(`ingest did not start the incident: ${JSON.stringify(started)}`);
  const incidentKey = started.incidentKey;
  const pending = await new ApprovalStore({ dynamodb: local.aws.dynamodb, tableName: local.tableName }).get(incidentKey);
  if (pending === undefined) throw new Error('the execution waits, but no approval was recorded');
  const writesBeforeDecision = local.apiCalls.slice(callsBefore).filter((c) => /^ECS\.(RegisterTaskDefinition|UpdateService)$/.test(c.call)).map((c) => c.call);
  say(`waiting for approval until ${pending.deadline}: ${pending.action} (${pending.steps.length} step(s) proposed, nothing written)`);

  // On-call answers, with the command they would type: medic approve KEY --reason ...
  const decision: string[] = [];
  const config = localClientConfig(options.endpoint);
  const code = await runDecision('approved', [incidentKey, '--reason', 'demo: the resize is safe', '--table', local.tableName], {
    sfn: local.decisionSfn(),
    sts: new STSClient(config),
    dynamodb: local.aws.dynamodb,
    cloudformation: undefined as never, // --table given: no stack lookup
    out: (line) => decision.push(line),
    err: (line) => decision.push(line),
    now: () => new Date(),
  });
  for (const line of decision) say(`medic approve (exit ${code}): ${line}`);

  const run = await running;
  return {
    deliveries,
    executionsStarted: (await local.executions()).length,
    run,
    before,
    after: await snapshot(local.aws.ecs, cluster, service),
    alerts: await local.inbox.receive(),
    apiCalls: local.apiCalls.slice(callsBefore).map((c) => c.call),
    asked: { action: pending.action, steps: pending.steps, deadline: pending.deadline },
    decision,
    writesBeforeDecision,
  };
}
