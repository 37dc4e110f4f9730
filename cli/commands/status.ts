/**
 * `medic incidents` and `medic status`: what deploy-medic has been doing, read from the
 * Remediation state machine's executions (an execution per incident, named after its key) and,
 * for one incident, from the ledger: its record, its audit trail and its approval (see
 * cli/commands/ledgerView.ts).
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { executionNameFor } from '../../shared/incident';
import { deploymentOutput } from '../deployment';
import { type Command, UsageError } from '../usage';
import { formatLedgerView, readLedgerView } from './ledgerView';

export interface StatusIo {
  sfn: SFNClient;
  cloudformation: CloudFormationClient;
  dynamodb: DynamoDBClient;
  out: (line: string) => void;
}

const defaultIo = (): StatusIo => ({
  sfn: new SFNClient({}),
  cloudformation: new CloudFormationClient({}),
  dynamodb: new DynamoDBClient({}),
  out: (line) => process.stdout.write(`${line}\n`),
});
const common = { stage: { type: 'string' as const, default: 'dev' }, 'state-machine-arn': { type: 'string' as const }, json: { type: 'boolean' as const, default: false } };

export const incidentsCommand: Command = {
  name: 'incidents',
  summary: 'Recent incidents: the Remediation executions, newest first',
  usage: ['medic incidents [--max N] [--stage STAGE] [--state-machine-arn ARN] [--json]', '', 'Example:', '  medic incidents --stage prod --max 10'].join('\n'),
  run: (argv) => runIncidents(argv, defaultIo()),
};

export const statusCommand: Command = {
  name: 'status',
  summary: 'One incident: its diagnosis, what was done and where it stands (by incident key or execution ARN)',
  usage: [
    'medic status INCIDENT_KEY|EXECUTION_ARN [--stage STAGE] [--state-machine-arn ARN] [--table TABLE] [--json]',
    '',
    'Prints the execution (diagnosis, plan, steps, verification) and, from the ledger, the',
    "incident's record, every audited action (who, what, when, before -> after) and its approval.",
    '  --table    the ledger table (default: the stack output LedgerTableName, or MEDIC_LEDGER_TABLE)',
    '',
    'Examples:',
    "  medic status 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7' --stage prod",
    '  medic status arn:aws:states:us-east-1:111122223333:execution:deploy-medic-prod-remediation:ecs-us-east-1-...',
  ].join('\n'),
  run: (argv) => runStatus(argv, defaultIo()),
};

export async function runIncidents(argv: string[], io: StatusIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...common, max: { type: 'string', default: '20' } } });
  const stateMachineArn = await deploymentOutput(io.cloudformation, 'RemediationStateMachineArn', { stage: values.stage, explicit: values['state-machine-arn'] });
  const out = await io.sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: Math.min(Math.max(Number(values.max) || 20, 1), 1000) }));
  const executions = (out.executions ?? []).map((e) => ({ name: e.name, status: e.status, startDate: e.startDate?.toISOString(), stopDate: e.stopDate?.toISOString(), executionArn: e.executionArn }));
  if (values.json) io.out(JSON.stringify(executions));
  else for (const e of executions) io.out(`${e.startDate ?? ''}  ${(e.status ?? '').padEnd(9)}  ${e.name ?? ''}`);
  return 0;
}

export async function runStatus(argv: string[], io: StatusIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { ...common, table: { type: 'string' } }, allowPositionals: true });
  const [target] = positionals;
  if (target === undefined) throw new UsageError('name an incident key or an execution ARN');
  let executionArn = target;
  if (!target.startsWith('arn:')) {
    const stateMachineArn = await deploymentOutput(io.cloudformation, 'RemediationStateMachineArn', { stage: values.stage, explicit: values['state-machine-arn'] });
    executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionNameFor(target)}`;
  }
  const execution = await describeExecution(io.sfn, executionArn);
  const output = execution?.output ? (JSON.parse(execution.output) as Record<string, unknown>) : undefined;
  const input = execution?.input ? (JSON.parse(execution.input) as { incident?: { key?: string } }) : undefined;
  const incidentKey = input?.incident?.key ?? (target.startsWith('arn:') ? undefined : target);
  const diagnosis = (output?.diagnosis ?? undefined) as { category?: string; summary?: string; plan?: { action?: string; reason?: string } } | undefined;
  const remediation = (output?.remediation ?? undefined) as { steps?: string[] } | undefined;
  const verification = (output?.verification ?? undefined) as { status?: string; detail?: string } | undefined;
  // The ledger knows what the execution's output does not: a run still going, the audit trail, who approved.
  const ledger = incidentKey === undefined ? undefined : await readLedgerView(io, incidentKey, { stage: values.stage, table: values.table });
  const summary = {
    executionArn,
    incidentKey,
    status: execution?.status ?? 'NO_EXECUTION',
    outcome: output?.outcome,
    startDate: execution?.startDate?.toISOString(),
    stopDate: execution?.stopDate?.toISOString(),
    diagnosis: diagnosis ? { category: diagnosis.category, summary: diagnosis.summary, plan: diagnosis.plan } : undefined,
    steps: remediation?.steps ?? [],
    verification,
    ...(execution?.error ? { error: execution.error, cause: execution.cause } : {}),
    ...(ledger ? { ledger } : {}),
  };
  if (values.json) {
    io.out(JSON.stringify(summary));
  } else {
    io.out(`${summary.incidentKey ?? executionArn}: ${summary.status}${summary.outcome ? ` (${String(summary.outcome)})` : ''}`);
    if (execution === undefined) io.out(`  no execution ${executionArn} (not started yet, or not this stage)`);
    if (diagnosis) io.out(`  ${diagnosis.category}: ${diagnosis.summary}\n  plan: ${diagnosis.plan?.action} - ${diagnosis.plan?.reason}`);
    for (const step of summary.steps) io.out(`  done: ${step}`);
    if (verification) io.out(`  verify: ${verification.status} - ${verification.detail}`);
    if (execution?.error) io.out(`  error: ${execution.error} - ${execution.cause ?? ''}`);
    if (ledger) for (const line of formatLedgerView(ledger)) io.out(`  ${line}`);
  }
  if (execution === undefined) return ledger?.record ? 0 : 1;
  return execution.status === 'FAILED' || execution.status === 'TIMED_OUT' || execution.status === 'ABORTED' ? 1 : 0;
}

/** The execution, or undefined when Step Functions has none by that ARN (ingest may not have started it yet). */
async function describeExecution(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput | undefined> {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}
