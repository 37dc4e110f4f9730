/**
 * deploy-medic's own metrics, as CloudWatch Embedded Metric Format (EMF) log lines written with
 * Powertools Metrics. Lambda's stdout is CloudWatch Logs, which extracts the metrics: no
 * `cloudwatch:PutMetricData` call and no IAM grant for it.
 *
 * Namespace `DeployMedic`; every metric has the dimension `stage`, plus the few low-cardinality
 * dimensions named below (category, action, outcome ...). Incident keys never become dimensions
 * (one metric series per incident would be unbounded and costly): they travel as EMF metadata
 * (`incidentKey`), searchable in CloudWatch Logs Insights next to the metric values.
 *
 * Metrics are buffered during an invocation and written at its end by the handler wrapper
 * (shared/instrumentHandler.ts calls {@link flushMetrics}, on success and on error alike), one
 * EMF document per set of dimensions. Outside Lambda nothing is written unless asked
 * (shared/config.ts `metricsSettings`); tests capture the documents with {@link setMetricsSink}.
 *
 * @example
 * import { incidentOpened, flushMetrics } from '../shared/metrics';
 * incidentOpened('ecs-service', 'OOM');
 * flushMetrics(); // {"_aws":{...,"CloudWatchMetrics":[{"Namespace":"DeployMedic","Dimensions":[["stage","kind","category"],["stage"]],...}]},"stage":"prod","kind":"ecs-service","category":"OOM","IncidentsOpened":1}
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { metricsSettings } from './config';

export const METRICS_NAMESPACE = 'DeployMedic';

/** Metric names. The dashboard and the alarms in serverless.yml use exactly these. */
export const METRIC = {
  incidentsOpened: 'IncidentsOpened',
  remediations: 'Remediations',
  timeToDetect: 'TimeToDetect',
  timeToResolve: 'TimeToResolve',
  approvalsPending: 'ApprovalsPending',
  loopBreakerTrips: 'LoopBreakerTrips',
  incidentOutcomes: 'IncidentOutcomes',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** What one remediation attempt came to. */
export type RemediationOutcome =
  /** AWS was changed. */
  | 'applied'
  /** Observe mode (or a plan that only explains): nothing written, on purpose. */
  | 'dry-run'
  /** Nothing needed writing: an idempotent retry found its change already in place. */
  | 'unchanged'
  /** The action failed (not a transient AWS error, which the state machine retries). */
  | 'failed'
  /** Not attempted: the per-resource attempt budget or cooldown (the loop breaker) said no. */
  | 'capped';

export type ExecutionOutcome = 'resolved' | 'escalated';

type Dimensions = Record<string, string>;
interface Recorded {
  name: MetricName;
  unit: (typeof MetricUnit)[keyof typeof MetricUnit];
  value: number;
  /** One EMF dimension set per entry, each on top of `stage`; `{}` is the per-stage total. */
  dimensionSets: Dimensions[];
}

let buffer: Recorded[] = [];
let metadata: Record<string, string> = {};
let sink: ((document: string) => void) | undefined;

function record(entry: Recorded): void {
  buffer.push(entry);
}

/**
 * An incident was opened: its Remediation execution started (not a duplicate delivery).
 *
 * `IncidentsOpened` (Count), dimensions `{stage, kind, category}` and `{stage}`.
 *
 * @example
 * incidentOpened('ecs-service', 'IMAGE_PULL');
 */
export function incidentOpened(kind: string, category: string): void {
  record({ name: METRIC.incidentsOpened, unit: MetricUnit.Count, value: 1, dimensionSets: [{ kind, category }, {}] });
}

/**
 * One remediation attempt and what it came to.
 *
 * `Remediations` (Count), dimensions `{stage, action, outcome}` and `{stage, outcome}` (the
 * second is what the failure-rate alarm divides: failed / (applied + failed)).
 *
 * @example
 * remediation('ecs-rollback', 'applied');
 */
export function remediation(action: string, outcome: RemediationOutcome): void {
  record({ name: METRIC.remediations, unit: MetricUnit.Count, value: 1, dimensionSets: [{ action, outcome }, { outcome }] });
}

/**
 * Time to detect: from the event's own time (when ECS or CloudFormation saw the failure) to the
 * moment ingest started handling it. Returns the seconds recorded, or `undefined` when the
 * event time is unreadable or in the future (clock skew): a negative duration is not a measurement.
 *
 * `TimeToDetect` (Seconds), dimensions `{stage}`.
 *
 * @example
 * timeToDetectSeconds('2026-03-14T02:00:04Z', new Date('2026-03-14T02:00:05.5Z')); // 1.5
 */
export function timeToDetectSeconds(eventTime: string | Date, detectedAt: Date): number | undefined {
  return duration(METRIC.timeToDetect, eventTime, detectedAt);
}

/**
 * Time to resolve: from the incident's opening (the execution's start time) to its resolution.
 *
 * `TimeToResolve` (Seconds), dimensions `{stage}`.
 *
 * @example
 * timeToResolveSeconds('2026-03-14T02:00:06Z', new Date('2026-03-14T02:03:06Z')); // 180
 */
export function timeToResolveSeconds(openedAt: string | Date, resolvedAt: Date): number | undefined {
  return duration(METRIC.timeToResolve, openedAt, resolvedAt);
}

/**
 * A change in the number of remediations waiting for a person's approval: `+1` when one starts
 * waiting, `-1` when it is approved, rejected or times out. For the approval gate to call.
 * CloudWatch keeps the deltas; the dashboard shows their running sum.
 *
 * `ApprovalsPending` (Count, may be negative), dimensions `{stage}`.
 *
 * @example
 * approvalsPending(+1); // the plan now waits for on-call
 * approvalsPending(-1); // approved, rejected or expired
 */
export function approvalsPending(delta: number): void {
  if (!Number.isFinite(delta) || delta === 0) return;
  record({ name: METRIC.approvalsPending, unit: MetricUnit.Count, value: delta, dimensionSets: [{}] });
}

/**
 * The loop breaker refused another remediation of a resource. For the policy code to call.
 * `reason` becomes a dimension, so it must be a short fixed code (`attempt-budget`,
 * `cooldown`), never free text or a resource name.
 *
 * `LoopBreakerTrips` (Count), dimensions `{stage, reason}` and `{stage}`.
 *
 * @example
 * loopBreakerTripped('attempt-budget');
 */
export function loopBreakerTripped(reason: string): void {
  record({ name: METRIC.loopBreakerTrips, unit: MetricUnit.Count, value: 1, dimensionSets: [{ reason }, {}] });
}

/**
 * How an incident's execution ended for on-call: resolved, or escalated to a person.
 *
 * `IncidentOutcomes` (Count), dimensions `{stage, outcome}`.
 *
 * @example
 * executionOutcome('resolved');
 */
export function executionOutcome(outcome: ExecutionOutcome): void {
  record({ name: METRIC.incidentOutcomes, unit: MetricUnit.Count, value: 1, dimensionSets: [{ outcome }] });
}

/**
 * High-cardinality context written next to the metrics of this invocation (never a dimension):
 * the wrapper sets `incidentKey`. Cleared by {@link flushMetrics}.
 */
export function addMetricsMetadata(values: Record<string, string>): void {
  metadata = { ...metadata, ...values };
}

/**
 * Writes what this invocation recorded, one EMF document per set of dimensions, and empties
 * the buffer. Called by the handler wrapper at the end of every invocation; returns the
 * documents written (also when nothing is emitted outside Lambda).
 */
export function flushMetrics(): string[] {
  const recorded = buffer;
  const context = metadata;
  buffer = [];
  metadata = {};
  if (recorded.length === 0) return [];

  const { stage, emit } = metricsSettings();
  const documents: string[] = [];
  for (const group of groupByDimensions(recorded)) {
    const emf = new Metrics({ namespace: METRICS_NAMESPACE });
    // Powertools adds a `service` dimension by default; the namespace already says which
    // service, and every extra dimension is one more thing each dashboard query must repeat.
    emf.clearDefaultDimensions();
    // A key every set shares (`outcome` in {action, outcome} and {outcome}) is set once, as a
    // default: Powertools warns when two dimension sets repeat a key.
    const shared = sharedDimensions(group.dimensionSets);
    emf.setDefaultDimensions({ stage, ...shared });
    for (const set of group.dimensionSets) emf.addDimensions(withoutKeys(set, Object.keys(shared)));
    for (const [key, value] of Object.entries(context)) emf.addMetadata(key, value);
    for (const entry of group.entries) emf.addMetric(entry.name, entry.unit, entry.value);
    documents.push(JSON.stringify(emf.serializeMetrics()));
  }
  const write = sink ?? (emit ? (document: string) => process.stdout.write(`${document}\n`) : undefined);
  if (write) for (const document of documents) write(document);
  return documents;
}

/**
 * Sends EMF documents somewhere else than stdout (tests, local tools); `undefined` restores the
 * default. A sink receives documents even where stdout would stay silent.
 *
 * @example
 * const documents: string[] = [];
 * setMetricsSink((document) => documents.push(document));
 */
export function setMetricsSink(next: ((document: string) => void) | undefined): void {
  sink = next;
}

function duration(name: MetricName, from: string | Date, to: Date): number | undefined {
  const start = from instanceof Date ? from.getTime() : Date.parse(from);
  const seconds = (to.getTime() - start) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  record({ name, unit: MetricUnit.Seconds, value: seconds, dimensionSets: [{}] });
  return seconds;
}

function sharedDimensions(sets: Dimensions[]): Dimensions {
  const [first, ...rest] = sets;
  if (first === undefined) return {};
  return Object.fromEntries(Object.entries(first).filter(([key, value]) => rest.every((set) => set[key] === value)));
}

function withoutKeys(set: Dimensions, keys: string[]): Dimensions {
  return Object.fromEntries(Object.entries(set).filter(([key]) => !keys.includes(key)));
}

/** Metrics that share exactly the same dimension sets go in one EMF document. */
function groupByDimensions(recorded: Recorded[]): Array<{ dimensionSets: Dimensions[]; entries: Recorded[] }> {
  const groups = new Map<string, { dimensionSets: Dimensions[]; entries: Recorded[] }>();
  for (const entry of recorded) {
    const key = JSON.stringify(entry.dimensionSets);
    const group = groups.get(key) ?? { dimensionSets: entry.dimensionSets, entries: [] };
    group.entries.push(entry);
    groups.set(key, group);
  }
  return [...groups.values()];
}
