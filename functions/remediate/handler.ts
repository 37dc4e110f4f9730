/**
 * Remediate task: applies the diagnosis' plan through the action registry, in the mode the
 * incident resolved to (observe: explain only). Before a write, the ledger admits it or not
 * (blast-radius caps, loop breaker: shared/policy/admission.ts); after it, the ledger records
 * the audit entry, the incident's status and, for a deployment we started, the caused-by-us
 * marker - in one call. Sets the Verify deadline.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { isWritingPlan, runAction } from '../../shared/actions/registry';
import type { ActionClients, ActionOutcome } from '../../shared/actions/types';
import { loadConfig, type MedicConfig, requireSetting } from '../../shared/config';
import { ConfigError, TransientAwsError } from '../../shared/errors';
import { instrumentHandler } from '../../shared/instrumentHandler';
import { loopBreakerTripped, remediation, type RemediationOutcome } from '../../shared/metrics';
import { executionNameFor } from '../../shared/incident';
import { RemediationLedger } from '../../shared/ledger/guards';
import { type ActionAudit, type CausedByUs, resourceKeyOf } from '../../shared/ledger/ledger';
import { logger, traced } from '../../shared/observability';
import type { Admission } from '../../shared/policy/admission';
import type { RemediationResult, RunState } from '../../shared/runState';

/** Set by the Remediation state machine: which execution and attempt asks (the guards count them). */
export interface GuardContext {
  execution: string;
  attempt: number;
  /** `$$.State.RetryCount`: Step Functions' retries of this attempt, 0 on its first try. */
  retryCount?: number;
  /** `$$.Execution.RedriveCount`: 0 unless the execution was redriven (which reruns the step it failed in). */
  redriveCount?: number;
}

/**
 * True only when the state machine says no earlier try of this plan ran in this execution:
 * attempt 1 (NextAttempt re-enters with 2, 3 ...), not a Retry of the Remediate state, not a
 * redrive. An action may then skip looking for what an earlier try left half done. Anything
 * unsaid - no guard context (a human's emergency rollback, the CLI), an older state machine that
 * passes no counts - counts as "there may have been one". (A fallback plan starts again at
 * attempt 1: its own first try. The planner never chains two resizes - test/fuzz/planners.fuzz.test.ts.)
 */
export function isFirstTry(guard: GuardContext | undefined): boolean {
  return guard?.attempt === 1 && guard.retryCount === 0 && guard.redriveCount === 0;
}

export type RemediateInput = Pick<RunState, 'incident' | 'diagnosis' | 'mode'> & { guard?: GuardContext };

/** How long past its verify deadline a slot is kept: the last look and the alert still belong to it. */
const SLOT_GRACE_SECONDS = 300;

export function makeRemediateHandler(deps: ActionClients & { config: () => MedicConfig; ledger?: RemediationLedger; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const remediate = async (input: RemediateInput): Promise<RemediationResult> => {
    {
      const config = deps.config();
      const { incident, diagnosis, mode } = input;
      const plan = diagnosis.plan;
      const executionName = input.guard?.execution ?? executionNameFor(incident.key);
      const actionId = `${executionName}#${input.guard?.attempt ?? 0}#${plan.action}`;
      const audit = (outcome: ActionOutcome, result: ActionAudit['result']): ActionAudit => ({
        incidentKey: incident.key,
        actionId,
        who: { function: 'remediate', execution: executionName },
        action: outcome.action,
        steps: outcome.steps,
        at: outcome.appliedAt ?? now().toISOString(),
        mode,
        result,
        before: outcome.before,
        after: outcome.after,
      });

      // The guards run for writes the Remediation machine makes on its own. A human's emergency
      // rollback (its machine passes no guard context) is not capped, but still audited.
      const guarded = mode === 'auto' && isWritingPlan(plan) && input.guard !== undefined;
      if (guarded) {
        if (deps.ledger === undefined) throw new ConfigError('remediate needs the ledger (LEDGER_TABLE) to check the caps before it writes');
        const holdUntil = Math.floor(now().getTime() / 1000) + config.verify.deadlineSeconds + SLOT_GRACE_SECONDS;
        const admission = await deps.ledger.admit(resourceKeyOf(incident), { executionName, actionId, holdUntil }, config.guards);
        if (!admission.admitted) return await refuse(deps.ledger, input, admission, executionName, audit);
      }

      let outcome: ActionOutcome;
      try {
        const known = diagnosis.carried;
        outcome = await runAction(plan, deps, {
          incidentKey: incident.key,
          mode,
          now,
          protectedResources: config.scope.protected,
          ...(known ? { known } : {}),
          ...(isFirstTry(input.guard) ? { firstTry: true } : {}),
        });
      } catch (error) {
        // A transient AWS error is retried by the state machine; counting it would inflate the
        // failure rate with attempts that later succeed.
        if (!(error instanceof TransientAwsError)) remediation(plan.action, 'failed');
        throw error;
      }
      remediation(plan.action, remediationOutcome(outcome));
      logger.info('remediation step', { action: outcome.action, applied: outcome.applied, dryRun: outcome.dryRun, steps: outcome.steps });

      const target = outcome.after?.taskDefinitionArn;
      const awayFrom = outcome.after?.awayFromTaskDefinitionArn;
      const stackTarget = outcome.after?.targetStackStatus;
      const toVerify = (typeof target === 'string' || typeof awayFrom === 'string' || typeof stackTarget === 'string') && !outcome.dryRun;
      const deadline = new Date(now().getTime() + config.verify.deadlineSeconds * 1000);
      const deploymentId = outcome.after?.deploymentId;
      // The audit entry, the incident's status and the marker: one ledger call (a transaction).
      await deps.ledger?.recordOutcome({
        audit: audit(outcome, outcome.dryRun ? 'dry-run' : outcome.applied ? 'applied' : 'no-op'),
        status: { status: outcome.dryRun ? 'observed' : 'remediating', mode, category: diagnosis.category },
        causedByUs: toVerify ? causedByUsMarker(incident, outcome, executionName, deadline) : undefined,
      });
      if (!toVerify) return outcome;
      return {
        ...outcome,
        ...(typeof target === 'string' ? { targetTaskDefinitionArn: target } : {}),
        ...(typeof awayFrom === 'string' ? { awayFromTaskDefinitionArn: awayFrom } : {}),
        ...(typeof stackTarget === 'string' ? { targetStackStatus: stackTarget } : {}),
        ...(typeof deploymentId === 'string' ? { targetDeploymentId: deploymentId } : {}),
        verifyDeadline: deadline.toISOString(),
        ...(guarded ? { slotHolder: executionName } : {}),
      };
    }
  };
  return instrumentHandler('remediate', remediate, {
    incidentKeyOf: (input) => input.incident.key,
    annotationsOf: (input) => ({ category: input.diagnosis.category, action: input.diagnosis.plan.action }),
  });
}

/**
 * The ECS deployment the action started, marked as ours: ingest opens no incidents for its tasks
 * and deployment events while this execution watches it (shared/ingest/causedByUs.ts).
 */
function causedByUsMarker(incident: RemediateInput['incident'], outcome: ActionOutcome, executionName: string, deadline: Date): CausedByUs | undefined {
  const deploymentId = outcome.after?.deploymentId;
  if (typeof deploymentId !== 'string' || incident.resource.type !== 'ecs-service') return undefined;
  const target = outcome.after?.taskDefinitionArn;
  return {
    resourceKey: resourceKeyOf(incident),
    deploymentId,
    incidentKey: incident.key,
    executionName,
    change: `${outcome.action}: ${typeof target === 'string' ? `service moved to ${target}` : 'new deployment'}`,
    watchUntil: deadline.toISOString(),
  };
}

function remediationOutcome(outcome: ActionOutcome): RemediationOutcome {
  if (outcome.applied) return 'applied';
  return outcome.dryRun ? 'dry-run' : 'unchanged';
}

/** Past a cap or the loop breaker: write nothing, say which guard and its value, and let the state machine escalate. */
async function refuse(
  ledger: RemediationLedger,
  input: RemediateInput,
  admission: Extract<Admission, { admitted: false }>,
  executionName: string,
  audit: (outcome: ActionOutcome, result: 'refused') => ActionAudit,
): Promise<RemediationResult> {
  const { guard, kind, limit, setting, reason } = admission;
  const resource = resourceKeyOf(input.incident);
  // One structured line per trip, with a fixed message, so trips can be counted from the logs.
  // Metrics: the trip by its guard (a fixed code, never the resource: dimensions stay few), and the
  // remediation as 'capped' for a blast-radius cap.
  if (kind === 'loop-breaker') {
    logger.warn('loop-breaker tripped', { resource, guard, limit, setting, reason, executionName });
    loopBreakerTripped(guard);
  } else {
    logger.warn('blast-radius cap reached', { resource, cap: guard, limit, setting, reason, executionName });
    remediation(input.diagnosis.plan.action, 'capped');
  }
  const outcome: RemediationResult = {
    action: input.diagnosis.plan.action,
    applied: false,
    dryRun: false,
    steps: [`not done: ${reason}`],
    refused: { guard, kind, limit, setting, reason },
  };
  await ledger.recordOutcome({ audit: audit(outcome, 'refused'), status: { status: 'refused', reason, mode: input.mode, category: input.diagnosis.category } });
  return outcome;
}

export const handler = makeRemediateHandler({
  ecs: traced(new ECSClient({})),
  cloudformation: traced(new CloudFormationClient({})),
  ec2: traced(new EC2Client({})),
  rds: traced(new RDSClient({})),
  s3: traced(new S3Client({})),
  ledger: new RemediationLedger(traced(new DynamoDBClient({})), () => requireSetting('LEDGER_TABLE')),
  config: () => loadConfig(),
});
