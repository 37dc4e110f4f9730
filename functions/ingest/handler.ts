/**
 * Ingest: EventBridge -> ledger and Remediation state machine. Thin adapter over
 * shared/ingest/ingestEvent.ts (which says what happens to each kind of event).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { loadConfig, requireSetting } from '../../shared/config';
import { type IngestDependencies, type IngestResult, ingestEvent } from '../../shared/ingest/ingestEvent';
import { Ledger } from '../../shared/ledger/ledger';
import { instrumentHandler } from '../../shared/instrumentHandler';
import { incidentOpened, timeToDetectSeconds } from '../../shared/metrics';
import { traced } from '../../shared/observability';

export type { IngestResult };

export function makeIngestHandler(deps: IngestDependencies & { now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const ingest = async (event: unknown): Promise<IngestResult> => {
    const receivedAt = now();
    const result = await ingestEvent(event, deps);
    if (result.outcome === 'started') {
      incidentOpened(result.kind, result.category);
      // Detection ends where deploy-medic starts: the event's own time (when ECS or CloudFormation
      // saw the failure) to this invocation. The decisive event: for fail-fast, the launch that tripped it.
      const eventTime = (event as { time?: unknown }).time;
      if (typeof eventTime === 'string') timeToDetectSeconds(eventTime, receivedAt);
    }
    return result;
  };
  // The incident key is known only once the event is read (and, for service events, the
  // revision resolved): ingestEvent names it with correlateIncident.
  return instrumentHandler('ingest', ingest, {
    annotationsOf: (_event, result) => ({
      outcome: result?.outcome,
      category: result?.outcome === 'started' ? result.category : undefined,
    }),
  });
}

export const handler = makeIngestHandler({
  sfn: traced(new SFNClient({})),
  ecs: traced(new ECSClient({})),
  ledger: new Ledger(traced(new DynamoDBClient({})), () => requireSetting('LEDGER_TABLE')),
  stateMachineArn: () => requireSetting('STATE_MACHINE_ARN'),
  config: () => loadConfig(),
});
