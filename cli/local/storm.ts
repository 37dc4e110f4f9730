/**
 * An ingest storm: thousands of `ECS Task State Change` STOPPED events for a few failing
 * services, delivered the way EventBridge delivers them - at least once (the same event id
 * again), with later versions of the same task's event (`detail.version` + 1, a new id), in
 * no particular order, with normal stops (scale-in) mixed in - through the REAL
 * `ingestEvent`, the REAL Ledger over an in-process DynamoDB, and an in-process Step
 * Functions that refuses a second execution of the same name.
 *
 * Built from the recorded events in test/fixtures/events, so every event has AWS's shape.
 * Seeded: the same options give the same storm.
 */
import { seededRandom } from './seededRandom';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config';
import { type IngestResult, ingestEvent, StartedExecutions } from '../../shared/ingest/ingestEvent';
import { Ledger } from '../../shared/ledger/ledger';
import { InMemoryDynamoDb, InMemoryStepFunctions, unreachableEcsClient } from './inMemoryAws';
import { retargetTaskEvent, type RecordedEvent } from './seedEcsService';

export interface StormOptions {
  /** Events delivered in all (default 10,000). */
  events?: number;
  /** Failing services (default 10), each on its own bad revision. */
  services?: number;
  /** Share of deliveries that are normal stops (scale-in), not failures (default 0.1). */
  normalShare?: number;
  seed?: number;
  /** The repository root, where test/fixtures lives (default: the working directory). */
  root?: string;
}

export interface Storm {
  events: RecordedEvent[];
  /** Distinct failing services, i.e. the incidents the storm should open. */
  failingServices: number;
  /** Distinct tasks behind the deliveries. */
  tasks: number;
}

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
/** Failure causes the services cycle through: a memory kill (acts at the first) and a missing image (fail-fast after 2). */
const FAILURES = ['ecs-task-stopped-oom-fargate', 'ecs-task-stopped-image-pull-not-found'];
const NORMAL = 'ecs-task-stopped-scaling';


const hex = (rnd: () => number, n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');

/**
 * @example
 * const storm = buildStorm({ events: 10_000, services: 10 });
 * storm.events.length; // 10000
 */
export function buildStorm(options: StormOptions = {}): Storm {
  const total = options.events ?? 10_000;
  const services = options.services ?? 10;
  const normalShare = options.normalShare ?? 0.1;
  const rnd = seededRandom(options.seed ?? 7);
  const root = options.root ?? process.cwd();
  const recorded = (name: string) => JSON.parse(readFileSync(join(root, 'test/fixtures/events', `${name}.json`), 'utf8')) as RecordedEvent;
  const failures = FAILURES.map(recorded);
  const normal = recorded(NORMAL);

  const events: RecordedEvent[] = [];
  let tasks = 0;
  while (events.length < total) {
    const s = tasks % services;
    const isNormal = rnd() < normalShare;
    const template = isNormal ? normal : (failures[s % failures.length] as RecordedEvent);
    const service = `svc-${String(s).padStart(2, '0')}`;
    const revision = isNormal ? 41 : 42; // the normal stops are the old, healthy revision scaling in
    const base = retargetTaskEvent(template, {
      account: ACCOUNT,
      region: REGION,
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/storm`,
      service,
      taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${service}:${revision}`,
      containerName: service,
      taskId: hex(rnd, 32),
    });
    tasks += 1;
    // 1-3 deliveries of this task: a redelivery repeats the event (same id); a newer version is a new event.
    const deliveries = 1 + Math.floor(rnd() * 3);
    let version = Number((base.detail as { version?: number }).version ?? 3);
    let id = `${hex(rnd, 8)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 12)}`;
    for (let d = 0; d < deliveries && events.length < total; d++) {
      if (d > 0 && rnd() < 0.5) {
        version += 1;
        id = `${hex(rnd, 8)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 12)}`;
      }
      events.push({ ...base, id, detail: { ...base.detail, version } });
    }
  }
  // Fisher-Yates: out of order, versions included.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [events[i], events[j]] = [events[j] as RecordedEvent, events[i] as RecordedEvent];
  }
  return { events, failingServices: Math.min(services, tasks), tasks };
}

export interface StormResult {
  events: number;
  tasks: number;
  /** Distinct incident keys ingest reported (started, duplicate or counted). */
  incidents: number;
  /** Executions Step Functions holds at the end. */
  executions: number;
  outcomes: Record<IngestResult['outcome'], number>;
  /** AWS calls ingest made, by operation. */
  apiCalls: Record<string, number>;
  /** CPU time (user + system) of the whole storm in this process, ms. */
  cpuMs: number;
  wallMs: number;
  /** Log lines ingest wrote (formatted, then dropped). */
  logLines: number;
}

/**
 * Runs a storm through the real ingest, one event at a time (as one Lambda instance would).
 *
 * @example
 * const result = await runStorm(buildStorm({ events: 1000 }));
 * result.executions; // 10
 */
export async function runStorm(
  storm: Storm,
  options: {
    env?: Record<string, string>;
    /** One warm container's memory of started executions, as the Lambda handler keeps it (default true). */
    containerMemory?: boolean;
    /** Where log lines go while the storm runs (default: formatted, counted, discarded - not timed on a terminal). */
    keepLogs?: boolean;
  } = {},
): Promise<StormResult> {
  const dynamodb = new InMemoryDynamoDb();
  const sfn = new InMemoryStepFunctions();
  const deps = {
    sfn: sfn.client(),
    ecs: unreachableEcsClient(),
    ledger: new Ledger(dynamodb.client(), 'deploy-medic-storm-ledger'),
    stateMachineArn: () => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:deploy-medic-storm-remediation`,
    config: () => loadConfig({ STAGE: 'storm', MEDIC_MODE: 'auto', ...options.env }),
    ...(options.containerMemory === false ? {} : { startedExecutions: new StartedExecutions() }),
  };
  const outcomes: StormResult['outcomes'] = { started: 0, duplicate: 0, counted: 0, recorded: 0, ignored: 0, rejected: 0 };
  const incidents = new Set<string>();

  // The logger formats every line as in Lambda; the lines are counted and dropped, not written to a terminal.
  let logLines = 0;
  const write = process.stdout.write;
  if (!options.keepLogs) {
    process.stdout.write = ((chunk: string | Uint8Array) => {
      logLines += 1;
      return chunk.length >= 0;
    }) as typeof process.stdout.write;
  }
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    for (const event of storm.events) {
      const result = await ingestEvent(event, deps);
      outcomes[result.outcome] += 1;
      if (result.outcome === 'started' || result.outcome === 'duplicate' || result.outcome === 'counted') incidents.add(result.incidentKey);
    }
  } finally {
    process.stdout.write = write;
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;

  const apiCalls: Record<string, number> = {};
  for (const call of [...dynamodb.calls, ...sfn.calls]) apiCalls[call] = (apiCalls[call] ?? 0) + 1;
  return {
    events: storm.events.length,
    tasks: storm.tasks,
    incidents: incidents.size,
    executions: sfn.executions.size,
    outcomes,
    apiCalls,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    logLines,
  };
}
