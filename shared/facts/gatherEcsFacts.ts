/**
 * Read-only fact gathering for an ECS incident: the service as it is now, the revision
 * that failed, what the ledger remembers as last known good (and that revision, to diff
 * against), and the service's target groups (to check ports). Used by the Diagnose task
 * and by `medic diagnose` online.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, type ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { transientAware } from '../aws/transient';
import type { EcsFacts } from '../diagnosis/ecs/diagnoseStoppedTask';
import type { EcsServiceIncident } from '../incident';
import type { LedgerReader } from '../ledger/ledgerReader';

export interface FactSources {
  ecs: ECSClient;
  ledger?: LedgerReader;
  elbv2?: ElasticLoadBalancingV2Client;
}

/**
 * @example
 * const facts = await gatherEcsFacts({ ecs, ledger, elbv2 }, incident);
 * // { service, taskDefinition, lastKnownGood, lastGoodTaskDefinition, targetGroups }
 */
/** How many stopped tasks to read for a service-level incident: enough to see a pattern, few enough to stay fast. */
const STOPPED_TASKS_READ = 5;

export async function gatherEcsFacts(sources: FactSources, incident: EcsServiceIncident, options: { stoppedTasks?: boolean } = {}): Promise<EcsFacts> {
  const { ecs, ledger, elbv2 } = sources;
  const [services, taskDefinition, lastKnownGood] = await Promise.all([
    transientAware('DescribeServices', () =>
      ecs.send(new DescribeServicesCommand({ cluster: incident.resource.clusterArn, services: [incident.resource.service], include: ['TAGS'] })),
    ),
    describeTaskDefinition(ecs, incident.deployment.taskDefinitionArn),
    ledger?.lastKnownGood(incident.resource),
  ]);
  const service = services.services?.[0] ?? null;
  const lastGoodArn =
    lastKnownGood?.taskDefinitionArn ??
    service?.deployments?.find((d) => d.status === 'ACTIVE' && d.rolloutState === 'COMPLETED')?.taskDefinition;
  const targetGroupArns = (service?.loadBalancers ?? []).flatMap((lb) => (lb.targetGroupArn ? [lb.targetGroupArn] : []));

  const [lastGoodTaskDefinition, targetGroups, stoppedTasks] = await Promise.all([
    lastGoodArn && lastGoodArn !== incident.deployment.taskDefinitionArn ? describeTaskDefinition(ecs, lastGoodArn) : undefined,
    elbv2 && targetGroupArns.length > 0
      ? transientAware('DescribeTargetGroups', () => elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: targetGroupArns })))
      : undefined,
    options.stoppedTasks ? stoppedTasksOf(ecs, incident) : undefined,
  ]);
  return {
    service,
    taskDefinition: taskDefinition ?? null,
    ...(ledger ? { lastKnownGood: lastKnownGood ?? null } : {}),
    ...(lastGoodTaskDefinition ? { lastGoodTaskDefinition } : {}),
    ...(targetGroups?.TargetGroups ? { targetGroups: targetGroups.TargetGroups } : {}),
    ...(stoppedTasks ? { stoppedTasks } : {}),
  };
}

/** The service's recently stopped tasks of the failing revision (ECS keeps stopped tasks for about an hour). */
async function stoppedTasksOf(ecs: ECSClient, incident: EcsServiceIncident) {
  const { clusterArn, service } = incident.resource;
  const listed = await transientAware('ListTasks', () =>
    ecs.send(new ListTasksCommand({ cluster: clusterArn, serviceName: service, desiredStatus: 'STOPPED', maxResults: 100 })),
  );
  const arns = listed.taskArns ?? [];
  if (arns.length === 0) return [];
  const described = await transientAware('DescribeTasks', () => ecs.send(new DescribeTasksCommand({ cluster: clusterArn, tasks: arns.slice(0, 100) })));
  return (described.tasks ?? []).filter((t) => t.taskDefinitionArn === incident.deployment.taskDefinitionArn).slice(0, STOPPED_TASKS_READ);
}

async function describeTaskDefinition(ecs: ECSClient, arn: string) {
  const out = await transientAware('DescribeTaskDefinition', () => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] })));
  return out.taskDefinition;
}
