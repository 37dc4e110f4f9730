/**
 * Diagnose task: the event plus read-only facts (DescribeServices, DescribeTaskDefinition)
 * -> a Diagnosis with a concrete plan.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { loadConfig, type MedicConfig, requireSetting } from '../../shared/config';
import { diagnoseIncident, needsStoppedTasks } from '../../shared/diagnosis/diagnoseIncident';
import type { Diagnosis } from '../../shared/diagnosis/types';
import { MedicError } from '../../shared/errors';
import { parseEvent } from '../../shared/events/parseEvent';
import type { EcsServiceIncident } from '../../shared/incident';
import { gatherEcsFacts } from '../../shared/facts/gatherEcsFacts';
import { Ledger } from '../../shared/ledger/ledger';
import { logger, traced } from '../../shared/observability';
import type { RemediationInput } from '../../shared/runState';

export function makeDiagnoseHandler(deps: { ecs: ECSClient; ledger?: Ledger; elbv2?: ElasticLoadBalancingV2Client; config: () => MedicConfig }) {
  return async (input: Pick<RemediationInput, 'incident' | 'event'>): Promise<Diagnosis> => {
    logger.appendKeys({ incidentKey: input.incident.key });
    try {
      const parsed = parseEvent(input.event);
      const { incident } = input;
      if (incident.resource.type !== 'ecs-service') throw new MedicError(`no online diagnosis for ${incident.resource.type} incidents yet`);
      const ecsIncident = incident as EcsServiceIncident;
      const facts = await gatherEcsFacts(deps, ecsIncident, { stoppedTasks: needsStoppedTasks(parsed) });
      const diagnosis = diagnoseIncident(parsed, ecsIncident, { config: deps.config(), facts });
      logger.info('diagnosed', { category: diagnosis.category, confidence: diagnosis.confidence, action: diagnosis.plan.action });
      return diagnosis;
    } finally {
      logger.removeKeys(['incidentKey']);
    }
  };
}

export const handler = makeDiagnoseHandler({
  ecs: traced(new ECSClient({})),
  ledger: new Ledger(traced(new DynamoDBClient({})), () => requireSetting('LEDGER_TABLE')),
  elbv2: traced(new ElasticLoadBalancingV2Client({})),
  config: () => loadConfig(),
});
