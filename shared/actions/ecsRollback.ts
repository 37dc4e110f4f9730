/**
 * Action `ecs-rollback`: moves a service back to its last known good revision.
 *
 * When the service belongs to a CloudFormation stack that is mid-update, the stack update
 * is cancelled instead (CancelUpdateStack): CloudFormation then rolls the service back
 * itself, now, rather than after its ~3 hour stabilisation timeout, and the stack stays
 * the source of truth. Otherwise the service is updated directly.
 *
 * Idempotent: a service already on the target revision is reported, not touched.
 */
import { CancelUpdateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ownRequestToken } from '../aws/requestToken';
import { transientAware } from '../aws/transient';
import { RemediationError } from '../errors';
import type { EcsRollbackPlan } from '../planning/plan';
import { isOptedIn, OPT_IN_TAG, protectionOf } from '../policy/scope';
import { describeActiveService, primaryDeploymentRunning, updateService } from './ecsServiceCalls';
import type { ActionDefinition, ActionOutcome } from './types';

export const ecsRollback: ActionDefinition<EcsRollbackPlan> = {
  name: 'ecs-rollback',
  description: 'Roll a service back to its last known good revision (cancelling its CloudFormation update when one is in progress)',
  iamActions: ['ecs:DescribeServices', 'ecs:UpdateService', 'cloudformation:DescribeStacks', 'cloudformation:CancelUpdateStack'],

  describe(plan) {
    const to = plan.toTaskDefinitionArn ?? 'the last known good revision (none recorded yet)';
    const via = plan.stackName
      ? `cancel the update of stack ${plan.stackName} if it is UPDATE_IN_PROGRESS (CloudFormation rolls back), else update`
      : 'update';
    return [`${via} service ${plan.cluster}/${plan.service} from ${plan.fromTaskDefinitionArn} to ${to}`];
  },

  async apply(plan, { ecs, cloudformation }, context): Promise<ActionOutcome> {
    const to = plan.toTaskDefinitionArn;
    if (to === undefined) throw new RemediationError(`no last known good revision for ${plan.cluster}/${plan.service}: nothing safe to roll back to`);
    if (to === plan.fromTaskDefinitionArn) throw new RemediationError(`last known good is the failing revision ${to}: a rollback would change nothing`);

    const service = await describeActiveService(ecs, plan.cluster, plan.service);
    const before = { taskDefinitionArn: plan.fromTaskDefinitionArn };
    if (service.taskDefinition === to) {
      const deploymentId = primaryDeploymentRunning(service, to);
      return { action: 'ecs-rollback', applied: false, dryRun: false, steps: [`already rolled back: service runs ${to}`], before, after: { taskDefinitionArn: to, ...(deploymentId ? { deploymentId } : {}) } };
    }
    if (service.taskDefinition !== plan.fromTaskDefinitionArn) {
      throw new RemediationError(`service ${plan.cluster}/${plan.service} now runs ${service.taskDefinition}, not ${plan.fromTaskDefinitionArn}: refusing to override it`);
    }
    const now = (context.now ?? (() => new Date()))().toISOString();

    if (plan.stackName !== undefined) {
      const stacks = await transientAware('DescribeStacks', () => cloudformation.send(new DescribeStacksCommand({ StackName: plan.stackName })));
      const stack = stacks.Stacks?.[0];
      const status = stack?.StackStatus;
      if (status === 'UPDATE_IN_PROGRESS') {
        // The role may cancel only opted-in stacks (serverless.yml); say so rather than fail on AccessDenied.
        if (!isOptedIn((stack?.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })))) {
          throw new RemediationError(
            `stack ${plan.stackName} is updating the service and is not opted in (tag ${OPT_IN_TAG}=true): cancel it by hand (aws cloudformation cancel-update-stack --stack-name ${plan.stackName})`,
          );
        }
        const protection = protectionOf(plan.stackName, stack?.Tags, { protected: context.protectedResources ?? [] });
        if (protection !== undefined) {
          throw new RemediationError(`stack ${plan.stackName} is updating the service and is protected (${protection}): never touched; cancel it by hand if you decide to`);
        }
        await transientAware('CancelUpdateStack', () =>
          cloudformation.send(new CancelUpdateStackCommand({ StackName: plan.stackName, ClientRequestToken: ownRequestToken(context.incidentKey, new Date()) })),
        );
        return {
          action: 'ecs-rollback',
          applied: true,
          dryRun: false,
          steps: [`cancelled the update of stack ${plan.stackName} (was UPDATE_IN_PROGRESS): CloudFormation rolls service ${plan.cluster}/${plan.service} back now`],
          before,
          // CloudFormation restores the revision of its previous template, which may not be the
          // ledger's last known good: verification waits for "steady, and off the failing revision".
          after: { awayFromTaskDefinitionArn: plan.fromTaskDefinitionArn, via: 'cloudformation', stackName: plan.stackName },
          appliedAt: now,
        };
      }
      if (status === 'UPDATE_ROLLBACK_IN_PROGRESS' || status === 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS') {
        // CloudFormation is already rolling the service back - after our own cancel, when a retried
        // attempt lost its answer. Updating the service now would fight the stack's rollback.
        return {
          action: 'ecs-rollback',
          applied: false,
          dryRun: false,
          steps: [`stack ${plan.stackName} is already rolling back (${status}): CloudFormation rolls service ${plan.cluster}/${plan.service} back; not updating it directly`],
          before,
          after: { awayFromTaskDefinitionArn: plan.fromTaskDefinitionArn, via: 'cloudformation', stackName: plan.stackName },
          appliedAt: now,
        };
      }
      return updateToTarget([
        `stack ${plan.stackName} is ${status ?? 'not found'}, not updating: updated service ${plan.cluster}/${plan.service} to ${to} directly`,
        `stack ${plan.stackName} now drifts from the service until its next deploy`,
      ]);
    }
    return updateToTarget([`rolled service ${plan.cluster}/${plan.service} back from ${plan.fromTaskDefinitionArn} to ${to}${plan.toSource ? ` (${plan.toSource})` : ''}`]);

    async function updateToTarget(steps: string[]): Promise<ActionOutcome> {
      const deploymentId = await updateService(ecs, { cluster: plan.cluster, service: plan.service, taskDefinition: to });
      return { action: 'ecs-rollback', applied: true, dryRun: false, steps, before, after: { taskDefinitionArn: to, ...(deploymentId ? { deploymentId } : {}) }, appliedAt: now };
    }
  },
};
