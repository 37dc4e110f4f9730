/**
 * Action `ecs-redeploy`: starts a fresh deployment of the same revision (forceNewDeployment).
 * For transient causes - a throttled registry, a network blip, capacity that comes back -
 * where the revision is fine and launching again is the fix. The state machine repeats it
 * with backoff (plan.retry) and then falls back (plan.fallback).
 */
import { RemediationError } from '../errors';
import type { EcsRedeployPlan } from '../planning/plan';
import { describeActiveService, updateService } from './ecsServiceCalls';
import type { ActionDefinition, ActionOutcome } from './types';

export const ecsRedeploy: ActionDefinition<EcsRedeployPlan> = {
  name: 'ecs-redeploy',
  description: 'Start a new deployment of the same revision (forceNewDeployment)',
  iamActions: ['ecs:DescribeServices', 'ecs:UpdateService'],

  describe(plan) {
    return [`start a new deployment of ${plan.taskDefinitionArn} on service ${plan.cluster}/${plan.service} (forceNewDeployment)`];
  },

  async apply(plan, { ecs }, context): Promise<ActionOutcome> {
    const service = await describeActiveService(ecs, plan.cluster, plan.service);
    if (service.taskDefinition !== plan.taskDefinitionArn) {
      throw new RemediationError(`service ${plan.cluster}/${plan.service} now runs ${service.taskDefinition}, not ${plan.taskDefinitionArn}: not redeploying`);
    }
    const deploymentId = await updateService(ecs, { cluster: plan.cluster, service: plan.service, forceNewDeployment: true });
    return {
      action: 'ecs-redeploy',
      applied: true,
      dryRun: false,
      steps: [`started a new deployment${deploymentId ? ` ${deploymentId}` : ''} of ${plan.taskDefinitionArn} on ${plan.cluster}/${plan.service}`],
      before: { taskDefinitionArn: plan.taskDefinitionArn },
      after: { taskDefinitionArn: plan.taskDefinitionArn, ...(deploymentId ? { deploymentId } : {}) },
      appliedAt: (context.now ?? (() => new Date()))().toISOString(),
    };
  },
};
