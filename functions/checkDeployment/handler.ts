/**
 * CheckDeployment task: one look at what the remediation changed - the service's rollout, or
 * the stack's status. The Verify loop around it (Wait, backoff, deadline branch) is ASL; this
 * only reports what it sees. It writes nothing: the run's end (Notify) closes the incident record
 * and frees the concurrency slot, at every ending, in one call.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { transientAware } from '../../shared/aws/transient';
import { RemediationError } from '../../shared/errors';
import { instrumentHandler } from '../../shared/instrumentHandler';
import { logger, traced } from '../../shared/observability';
import type { RemediationResult, RunState } from '../../shared/runState';
import { type DeploymentCheck, type DeploymentTarget, evaluateDeployment } from '../../shared/verify/evaluateDeployment';
import { evaluateStack } from '../../shared/verify/evaluateStack';

export function makeCheckDeploymentHandler(deps: { ecs: ECSClient; cloudformation: CloudFormationClient; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const checkDeployment = async (input: Pick<RunState, 'incident' | 'remediation'>): Promise<DeploymentCheck> => {
    const remediation: RemediationResult | undefined = input.remediation;
    if (remediation?.verifyDeadline === undefined) throw new RemediationError('nothing to verify: the remediation set no deadline');
    const clock = { now: now(), deadline: new Date(remediation.verifyDeadline) };
    const { resource } = input.incident;

    let check: DeploymentCheck;
    if (resource.type === 'cfn-stack') {
      if (remediation.targetStackStatus === undefined) throw new RemediationError('nothing to verify: the remediation named no stack status');
      const out = await transientAware('DescribeStacks', () => deps.cloudformation.send(new DescribeStacksCommand({ StackName: resource.stackId })));
      check = evaluateStack(out.Stacks?.[0], remediation.targetStackStatus, clock);
    } else {
      const target = deploymentTarget(remediation);
      if (target === undefined) throw new RemediationError('nothing to verify: the remediation named no target revision');
      const out = await transientAware('DescribeServices', () =>
        deps.ecs.send(new DescribeServicesCommand({ cluster: resource.clusterArn, services: [resource.service] })),
      );
      check = evaluateDeployment(out.services?.[0], target, clock);
    }
    logger.info('deployment check', { ...check });
    return check;
  };
  return instrumentHandler('checkDeployment', checkDeployment, {
    incidentKeyOf: (input) => input.incident.key,
    annotationsOf: (input, check) => ({ action: input.remediation?.action, outcome: check?.status }),
  });
}

function deploymentTarget(remediation: RemediationResult): DeploymentTarget | undefined {
  if (remediation.targetTaskDefinitionArn) return { taskDefinitionArn: remediation.targetTaskDefinitionArn, deploymentId: remediation.targetDeploymentId };
  if (remediation.awayFromTaskDefinitionArn) return { awayFromTaskDefinitionArn: remediation.awayFromTaskDefinitionArn };
  return undefined;
}

export const handler = makeCheckDeploymentHandler({
  ecs: traced(new ECSClient({})),
  cloudformation: traced(new CloudFormationClient({})),
});
