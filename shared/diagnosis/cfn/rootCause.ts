/**
 * Which event explains a failed stack. DescribeStackEvents returns the whole history, newest
 * first: earlier operations, the failure, the cancellations it caused, the rollback and its own
 * failures. The root cause is the first thing that failed in the latest operation; everything
 * cancelled because of it is noise for the diagnosis, and whatever is still left in a failed
 * state is what the planner has to act on.
 */
import { classifyCfnSignals, type CfnClassification } from './classifyCfnSignals';
import type { CfnSignal } from './rules';
import { isCascade, isFailed, isStackEvent, STACK_IN_PROGRESS, type StackEvent } from './stackEvents';

export interface RootCauseOptions {
  /**
   * The stack whose failure is asked about (its ARN). Events of any other stack in the list are
   * ignored, and this stack's own events are the ones whose physical id is this ARN. Absent:
   * the stack named by the events themselves.
   */
  stackId?: string;
}

export interface RootCause {
  /**
   * The stack-level event that started the latest operation: a `*_IN_PROGRESS` of the stack
   * (CREATE, UPDATE, DELETE, IMPORT, or a rollback that ContinueUpdateRollback started) that
   * follows a settled status, or the stack's first event. The rollback and cleanup phases that
   * follow an in-progress phase belong to the same operation. Absent when the list holds no
   * event of the stack itself.
   */
  operationStart?: StackEvent;
  /** The stack-level `*ROLLBACK_IN_PROGRESS` of this operation, when it rolled back. */
  rollbackStart?: StackEvent;
  /** The first (oldest) resource failure of the operation that is not a cancellation. */
  rootCause?: StackEvent;
  /**
   * Every failure of the operation that is not a cancellation, newest first: the root cause and
   * whatever failed beside it (two names already taken fail two creates at once).
   */
  failures: StackEvent[];
  /** Resources cancelled because something else failed (`Resource creation/update cancelled`), newest first. */
  cascade: StackEvent[];
  /**
   * Resources whose latest status in this operation is a failure other than a cancellation,
   * newest first: what is stuck now. After DELETE_FAILED, every resource that failed to delete;
   * after UPDATE_ROLLBACK_FAILED, the resources whose rollback failed (the only ones
   * ContinueUpdateRollback may skip); after ROLLBACK_COMPLETE, none.
   */
  failedResources: StackEvent[];
  /** The newest stack-level event: where the stack is now (`DELETE_FAILED` ...) and why. */
  stackStatus?: StackEvent;
}

const ROLLBACK_IN_PROGRESS = /ROLLBACK_IN_PROGRESS$/;

/**
 * @example
 * const { rootCause, cascade, failedResources } = findRootCause(events);
 * // rootCause: WorkerLogGroup CREATE_FAILED "/ecs/checkout-worker already exists in stack arn:…:stack/checkout-api/…"
 * // cascade: WorkerTable, WorkerTaskRole, WorkerQueue ("Resource creation cancelled")
 * // failedResources: [] (the rollback deleted everything)
 */
export function findRootCause(events: readonly StackEvent[], options: RootCauseOptions = {}): RootCause {
  const stackId = options.stackId ?? events.find(isStackEvent)?.StackId ?? events[0]?.StackId;
  const ordered = newestFirst(events.filter((e) => stackId === undefined || e.StackId === stackId));
  const ownEvent = (e: StackEvent) => e.ResourceType === 'AWS::CloudFormation::Stack' && (e.PhysicalResourceId === stackId || (e.PhysicalResourceId === undefined && isStackEvent(e)));

  const stackIndexes = ordered.flatMap((e, i) => (ownEvent(e) ? [i] : []));
  const startIndex = operationStartIndex(ordered, stackIndexes);
  const operation = startIndex === undefined ? ordered : ordered.slice(0, startIndex);
  const stackPhases = operation.filter(ownEvent);
  const resources = operation.filter((e) => !ownEvent(e));

  const operationStart = startIndex === undefined ? undefined : ordered[startIndex];
  const rollbackStart = [operationStart, ...stackPhases.toReversed()].find((e) => e !== undefined && ROLLBACK_IN_PROGRESS.test(e.ResourceStatus ?? ''));
  const failures = resources.filter(isFailed);
  const stackStatus = stackIndexes.length > 0 ? ordered[stackIndexes[0] as number] : undefined;

  return {
    ...(operationStart ? { operationStart } : {}),
    ...(rollbackStart ? { rollbackStart } : {}),
    ...(rootCauseOf(failures) ? { rootCause: rootCauseOf(failures) } : {}),
    failures: failures.filter((e) => !isCascade(e)),
    cascade: failures.filter(isCascade),
    failedResources: latestPerResource(resources).filter((e) => isFailed(e) && !isCascade(e)),
    ...(stackStatus ? { stackStatus } : {}),
  };
}

export interface StackFailure extends RootCause {
  /** The cause: the root cause event's reason, classified; with no root cause, the stack's own status reason. */
  classification: CfnClassification;
  /** Each resource in `failedResources`, classified: the planner decides per resource (clean up, wait, skip, report). */
  blockers: Array<{ event: StackEvent; classification: CfnClassification }>;
}

/**
 * Classifies a failed stack from its events: the root cause's reason (and, when no resource
 * failed, the stack's status reason, such as a parameter validation error).
 *
 * @example
 * const failure = classifyStackFailure(events);
 * failure.classification.category; // 'DEPENDENCY_VIOLATION'
 * failure.blockers.map((b) => [b.event.LogicalResourceId, b.classification.category]);
 * // [['DatabaseSubnetGroup', 'RESOURCE_IN_USE'], ['DatabaseSecurityGroup', 'DEPENDENCY_VIOLATION']]
 */
export function classifyStackFailure(events: readonly StackEvent[], options: RootCauseOptions = {}): StackFailure {
  const found = findRootCause(events, options);
  const { rootCause, stackStatus } = found;
  const classification = rootCause
    ? classifyEvent(rootCause)
    : stackStatus?.ResourceStatusReason
      ? classifyCfnSignals([signalOf(stackStatus)])
      : classifyCfnSignals([]);
  const evidence = [...classification.evidence];
  if (found.cascade.length > 0) {
    evidence.push(`cancelled because of it (${found.cascade.length}): ${found.cascade.map((e) => e.LogicalResourceId).join(', ')}`);
  }
  if (stackStatus && stackStatus !== rootCause) {
    evidence.push(`stack ${stackStatus.ResourceStatus}${stackStatus.ResourceStatusReason ? `: "${stackStatus.ResourceStatusReason}"` : ''}`);
  }
  return {
    ...found,
    classification: { ...classification, evidence },
    blockers: found.failedResources.map((event) => ({ event, classification: classifyEvent(event) })),
  };
}

/**
 * One stack event, classified. A failed nested stack says nothing of its own cause ("Embedded
 * stack ... was not successfully created"): its physical id is added as the `nestedStackId`
 * fact, whose events hold the cause.
 */
export function classifyEvent(event: StackEvent): CfnClassification {
  const c = classifyCfnSignals([signalOf(event)]);
  if (event.ResourceType !== 'AWS::CloudFormation::Stack' || isStackEvent(event) || !event.PhysicalResourceId?.startsWith('arn:')) return c;
  return {
    ...c,
    facts: { ...c.facts, nestedStackId: event.PhysicalResourceId },
    evidence: [...c.evidence, `the cause is inside nested stack ${event.PhysicalResourceId}: read its events`],
  };
}

/** The classifier's view of an event. */
export function signalOf(event: StackEvent): CfnSignal {
  return {
    text: event.ResourceStatusReason ?? '',
    ...(event.ResourceType !== undefined ? { resourceType: event.ResourceType } : {}),
    ...(event.ResourceStatus !== undefined ? { status: event.ResourceStatus } : {}),
    ...(event.LogicalResourceId !== undefined ? { logicalResourceId: event.LogicalResourceId } : {}),
    ...(event.PhysicalResourceId ? { physicalResourceId: event.PhysicalResourceId } : {}),
  };
}

/** Newest first, as AWS returns them; a stable sort, so events with the same time keep AWS's order. */
function newestFirst(events: readonly StackEvent[]): StackEvent[] {
  return [...events].sort((a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0));
}

/**
 * Walking the stack's own events from the newest: the first `*_IN_PROGRESS` whose next older
 * stack event is settled (or absent) started the latest operation. A phase that follows
 * another in-progress phase (ROLLBACK_IN_PROGRESS after CREATE_IN_PROGRESS, a cleanup after an
 * update) continues that operation.
 */
function operationStartIndex(ordered: readonly StackEvent[], stackIndexes: readonly number[]): number | undefined {
  for (let j = 0; j < stackIndexes.length; j++) {
    const event = ordered[stackIndexes[j] as number] as StackEvent;
    if (!STACK_IN_PROGRESS.test(event.ResourceStatus ?? '')) continue;
    const older = stackIndexes[j + 1];
    if (older === undefined || !STACK_IN_PROGRESS.test(ordered[older]?.ResourceStatus ?? '')) return stackIndexes[j];
  }
  return undefined;
}

/** The oldest non-cancellation failure; the input is newest first. */
function rootCauseOf(failures: readonly StackEvent[]): StackEvent | undefined {
  return failures.filter((e) => !isCascade(e)).at(-1);
}

/** The newest event of each resource, in the input's (newest-first) order. */
function latestPerResource(events: readonly StackEvent[]): StackEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const key = e.LogicalResourceId ?? e.EventId ?? '';
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
