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
import type { ActionClients } from '../../shared/actions/types';
import { loadConfig, type MedicConfig } from '../../shared/config';
import { logger, traced } from '../../shared/observability';
import type { RemediationResult, RunState } from '../../shared/runState';

export function makeRemediateHandler(deps: ActionClients & { config: () => MedicConfig; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return async (input: Pick<RunState, 'incident' | 'diagnosis' | 'mode'>): Promise<RemediationResult> => {
    logger.appendKeys({ incidentKey: input.incident.key });
    try {
      const known = input.diagnosis.carried;
      const outcome = await runAction(input.diagnosis.plan, deps, { incidentKey: input.incident.key, mode: input.mode, now, ...(known ? { known } : {}) });
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
    } finally {
      logger.removeKeys(['incidentKey']);
    }
  };
}

export const handler = makeRemediateHandler({
  ecs: traced(new ECSClient({})),
  cloudformation: traced(new CloudFormationClient({})),
  ec2: traced(new EC2Client({})),
  rds: traced(new RDSClient({})),
  s3: traced(new S3Client({})),
  config: () => loadConfig(),
});
