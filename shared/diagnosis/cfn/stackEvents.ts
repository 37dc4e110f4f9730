/**
 * Stack events as the rest of the CloudFormation code reads them: the SDK's `StackEvent`,
 * plus a reader for the same thing saved as JSON (the CLI's `describe-stack-events` output,
 * a recorded API response, a fixture), whose `Timestamp` is text, not a `Date`.
 */
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { MedicError } from '../../errors';

export type { StackEvent };

/** Input that is not a DescribeStackEvents response; the message names what is wrong. */
export class InvalidStackEventsError extends MedicError {}

/** The stack's own statuses that start a phase of an operation. */
export const STACK_IN_PROGRESS = /_IN_PROGRESS$/;

/** `Resource creation cancelled` / `Resource update cancelled`: a resource stopped because another one failed. */
export const CASCADE_REASON = /^\s*Resource (?:creation|update) cancelled\.?\s*$/i;

export const isFailed = (e: StackEvent): boolean => e.ResourceStatus?.endsWith('_FAILED') === true;
export const isCascade = (e: StackEvent): boolean => CASCADE_REASON.test(e.ResourceStatusReason ?? '');

/**
 * True for the stack's own events (not its resources', and not a nested stack's resource in
 * the parent): the stack's ARN is the physical id. When the ids are missing, the stack's
 * name as the logical id of an `AWS::CloudFormation::Stack` event decides.
 */
export function isStackEvent(e: StackEvent): boolean {
  if (e.ResourceType !== 'AWS::CloudFormation::Stack') return false;
  if (e.PhysicalResourceId !== undefined && e.StackId !== undefined) return e.PhysicalResourceId === e.StackId;
  return e.LogicalResourceId === e.StackName;
}

/**
 * Reads a DescribeStackEvents response saved as JSON (`{"StackEvents": [...]}`, or the bare
 * list) into SDK `StackEvent`s: `Timestamp` becomes a `Date`, whether it was ISO text (CLI
 * v2 prints `2021-05-12T01:43:29.774000+00:00`), epoch seconds or already a `Date`.
 *
 * @example
 * const events = parseDescribeStackEvents(JSON.parse(readFileSync('events.json', 'utf8')));
 * findRootCause(events).rootCause?.LogicalResourceId; // 'WorkerLogGroup'
 */
export function parseDescribeStackEvents(raw: unknown): StackEvent[] {
  const list = Array.isArray(raw) ? raw : (raw as { StackEvents?: unknown } | null)?.StackEvents;
  if (!Array.isArray(list)) throw new InvalidStackEventsError('expected a DescribeStackEvents response: {"StackEvents": [...]}');
  return list.map((item, i) => {
    if (typeof item !== 'object' || item === null) throw new InvalidStackEventsError(`StackEvents[${i}] is not an object`);
    const e = item as Record<string, unknown>;
    for (const key of ['StackId', 'EventId', 'StackName'] as const) {
      if (typeof e[key] !== 'string') throw new InvalidStackEventsError(`StackEvents[${i}].${key} is missing`);
    }
    return { ...(e as unknown as StackEvent), Timestamp: toDate(e.Timestamp, i) };
  });
}

function toDate(value: unknown, i: number): Date {
  const date = value instanceof Date ? value : typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) throw new InvalidStackEventsError(`StackEvents[${i}].Timestamp is not a time: ${JSON.stringify(value)}`);
  return date;
}
