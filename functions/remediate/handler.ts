/**
 * Remediate task: applies the diagnosis' plan through the action registry, in the mode
 * the incident was opened with (observe: explain only). Sets the Verify deadline.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { runAction } from '../../shared/actions/registry';
import type { ActionClients, ActionOutcome } from '../../shared/actions/types';
import { loadConfig, type MedicConfig } from '../../shared/config';
import { TransientAwsError } from '../../shared/errors';
import { instrumentHandler } from '../../shared/instrumentHandler';
import { remediation, type RemediationOutcome } from '../../shared/metrics';
import { logger, traced } from '../../shared/observability';
import type { RemediationResult, RunState } from '../../shared/runState';

type RemediateInput = Pick<RunState, 'incident' | 'diagnosis' | 'mode'>;

export function makeRemediateHandler(deps: ActionClients & { config: () => MedicConfig; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const remediate = async (input: RemediateInput): Promise<RemediationResult> => {
    const { action } = input.diagnosis.plan;
    let outcome: ActionOutcome;
    try {
      const known = input.diagnosis.carried;
      outcome = await runAction(input.diagnosis.plan, deps, { incidentKey: input.incident.key, mode: input.mode, now, ...(known ? { known } : {}) });
    } catch (error) {
      // A transient AWS error is retried by the state machine; counting it would inflate the
      // failure rate with attempts that later succeed.
      if (!(error instanceof TransientAwsError)) remediation(action, 'failed');
      throw error;
    }
    remediation(action, remediationOutcome(outcome));
    logger.info('remediation step', { action: outcome.action, applied: outcome.applied, dryRun: outcome.dryRun, steps: outcome.steps });
    const target = outcome.after?.taskDefinitionArn;
    const awayFrom = outcome.after?.awayFromTaskDefinitionArn;
    const stackTarget = outcome.after?.targetStackStatus;
    if ((typeof target !== 'string' && typeof awayFrom !== 'string' && typeof stackTarget !== 'string') || outcome.dryRun) return outcome;
    const deadline = new Date(now().getTime() + deps.config().verify.deadlineSeconds * 1000);
    const deploymentId = outcome.after?.deploymentId;
    return {
      ...outcome,
      ...(typeof target === 'string' ? { targetTaskDefinitionArn: target } : {}),
      ...(typeof awayFrom === 'string' ? { awayFromTaskDefinitionArn: awayFrom } : {}),
      ...(typeof stackTarget === 'string' ? { targetStackStatus: stackTarget } : {}),
      ...(typeof deploymentId === 'string' ? { targetDeploymentId: deploymentId } : {}),
      verifyDeadline: deadline.toISOString(),
    };
  };
  return instrumentHandler('remediate', remediate, {
    incidentKeyOf: (input) => input.incident.key,
    annotationsOf: (input) => ({ category: input.diagnosis.category, action: input.diagnosis.plan.action }),
  });
}

function remediationOutcome(outcome: ActionOutcome): RemediationOutcome {
  if (outcome.applied) return 'applied';
  return outcome.dryRun ? 'dry-run' : 'unchanged';
}

export const handler = makeRemediateHandler({
  ecs: traced(new ECSClient({})),
  cloudformation: traced(new CloudFormationClient({})),
  ec2: traced(new EC2Client({})),
  rds: traced(new RDSClient({})),
  s3: traced(new S3Client({})),
  config: () => loadConfig(),
});
