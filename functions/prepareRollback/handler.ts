/**
 * PrepareRollback task (emergency rollback state machine): validates the request, checks the
 * opt-in scope, and plans the rollback - reading only. A refusal fails the task with
 * `RequestRefused`, which the ASL turns into a failed execution before anything changes.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { Context } from 'aws-lambda';
import { requireSetting } from '../../shared/config';
import { type EmergencyRun, prepareRollback } from '../../shared/emergency/prepareRollback';
import { LedgerReader } from '../../shared/ledger/ledgerReader';
import { correlateIncident, instrumentHandler } from '../../shared/instrumentHandler';
import { logger, traced } from '../../shared/observability';

export interface PrepareRollbackDependencies {
  ecs: ECSClient;
  cloudformation: CloudFormationClient;
  ledger?: LedgerReader;
  region: () => string;
  now?: () => Date;
}

export function makePrepareRollbackHandler(deps: PrepareRollbackDependencies) {
  const prepare = async (input: unknown, context?: Pick<Context, 'invokedFunctionArn'>): Promise<EmergencyRun> => {
    // The account is the Lambda's own (arn:aws:lambda:<region>:<account>:function:...).
    const account = context?.invokedFunctionArn?.split(':')[4] ?? '000000000000';
    const run = await prepareRollback(input, { ...deps, region: deps.region(), account }, (deps.now ?? (() => new Date()))());
    // The request names a service or stack; the incident key exists only from here on.
    correlateIncident(run.incident.key);
    logger.info('emergency rollback prepared', { requestedBy: run.request.requestedBy, action: run.diagnosis.plan.action, mode: run.mode });
    return run;
  };
  return instrumentHandler('prepareRollback', prepare, {
    annotationsOf: (_input, run) => ({ category: run?.diagnosis.category, action: run?.diagnosis.plan.action }),
  });
}

export const handler = makePrepareRollbackHandler({
  ecs: traced(new ECSClient({})),
  cloudformation: traced(new CloudFormationClient({})),
  ledger: new LedgerReader(traced(new DynamoDBClient({})), () => requireSetting('LEDGER_TABLE')),
  region: () => requireSetting('AWS_REGION'),
});
