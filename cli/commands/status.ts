/**
 * `medic incidents` and `medic status`: what deploy-medic has been doing, read from the
 * Remediation state machine's executions (an execution per incident, named after its key).
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { executionNameFor } from '../../shared/incident';
import { deploymentOutput } from '../deployment';
import { type Command, UsageError } from '../usage';

export interface StatusIo {
  sfn: SFNClient;
  cloudformation: CloudFormationClient;
  out: (line: string) => void;
}

const defaultIo = (): StatusIo => ({ sfn: new SFNClient({}), cloudformation: new CloudFormationClient({}), out: (line) => process.stdout.write(`${line}\n`) });
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
    'medic status INCIDENT_KEY|EXECUTION_ARN [--stage STAGE] [--state-machine-arn ARN] [--json]',
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
  const { values, positionals } = parseArgs({ args: argv, options: common, allowPositionals: true });
  const [target] = positionals;
  if (target === undefined) throw new UsageError('name an incident key or an execution ARN');
  let executionArn = target;
  if (!target.startsWith('arn:')) {
    const stateMachineArn = await deploymentOutput(io.cloudformation, 'RemediationStateMachineArn', { stage: values.stage, explicit: values['state-machine-arn'] });
    executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionNameFor(target)}`;
  }
  const execution = await io.sfn.send(new DescribeExecutionCommand({ executionArn }));
  const output = execution.output ? (JSON.parse(execution.output) as Record<string, unknown>) : undefined;
  const input = execution.input ? (JSON.parse(execution.input) as { incident?: { key?: string } }) : undefined;
  const diagnosis = (output?.diagnosis ?? undefined) as { category?: string; summary?: string; plan?: { action?: string; reason?: string } } | undefined;
  const remediation = (output?.remediation ?? undefined) as { steps?: string[] } | undefined;
  const verification = (output?.verification ?? undefined) as { status?: string; detail?: string } | undefined;
  const summary = {
    executionArn,
    incidentKey: input?.incident?.key,
    status: execution.status,
    outcome: output?.outcome,
    startDate: execution.startDate?.toISOString(),
    stopDate: execution.stopDate?.toISOString(),
    diagnosis: diagnosis ? { category: diagnosis.category, summary: diagnosis.summary, plan: diagnosis.plan } : undefined,
    steps: remediation?.steps ?? [],
    verification,
    ...(execution.error ? { error: execution.error, cause: execution.cause } : {}),
  };
  if (values.json) {
    io.out(JSON.stringify(summary));
  } else {
    io.out(`${summary.incidentKey ?? executionArn}: ${summary.status}${summary.outcome ? ` (${String(summary.outcome)})` : ''}`);
    if (diagnosis) io.out(`  ${diagnosis.category}: ${diagnosis.summary}\n  plan: ${diagnosis.plan?.action} - ${diagnosis.plan?.reason}`);
    for (const step of summary.steps) io.out(`  done: ${step}`);
    if (verification) io.out(`  verify: ${verification.status} - ${verification.detail}`);
    if (execution.error) io.out(`  error: ${execution.error} - ${execution.cause ?? ''}`);
  }
  return execution.status === 'FAILED' || execution.status === 'TIMED_OUT' || execution.status === 'ABORTED' ? 1 : 0;
}
