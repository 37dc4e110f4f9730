/**
 * Diagnose task: the event plus read-only facts (DescribeServices, DescribeTaskDefinition)
 * -> a Diagnosis with a concrete plan.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { loadConfig, type MedicConfig, type Mode, requireSetting } from '../../shared/config';
import { resolveMode } from '../../shared/policy/mode';
import type { Tags } from '../../shared/policy/scope';
import { diagnoseIncident, needsStoppedTasks } from '../../shared/diagnosis/diagnoseIncident';
import type { Diagnosis } from '../../shared/diagnosis/types';
import { parseEvent } from '../../shared/events/parseEvent';
import type { CfnStackIncident, EcsServiceIncident } from '../../shared/incident';
import { diagnoseStackIncident } from '../../shared/diagnosis/cfn/diagnoseStackIncident';
import { gatherStackFacts } from '../../shared/facts/gatherStackFacts';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { gatherEcsFacts } from '../../shared/facts/gatherEcsFacts';
import { LedgerReader } from '../../shared/ledger/ledgerReader';
import { instrumentHandler } from '../../shared/instrumentHandler';
import { logger, traced } from '../../shared/observability';
import type { CarriedFacts, DiagnoseOutput, RemediationInput } from '../../shared/runState';
import type { EcsFacts } from '../../shared/diagnosis/ecs/diagnoseStoppedTask';

/** Above this (serialised), a fact is read again by the step that needs it rather than carried in the state. */
const MAX_CARRIED_BYTES = 16 * 1024;

/**
 * What Remediate will need exactly as Diagnose read it: for a memory resize, the failing
 * revision (immutable), which the action copies into the new one - one DescribeTaskDefinition
 * fewer per incident.
 */
function carriedFor(diagnosis: Diagnosis, facts: EcsFacts): CarriedFacts | undefined {
  const plan = diagnosis.plan;
  if (plan.action !== 'ecs-resize-memory' || !facts.taskDefinition || facts.taskDefinition.taskDefinitionArn !== plan.taskDefinitionArn) return undefined;
  const carried = { failingTaskDefinition: { taskDefinition: facts.taskDefinition, tags: facts.taskDefinitionTags ?? [] } };
  return Buffer.byteLength(JSON.stringify(carried)) <= MAX_CARRIED_BYTES ? carried : undefined;
}

export interface DiagnoseDependencies {
  ecs: ECSClient;
  cloudformation: CloudFormationClient;
  ec2: EC2Client;
  rds: RDSClient;
  s3: S3Client;
  ledger?: LedgerReader;
  elbv2?: ElasticLoadBalancingV2Client;
  config: () => MedicConfig;
}

/** `mode`: the stage mode captured at ingest, resolved here against the resource's mode tag. */
type DiagnoseInput = Pick<RemediationInput, 'incident' | 'event'> & { mode?: Mode };

export function makeDiagnoseHandler(deps: DiagnoseDependencies) {
  const diagnose = async (input: DiagnoseInput): Promise<DiagnoseOutput & { mode: Mode }> => {
    const parsed = parseEvent(input.event);
    const { incident } = input;
    const config = deps.config();
    let diagnosis: DiagnoseOutput;
    let tags: Tags;
    if (incident.resource.type === 'cfn-stack') {
      const stackIncident = incident as CfnStackIncident;
      const facts = await gatherStackFacts(deps, stackIncident);
      diagnosis = diagnoseStackIncident(stackIncident, { config, facts });
      tags = facts.stack?.Tags;
    } else {
      const ecsIncident = incident as EcsServiceIncident;
      const facts = await gatherEcsFacts(deps, ecsIncident, { stoppedTasks: needsStoppedTasks(parsed) });
      diagnosis = diagnoseIncident(parsed, ecsIncident, { config, facts });
      const carried = carriedFor(diagnosis, facts);
      if (carried) diagnosis = { ...diagnosis, carried };
      tags = facts.service?.tags;
    }
    // The resource's own mode tag, if any, overrides the stage mode captured when the incident
    // opened (an execution never changes mode half-way): the state machine runs on this.
    const resolved = resolveMode(input.mode ?? config.mode, tags);
    logger.info('diagnosed', { category: diagnosis.category, confidence: diagnosis.confidence, action: diagnosis.plan.action, mode: resolved.mode });
    return { ...diagnosis, evidence: [...diagnosis.evidence, ...(resolved.evidence ? [resolved.evidence] : [])], mode: resolved.mode };
  };
  return instrumentHandler('diagnose', diagnose, {
    incidentKeyOf: (input) => input.incident.key,
    annotationsOf: (_input, diagnosis) => ({ category: diagnosis?.category, action: diagnosis?.plan.action }),
  });
}

export const handler = makeDiagnoseHandler({
  ecs: traced(new ECSClient({})),
  ledger: new LedgerReader(traced(new DynamoDBClient({})), () => requireSetting('LEDGER_TABLE')),
  elbv2: traced(new ElasticLoadBalancingV2Client({})),
  cloudformation: traced(new CloudFormationClient({})),
  ec2: traced(new EC2Client({})),
  rds: traced(new RDSClient({})),
  s3: traced(new S3Client({})),
  config: () => loadConfig(),
});
