/**
 * Ingest: EventBridge -> ledger and Remediation state machine. Thin adapter over
 * shared/ingest/ingestEvent.ts (which says what happens to each kind of event).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { loadConfig, requireSetting } from '../../shared/config';
import { type IngestDependencies, type IngestResult, ingestEvent, StartedExecutions } from '../../shared/ingest/ingestEvent';
import { Ledger } from '../../shared/ledger/ledger';
import { traced } from '../../shared/observability';

export type { IngestResult };

export function makeIngestHandler(deps: IngestDependencies) {
  return (event: unknown): Promise<IngestResult> => ingestEvent(event, deps);
}

export const handler = makeIngestHandler({
  sfn: traced(new SFNClient({})),
  ecs: traced(new ECSClient({})),
  ledger: new Ledger(traced(new DynamoDBClient({})), () => requireSetting('LEDGER_TABLE')),
  stateMachineArn: () => requireSetting('STATE_MACHINE_ARN'),
  config: () => loadConfig(),
  // Per container: in a storm, the events after the first of an incident call no AWS API.
  startedExecutions: new StartedExecutions(),
});
