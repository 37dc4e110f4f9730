/**
 * "Caused by us": events our own actions cause are not new incidents. A deployment our
 * UpdateService started is marked in the ledger (the remediate step writes the marker); while
 * the execution that started it still watches it (until its verify deadline), its stopped
 * tasks and its FAILED event belong to that execution, which retries, falls back or escalates.
 * After the deadline they open incidents again - and the loop breaker limits how often.
 *
 * Stack operations need no marker: CloudFormation stamps every event of an operation with our
 * ClientRequestToken (shared/aws/requestToken.ts), and ingest ignores those.
 */
import type { Ledger } from '../ledger/ledger';

/**
 * The reason to ignore an event of `deploymentId`, or `undefined` when it is not ours (or no
 * longer watched).
 *
 * @example
 * const ours = await causedByUs(ledger, serviceKey(ref), 'ecs-svc/123', new Date());
 * // 'caused by us: deployment ecs-svc/123 was started by ecs-rollback ... (execution ...), which watches it until ...'
 */
export async function causedByUs(ledger: Ledger, resourceKey: string, deploymentId: string | undefined, now: Date): Promise<string | undefined> {
  if (deploymentId === undefined) return undefined;
  const marker = await ledger.causedByUs(resourceKey, deploymentId);
  if (marker === undefined || new Date(marker.watchUntil).getTime() <= now.getTime()) return undefined;
  return `caused by us: deployment ${deploymentId} was started by ${marker.change} (execution ${marker.executionName}), which watches it until ${marker.watchUntil}`;
}
