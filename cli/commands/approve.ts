/**
 * `medic approve INCIDENT` and `medic deny INCIDENT`: decide an approval the Remediation state
 * machine waits for (approve mode). Who decided is the caller's AWS identity (STS
 * GetCallerIdentity), recorded in the ledger and in the run; the alerts name it.
 *
 * The same engine as the Slack buttons (shared/approval/decideApproval.ts): the task token is
 * found in the ledger by incident key, the decision is claimed there first, then sent to Step
 * Functions (SendTaskSuccess to approve, SendTaskFailure `ApprovalDenied` to deny).
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ApprovalStore, type Decision } from '../../shared/approval/approvalStore';
import { decideApproval } from '../../shared/approval/decideApproval';
import { ApprovalError } from '../../shared/approval/errors';
import { deploymentOutput } from '../deployment';
import { type Command, UsageError } from '../usage';

/** 3, like `medic rollback`: refused, nothing changed. */
export const APPROVE_EXIT = { decided: 0, failed: 1, usage: 2, refused: 3 } as const;

export interface ApproveIo {
  sfn: SFNClient;
  sts: STSClient;
  dynamodb: DynamoDBClient;
  cloudformation: CloudFormationClient;
  out: (line: string) => void;
  err: (line: string) => void;
  now: () => Date;
}

const defaultIo = (): ApproveIo => ({
  sfn: new SFNClient({}),
  sts: new STSClient({}),
  dynamodb: new DynamoDBClient({}),
  cloudformation: new CloudFormationClient({}),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  now: () => new Date(),
});

const usage = (verb: 'approve' | 'deny') =>
  [
    `medic ${verb} INCIDENT_KEY ${verb === 'deny' ? '--reason TEXT' : '[--reason TEXT]'} [--stage STAGE] [--table NAME] [--json]`,
    '',
    verb === 'approve'
      ? '  Lets the waiting remediation of INCIDENT_KEY apply its plan now (the plan shown in the approval request).'
      : '  Refuses the waiting remediation of INCIDENT_KEY: nothing is done, on-call is told who denied it and why.',
    `  --reason   why${verb === 'deny' ? ' (required: it goes into the alert that says nothing was done)' : ' (goes into the alerts)'}`,
    '  --stage    which deploy-medic (stack deploy-medic-STAGE; default dev)',
    '  --table    the ledger table (default: the stack output LedgerTableName, or MEDIC_LEDGER_TABLE)',
    '',
    'You are recorded as the decider: the ARN your AWS credentials resolve to (STS GetCallerIdentity).',
    'Exit codes: 0 decided, 1 failed, 2 usage error, 3 refused (no approval pending, already decided, expired) -',
    'refused means nothing was sent.',
    '',
    'Example:',
    `  medic ${verb} 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7' ${verb === 'deny' ? '--reason "release freeze, handled by hand"' : '--reason "rollback is safe, checked with the service owner"'} --stage prod`,
  ].join('\n');

export const approveCommand: Command = {
  name: 'approve',
  summary: 'Approve the remediation an incident waits for (approve mode): its plan is applied now',
  usage: usage('approve'),
  run: (argv) => runDecision('approved', argv, defaultIo()),
};

export const denyCommand: Command = {
  name: 'deny',
  summary: 'Deny the remediation an incident waits for (approve mode): nothing is done',
  usage: usage('deny'),
  run: (argv) => runDecision('denied', argv, defaultIo()),
};

export async function runDecision(decision: Decision, argv: string[], io: ApproveIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { reason: { type: 'string' }, stage: { type: 'string', default: 'dev' }, table: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const verb = decision === 'approved' ? 'approve' : 'deny';
  if (positionals.length !== 1) throw new UsageError(`name exactly one incident key (medic ${verb} INCIDENT_KEY); medic incidents lists them`);
  const incidentKey = positionals[0]!;
  const reason = values.reason?.trim();
  if (decision === 'denied' && !reason) throw new UsageError('medic deny needs --reason: the alert that says nothing was done says why');

  const tableName = await deploymentOutput(io.cloudformation, 'LedgerTableName', { stage: values.stage, explicit: values.table });
  const identity = await io.sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Arn) throw new Error('STS GetCallerIdentity returned no ARN: cannot record who decides');

  try {
    const outcome = await decideApproval(
      { store: new ApprovalStore({ dynamodb: io.dynamodb, tableName }), sfn: io.sfn },
      { incidentKey, decision, by: identity.Arn, via: 'cli', reason, now: io.now() },
    );
    if (values.json) io.out(JSON.stringify({ incidentKey, ...outcome }));
    else
      io.out(
        decision === 'approved'
          ? `approved ${incidentKey} as ${outcome.by} at ${outcome.at}: the plan is applied now (follow it: medic status '${incidentKey}')`
          : `denied ${incidentKey} as ${outcome.by} at ${outcome.at}: nothing is done; on-call is told why`,
      );
    return APPROVE_EXIT.decided;
  } catch (error) {
    if (!(error instanceof ApprovalError)) throw error;
    if (values.json) io.out(JSON.stringify({ incidentKey, refused: error.name, message: error.message }));
    io.err(`medic: ${error.message}`);
    return APPROVE_EXIT.refused;
  }
}
