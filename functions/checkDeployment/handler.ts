/**
 * CheckDeployment task: one look at the service. The Verify loop around it (Wait, backoff,
 * deadline branch) is ASL; this only reports what it sees.
 */
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { transientAware } from '../../shared/aws/transient';
import { RemediationError } from '../../shared/errors';
import { logger, traced } from '../../shared/observability';
import type { RunState } from '../../shared/runState';
import { type DeploymentCheck, type DeploymentTarget, evaluateDeployment } from '../../shared/verify/evaluateDeployment';

export function makeCheckDeploymentHandler(deps: { ecs: ECSClient; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return async (input: Pick<RunState, 'incident' | 'remediation'>): Promise<DeploymentCheck> => {
    const { targetTaskDefinitionArn, targetDeploymentId, awayFromTaskDefinitionArn, verifyDeadline } = input.remediation ?? {};
    const target: DeploymentTarget | undefined = targetTaskDefinitionArn
      ? { taskDefinitionArn: targetTaskDefinitionArn, deploymentId: targetDeploymentId }
      : awayFromTaskDefinitionArn
        ? { awayFromTaskDefinitionArn }
        : undefined;
    if (target === undefined || verifyDeadline === undefined) {
      throw new RemediationError('nothing to verify: the remediation named no target revision');
    }
    const { resource } = input.incident;
    if (resource.type !== 'ecs-service') throw new RemediationError(`checkDeployment watches ECS services, not ${resource.type}`);
    const { clusterArn, service } = resource;
    const out = await transientAware('DescribeServices', () => deps.ecs.send(new DescribeServicesCommand({ cluster: clusterArn, services: [service] })));
    const check = evaluateDeployment(out.services?.[0], target, { now: now(), deadline: new Date(verifyDeadline) });
    logger.info('deployment check', { incidentKey: input.incident.key, ...check });
    return check;
  };
}

export const handler = makeCheckDeploymentHandler({ ecs: traced(new ECSClient({})) });
