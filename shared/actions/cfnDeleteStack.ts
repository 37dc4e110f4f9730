/**
 * Action `cfn-delete-stack`: delete a stack - the fallback once cleanup is spent, keeping the
 * resources that still fail to delete (RetainResources, valid only for a DELETE_FAILED stack),
 * and saying exactly what was retained, so it can be followed up. Also deletes a stack that
 * never got created (ROLLBACK_COMPLETE), which CloudFormation cannot update - first deleting
 * the proven orphans of an earlier stack of the same name that would make the next create
 * clash again (shared/cleanup/clashingOrphans.ts holds the proof).
 */
import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { ownRequestToken } from '../aws/requestToken';
import { transientAware } from '../aws/transient';
import type { CfnDeleteStackPlan } from '../planning/plan';
import { describeStack, stackResources } from './cfnStackCalls';
import { type ClashingOrphan, ORPHAN_TYPES } from '../cleanup/clashingOrphans';
import { ORPHAN_REMOVERS } from '../cleanup/removeClashingOrphan';
import type { ActionClients, ActionDefinition, ActionOutcome } from './types';

/** Refusals that leave the orphan in place: it is in use after all. The create will clash; the alert says so. */
const ORPHAN_IN_USE = new Set(['DependencyViolation', 'InvalidDBSubnetGroupStateFault']);

export const cfnDeleteStack: ActionDefinition<CfnDeleteStackPlan> = {
  name: 'cfn-delete-stack',
  description: 'Delete a stack, retaining the resources that still fail to delete',
  iamActions: [
    'cloudformation:DescribeStacks',
    'cloudformation:DescribeStackResources',
    'cloudformation:DeleteStack',
    ...Object.values(ORPHAN_REMOVERS).flatMap((t) => t.iamActions),
  ],

  describe(plan) {
    return [
      ...(plan.clearOrphans ?? []).map((o) => `delete ${orphanLine(o)}: it would clash when the stack is created again`),
      plan.retainFailed ? `delete stack ${plan.stackName}, retaining the resources still in DELETE_FAILED` : `delete stack ${plan.stackName}`,
      ...(plan.orphansLeft ?? []),
    ];
  },

  async apply(plan, clients, context): Promise<ActionOutcome> {
    const { cloudformation } = clients;
    const now = context.now ?? (() => new Date());
    const stack = await describeStack(cloudformation, plan.stackId);
    const orphanSteps = stack.StackStatus === 'ROLLBACK_COMPLETE' ? await clearOrphans(plan.clearOrphans ?? [], clients) : [];
    const retain =
      plan.retainFailed && stack.StackStatus === 'DELETE_FAILED'
        ? (await stackResources(cloudformation, plan.stackId)).filter((r) => r.ResourceStatus === 'DELETE_FAILED').map((r) => ({ logicalId: r.LogicalResourceId ?? '', physicalId: r.PhysicalResourceId ?? '', type: r.ResourceType ?? '' }))
        : [];
    await transientAware('DeleteStack', () =>
      cloudformation.send(
        new DeleteStackCommand({
          StackName: plan.stackId,
          ClientRequestToken: ownRequestToken(context.incidentKey, now()),
          ...(retain.length > 0 ? { RetainResources: retain.map((r) => r.logicalId) } : {}),
        }),
      ),
    );
    return {
      action: 'cfn-delete-stack',
      applied: true,
      dryRun: false,
      steps: [
        ...orphanSteps,
        `deleted stack ${plan.stackName} (was ${stack.StackStatus ?? 'unknown'})`,
        ...(plan.orphansLeft ?? []),
        ...retain.map((r) => `retained ${r.logicalId} (${r.type} ${r.physicalId}): delete it by hand once its blocker is resolved`),
      ],
      before: { stackStatus: stack.StackStatus },
      after: { targetStackStatus: 'DELETE_COMPLETE', retained: retain },
      appliedAt: now().toISOString(),
    };
  },
};

function orphanLine(o: ClashingOrphan): string {
  return `orphaned ${o.type} ${o.physicalId} (created as ${o.logicalId} by ${o.createdBy}, which is gone)`;
}

/** Deletes each proven orphan; idempotent (already gone is done), and one in use is left and said. */
async function clearOrphans(orphans: readonly ClashingOrphan[], clients: ActionClients): Promise<string[]> {
  const steps: string[] = [];
  for (const orphan of orphans) {
    const type = ORPHAN_REMOVERS[orphan.type];
    const command = ORPHAN_TYPES[orphan.type]?.command(orphan.physicalId) ?? 'check it by hand';
    if (type === undefined) {
      steps.push(`skipped: ${orphanLine(orphan)} - not a type deploy-medic deletes`);
      continue;
    }
    try {
      const deleted = await type.remove(clients, orphan);
      steps.push(deleted ? `deleted ${orphanLine(orphan)}` : `${orphan.type} ${orphan.physicalId} was already gone`);
    } catch (error) {
      if (!ORPHAN_IN_USE.has((error as { name?: string }).name ?? '')) throw error;
      steps.push(`skipped: ${orphanLine(orphan)} is in use (${(error as Error).message}); the next create of ${orphan.logicalId} will clash until it is freed: ${command}`);
    }
  }
  return steps;
}
