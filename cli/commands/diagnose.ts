/**
 * `medic diagnose --event FILE [--offline] [--json]`: one EventBridge event in, one
 * diagnosis out (DESIGN.md 4.2). Without --offline, facts come from the account the
 * default credential chain points at, read-only.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { loadConfig } from '../../shared/config';
import { diagnose } from '../../shared/diagnosis/diagnose';
import type { Diagnosis } from '../../shared/diagnosis/types';
import { MedicError } from '../../shared/errors';
import { parseEvent } from '../../shared/events/parseEvent';
import { gatherEcsFacts } from '../../shared/facts/gatherEcsFacts';
import { incidentFromStackEvent, incidentFromTaskEvent, serviceRefFromArn } from '../../shared/incident';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import type { MedicConfig } from '../../shared/config';
import { diagnoseStackIncident } from '../../shared/diagnosis/cfn/diagnoseStackIncident';
import { diagnoseIncident, needsStoppedTasks } from '../../shared/diagnosis/diagnoseIncident';
import type { MedicEvent } from '../../shared/events/parseEvent';
import { gatherStackFacts } from '../../shared/facts/gatherStackFacts';
import { incidentForServiceEvent, resolveDeployment } from '../../shared/ingest/serviceIncident';
import { type Command, UsageError } from '../usage';

export const diagnoseCommand: Command = {
  name: 'diagnose',
  summary: 'Diagnose one EventBridge event (ECS task/deployment/service, CloudFormation stack/resource)',
  usage: [
    'medic diagnose --event FILE [--offline] [--json]',
    '',
    '  --event FILE   an EventBridge event as delivered (JSON)',
    '  --offline      use the event alone: no AWS calls',
    '  --json         print the diagnosis as one JSON object',
    '',
    'Examples:',
    '  medic diagnose --event test/fixtures/events/ecs-task-stopped-oom-fargate.json --offline --json',
    '  AWS_PROFILE=prod medic diagnose --event stopped-task.json',
  ].join('\n'),

  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { event: { type: 'string' }, offline: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
      strict: true,
    });
    if (values.event === undefined) throw new UsageError('--event FILE is required');
    const parsed = readEvent(values.event);
    const config = loadConfig();

    const diagnosis = values.offline ? diagnose(parsed, { config }) : ((await diagnoseOnline(parsed, config)) ?? diagnose(parsed, { config }));
    process.stdout.write(values.json ? `${JSON.stringify(diagnosis)}\n` : renderDiagnosis(diagnosis));
    return 0;
  },
};

function readEvent(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  try {
    return parseEvent(raw);
  } catch (error) {
    if (error instanceof MedicError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

export function renderDiagnosis(d: Diagnosis): string {
  return [
    `${d.category} (confidence ${d.confidence.toFixed(2)})`,
    d.summary,
    ...(d.incidentKey ? [`incident: ${d.incidentKey}`] : []),
    'evidence:',
    ...d.evidence.map((e) => `  - ${e}`),
    `plan: ${d.plan.action} - ${d.plan.reason}`,
    `runbook: ${d.runbook}`,
    '',
  ].join('\n');
}

/**
 * The same online diagnosis the state machine makes, read-only, in the account the default
 * credential chain points at. `undefined` when the event names no incident (offline is then
 * the whole answer).
 */
async function diagnoseOnline(parsed: MedicEvent, config: MedicConfig): Promise<Diagnosis | undefined> {
  const region = parsed.event.region;
  const clients = {
    ecs: new ECSClient({ region }),
    cloudformation: new CloudFormationClient({ region }),
    ec2: new EC2Client({ region }),
    rds: new RDSClient({ region }),
    s3: new S3Client({ region }),
    elbv2: new ElasticLoadBalancingV2Client({ region }),
  };
  switch (parsed.kind) {
    case 'ecs-task-state-change': {
      const incident = incidentFromTaskEvent(parsed.event);
      return incident ? diagnoseIncident(parsed, incident, { config, facts: await gatherEcsFacts(clients, incident) }) : undefined;
    }
    case 'ecs-deployment-state-change':
    case 'ecs-service-action': {
      const ref = serviceRefFromArn(parsed.event.resources[0] ?? '');
      if (ref === undefined) return undefined;
      const deploymentId = parsed.kind === 'ecs-deployment-state-change' ? parsed.event.detail.deploymentId : undefined;
      const resolved = await resolveDeployment(clients.ecs, ref, deploymentId);
      if (resolved === undefined) return undefined;
      const incident = incidentForServiceEvent(ref, resolved.service.clusterArn ?? '', resolved.deployment, {
        eventId: parsed.event.id,
        detailType: parsed.event['detail-type'],
        time: parsed.event.time,
      });
      return diagnoseIncident(parsed, incident, { config, facts: await gatherEcsFacts(clients, incident, { stoppedTasks: needsStoppedTasks(parsed) }) });
    }
    case 'cfn-stack-status-change':
    case 'cfn-resource-status-change': {
      const incident = incidentFromStackEvent(parsed.event);
      return incident ? diagnoseStackIncident(incident, { config, facts: await gatherStackFacts(clients, incident) }) : undefined;
    }
    default:
      return undefined;
  }
}
