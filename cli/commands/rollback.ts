/**
 * `medic rollback`: starts the emergency rollback state machine and shows its progress from
 * the execution history until it ends. The exit code says the outcome.
 */
import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { parseEmergencyRequest, RequestRefused } from '../../shared/emergency/request';
import { deploymentOutput } from '../deployment';
import { type Command, UsageError } from '../usage';

export const ROLLBACK_EXIT = { rolledBack: 0, failed: 1, usage: 2, refused: 3 } as const;

export interface RollbackIo {
  sfn: SFNClient;
  cloudformation: CloudFormationClient;
  out: (line: string) => void;
  err: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'Emergency rollback of an opted-in ECS service or CloudFormation stack (starts the state machine, shows progress)',
  usage: [
    'medic rollback (--service CLUSTER/SERVICE [--to-revision N|family:N] | --stack NAME) --reason TEXT',
    '               [--requested-by WHO] [--dry-run] [--stage STAGE] [--state-machine-arn ARN] [--no-wait] [--json]',
    '',
    '  --service         the ECS service to roll back to its last known good revision (or --to-revision)',
    '  --stack           the CloudFormation stack to roll back (cancel the update in progress, RollbackStack,',
    '                    or continue a failed rollback - whichever its state allows)',
    '  --reason          why (goes into every alert)',
    '  --requested-by    who asks (default: the local user@host)',
    '  --dry-run         plan and report, change nothing',
    '  --stage           which deploy-medic (stack deploy-medic-STAGE; default dev)',
    '  --no-wait         start it and print the execution ARN',
    '',
    'Exit codes: 0 rolled back (or planned, with --dry-run), 1 failed, 2 usage error, 3 refused (out of scope,',
    'malformed, nothing to roll back) - refused means nothing was changed.',
    '',
    'Examples:',
    '  medic rollback --service prod/checkout-api --reason "p99 doubled after 14:02 deploy"',
    '  medic rollback --service prod/checkout-api --to-revision 41 --reason "41 is the last one QA signed off"',
    '  medic rollback --stack checkout-api --reason "stuck in UPDATE_IN_PROGRESS" --stage prod',
  ].join('\n'),

  async run(argv) {
    return runRollback(argv, {
      sfn: new SFNClient({}),
      cloudformation: new CloudFormationClient({}),
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => new Date(),
    });
  },
};

export async function runRollback(argv: string[], io: RollbackIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      service: { type: 'string' },
      stack: { type: 'string' },
      'to-revision': { type: 'string' },
      reason: { type: 'string' },
      'requested-by': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      stage: { type: 'string', default: 'dev' },
      'state-machine-arn': { type: 'string' },
      'no-wait': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if ((values.service === undefined) === (values.stack === undefined)) throw new UsageError('name exactly one target: --service CLUSTER/SERVICE or --stack NAME');
  let target;
  if (values.service !== undefined) {
    const [cluster, service, extra] = values.service.split('/');
    if (!cluster || !service || extra !== undefined) throw new UsageError(`--service takes CLUSTER/SERVICE, got "${values.service}"`);
    target = { type: 'ecs-service' as const, cluster, service };
  } else {
    if (values['to-revision'] !== undefined) throw new UsageError('--to-revision applies to --service only');
    target = { type: 'cfn-stack' as const, stackName: values.stack as string };
  }
  const toRevision = values['to-revision'];
  const input = {
    target,
    ...(toRevision !== undefined ? { toRevision: /^\d+$/.test(toRevision) ? Number(toRevision) : toRevision } : {}),
    reason: values.reason ?? '',
    requestedBy: values['requested-by'] ?? `${userInfo().username}@${hostname()}`,
    ...(values['dry-run'] ? { dryRun: true } : {}),
  };
  try {
    // Refuse a malformed request here, before any AWS call: the state machine would refuse it too.
    parseEmergencyRequest(input);
  } catch (error) {
    if (error instanceof RequestRefused) throw new UsageError(error.message);
    throw error;
  }

  const stateMachineArn = await deploymentOutput(io.cloudformation, 'EmergencyRollbackStateMachineArn', { stage: values.stage, explicit: values['state-machine-arn'] });
  const name = `rollback-${(target.type === 'ecs-service' ? `${target.cluster}-${target.service}` : target.stackName).replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 50)}-${io.now().getTime()}`;
  const started = await io.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  const executionArn = started.executionArn ?? '';
  io.err(`started ${executionArn}`);
  if (values['no-wait']) {
    io.out(values.json ? JSON.stringify({ executionArn }) : executionArn);
    return ROLLBACK_EXIT.rolledBack;
  }

  let nextToken: string | undefined;
  for (;;) {
    const history = await io.sfn.send(new GetExecutionHistoryCommand({ executionArn, ...(nextToken ? { nextToken } : {}) }));
    for (const event of history.events ?? []) {
      const line = progressLine(event);
      if (line) io.err(line);
    }
    nextToken = history.nextToken;
    const execution = await io.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING' && nextToken === undefined) {
      const output = execution.output ? (JSON.parse(execution.output) as { outcome?: string; remediation?: { steps?: string[] } }) : undefined;
      const summary = { executionArn, status: execution.status, outcome: output?.outcome, error: execution.error, cause: execution.cause, steps: output?.remediation?.steps ?? [] };
      io.out(values.json ? JSON.stringify(summary) : [`${execution.status}${output?.outcome ? `: ${output.outcome}` : ''}${execution.cause ? ` - ${execution.cause}` : ''}`, ...summary.steps.map((s) => `  ${s}`)].join('\n'));
      if (execution.status === 'SUCCEEDED') return ROLLBACK_EXIT.rolledBack;
      return execution.error === 'RequestRefused' ? ROLLBACK_EXIT.refused : ROLLBACK_EXIT.failed;
    }
    if (nextToken === undefined) await io.sleep(2000);
  }
}

/** One line per state entered, and the end of the run. */
function progressLine(event: HistoryEvent): string | undefined {
  const at = event.timestamp ? new Date(event.timestamp).toISOString().slice(11, 19) : '';
  if (event.type?.endsWith('StateEntered')) return `${at}  ${event.stateEnteredEventDetails?.name ?? ''}`;
  if (event.type === 'ExecutionFailed') return `${at}  failed: ${event.executionFailedEventDetails?.error ?? ''} ${event.executionFailedEventDetails?.cause ?? ''}`.trimEnd();
  if (event.type === 'ExecutionSucceeded') return `${at}  done`;
  return undefined;
}
