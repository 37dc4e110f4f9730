/**
 * Ingest: EventBridge -> Remediation state machine. Validates the event, drops normal life
 * (scale-in, user stops, Spot) with a logged reason, and starts one execution per incident.
 * The execution name derives from the incident key, so duplicate deliveries collapse.
 */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { loadConfig, type MedicConfig, requireSetting } from '../../shared/config';
import { diagnose } from '../../shared/diagnosis/diagnose';
import { MedicError } from '../../shared/errors';
import { parseEvent } from '../../shared/events/parseEvent';
import { executionNameFor, incidentFromTaskEvent } from '../../shared/incident';
import { logger, traced } from '../../shared/observability';
import { transientAware } from '../../shared/aws/transient';
import type { RemediationInput } from '../../shared/runState';

export type IngestResult =
  | { outcome: 'started' | 'duplicate'; incidentKey: string; executionName: string; executionArn?: string }
  | { outcome: 'ignored'; reason: string; incidentKey?: string }
  | { outcome: 'rejected'; error: string };

export interface IngestDependencies {
  sfn: SFNClient;
  stateMachineArn: () => string;
  config: () => MedicConfig;
}

export function makeIngestHandler(deps: IngestDependencies) {
  return async (event: unknown): Promise<IngestResult> => {
    let parsed;
    try {
      parsed = parseEvent(event);
    } catch (error) {
      // A malformed or foreign event will not get better on retry: reject it, loudly, and write nothing.
      if (error instanceof MedicError) {
        logger.error('event rejected', { error: error.message });
        return { outcome: 'rejected', error: error.message };
      }
      throw error;
    }
    if (parsed.kind !== 'ecs-task-state-change') {
      return { outcome: 'ignored', reason: `ingest handles ECS Task State Change only, got "${parsed.event['detail-type']}"` };
    }

    const config = deps.config();
    const triage = diagnose(parsed, { config });
    const incident = incidentFromTaskEvent(parsed.event);
    if (triage.plan.action === 'none' || incident === undefined) {
      logger.info('not an incident', { reason: triage.plan.reason, category: triage.category, taskArn: parsed.event.detail.taskArn });
      return { outcome: 'ignored', reason: triage.plan.reason, ...(incident ? { incidentKey: incident.key } : {}) };
    }

    logger.appendKeys({ incidentKey: incident.key });
    const name = executionNameFor(incident.key);
    const input: RemediationInput = { incident, event, mode: config.mode, triage };
    try {
      const out = await transientAware('StartExecution', () =>
        deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn(), name, input: JSON.stringify(input) })),
      );
      logger.info('remediation started', { executionArn: out.executionArn, category: triage.category });
      return { outcome: 'started', incidentKey: incident.key, executionName: name, ...(out.executionArn ? { executionArn: out.executionArn } : {}) };
    } catch (error) {
      // Same name already used: this incident already has its execution. That is the point.
      if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
        logger.info('duplicate delivery: execution already exists', { executionName: name });
        return { outcome: 'duplicate', incidentKey: incident.key, executionName: name };
      }
      throw error;
    } finally {
      logger.removeKeys(['incidentKey']);
    }
  };
}

export const handler = makeIngestHandler({
  sfn: traced(new SFNClient({})),
  stateMachineArn: () => requireSetting('STATE_MACHINE_ARN'),
  config: () => loadConfig(),
});
