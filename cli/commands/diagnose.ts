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
import { incidentFromTaskEvent } from '../../shared/incident';
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

    let facts;
    if (!values.offline && parsed.kind === 'ecs-task-state-change') {
      const incident = incidentFromTaskEvent(parsed.event);
      if (incident) facts = await gatherEcsFacts({ ecs: new ECSClient({ region: parsed.event.region }) }, incident);
    }
    const diagnosis = diagnose(parsed, { config, ...(facts ? { facts } : {}) });
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
