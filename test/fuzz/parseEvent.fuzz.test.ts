/**
 * Fuzzing the front door: every real fixture event, mutated (fields dropped, replaced,
 * retyped, wrapped in arrays; wrong detail-types and sources; huge strings, unicode, lone
 * surrogates, nulls), plus arbitrary JSON and arbitrary JS values - 10,000 generated events a run.
 *
 * The guarantees:
 *  - parseEvent returns a parsed event of a registered detail-type, or throws a MedicError
 *    (InvalidEventError / UnsupportedEventError) with a short message that names the problem;
 *    never a TypeError, RangeError or a zod error escaping;
 *  - ingestEvent, on the same input, never crashes; it rejects exactly what parseEvent
 *    rejects, and a rejected event makes no AWS call at all; an ignored event sends no write;
 *    a started incident sends exactly one StartExecution, named after its incident key.
 *
 * The clients are recording fakes answering like AWS (DescribeServices from the recorded
 * fixture, DynamoDB UpdateItem/GetItem as the ledger expects), so 10,000 runs stay in seconds.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { MedicError } from '../../shared/errors';
import { type MedicEvent, parseEvent, SUPPORTED_DETAIL_TYPES } from '../../shared/events/parseEvent';
import { executionNameFor } from '../../shared/incident';
import { type IngestResult, ingestEvent } from '../../shared/ingest/ingestEvent';
import { Ledger } from '../../shared/ledger/ledger';
import { fixture } from '../support/fixtures';

const EVENT_FIXTURES = readdirSync(fileURLToPath(new URL('../fixtures/events/', import.meta.url)))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));
const originals = new Map(EVENT_FIXTURES.map((name) => [name, fixture<Record<string, unknown>>(`events/${name}.json`)]));

const RUNS = 10_000;
/** A clear rejection names the problem in a bounded message (it is logged and printed on one line). */
const MAX_MESSAGE = 4_000;

type Json = unknown;
type Path = Array<string | number>;

function pathsOf(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

function parentOf(root: Json, path: Path): { parent: Record<string | number, Json>; key: string | number } | undefined {
  let node = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') return undefined;
    node = next as Record<string | number, Json>;
  }
  return { parent: node, key: path.at(-1)! };
}

type Op = 'drop' | 'replace' | 'retype' | 'wrap-in-array' | 'null';

function retype(value: Json): Json {
  if (typeof value === 'string') return Number.isNaN(Number(value)) ? value.length : Number(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 0;
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]));
  if (value !== null && typeof value === 'object') return Object.values(value);
  return {};
}

function mutate(root: Json, mutations: ReadonlyArray<{ at: number; op: Op; value: Json }>): Json {
  const event = structuredClone(root);
  for (const { at, op, value } of mutations) {
    const paths = pathsOf(event);
    if (paths.length === 0) break;
    const target = parentOf(event, paths[at % paths.length]!);
    if (target === undefined) continue;
    const { parent, key } = target;
    switch (op) {
      case 'drop':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 'replace':
        parent[key] = value;
        break;
      case 'retype':
        parent[key] = retype(parent[key]);
        break;
      case 'wrap-in-array':
        parent[key] = [parent[key]];
        break;
      case 'null':
        parent[key] = null;
        break;
    }
  }
  return event;
}

const hugeString = fc
  .tuple(fc.string({ minLength: 1, maxLength: 3, unit: 'grapheme' }), fc.integer({ min: 5_000, max: 30_000 }))
  .map(([seed, length]) => seed.repeat(Math.ceil(length / seed.length)).slice(0, length));
const weirdValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40, unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20, unit: 'binary' }) }, // lone surrogates, control characters
  { weight: 1, arbitrary: hugeString },
  { weight: 2, arbitrary: fc.constantFrom(null, [], {}, '', 0, -1, true, Number.MAX_SAFE_INTEGER, 1e308, '__proto__', 'constructor') },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.double() }, // NaN, Infinity, -0: not JSON, but a Lambda payload is not the only caller
);
const nearDetailTypes = [...SUPPORTED_DETAIL_TYPES, ...SUPPORTED_DETAIL_TYPES.map((d) => d.toLowerCase()), 'ECS Task State Change ', 'EC2 Instance State-change Notification', ''];

const mutatedFixture = fc
  .record({
    name: fc.constantFrom(...EVENT_FIXTURES),
    mutations: fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom<Op>('drop', 'replace', 'retype', 'wrap-in-array', 'null'), value: weirdValue }), { minLength: 1, maxLength: 3 }),
  })
  .map(({ name, mutations }) => mutate(originals.get(name), mutations));

/** A real event under another detail-type or source: the registry must reject by shape, not crash. */
const wrongKind = fc
  .record({
    name: fc.constantFrom(...EVENT_FIXTURES),
    detailType: fc.oneof(fc.constantFrom(...nearDetailTypes), fc.string({ maxLength: 30, unit: 'grapheme' }), hugeString),
    source: fc.option(fc.oneof(fc.constantFrom('aws.ecs', 'aws.cloudformation', 'aws.ec2', ''), fc.string({ maxLength: 20 })), { nil: undefined }),
  })
  .map(({ name, detailType, source }) => ({ ...structuredClone(originals.get(name)), 'detail-type': detailType, ...(source !== undefined ? { source } : {}) }));

/** Unchanged real events, so the accepted path is exercised at full weight too. */
const realFixture = fc.constantFrom(...EVENT_FIXTURES).map((name) => structuredClone(originals.get(name)));

const anyEvent: fc.Arbitrary<Json> = fc.oneof(
  { weight: 12, arbitrary: mutatedFixture },
  { weight: 3, arbitrary: wrongKind },
  { weight: 1, arbitrary: realFixture },
  { weight: 2, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true, withMap: true, withSet: true, withBigInt: true, withDate: true, withTypedArray: true }) },
);

/** What parseEvent did with one input, or why that breaks the guarantee. */
type ParseVerdict = { ok: true; parsed?: MedicEvent; error?: MedicError } | { ok: false; violation: string };

/** A quoted input value: in full, or its start and its length (shared/errors.ts quoteInput). */
const QUOTED = '".*"(?: \\(\\d+ characters\\))?';
const PARSER_MESSAGE = new RegExp(
  `^(not a valid EventBridge event: .+|unsupported detail-type ${QUOTED} \\(supported: .+\\)|detail-type ".*" must come from source ".*", not ${QUOTED})$`,
  's',
);

function judgeParse(parse: (raw: unknown) => MedicEvent, raw: unknown): ParseVerdict {
  let parsed: MedicEvent;
  try {
    parsed = parse(raw);
  } catch (error) {
    if (!(error instanceof MedicError)) return { ok: false, violation: `threw ${(error as Error)?.name ?? typeof error}: ${String((error as Error)?.message ?? error)}` };
    if (!PARSER_MESSAGE.test(error.message)) return { ok: false, violation: `unclear message: ${error.message.slice(0, 200)}` };
    if (error.message.length > MAX_MESSAGE) return { ok: false, violation: `message of ${error.message.length} characters` };
    return { ok: true, error };
  }
  const detailType = (parsed.event as { 'detail-type'?: unknown })['detail-type'];
  if (typeof detailType !== 'string' || !SUPPORTED_DETAIL_TYPES.includes(detailType)) return { ok: false, violation: `accepted detail-type ${String(detailType)}` };
  return { ok: true, parsed };
}

/** Recording fakes: every command sent, by name. Reads answer as AWS would; writes succeed. */
function recordingDeps(calls: string[]) {
  const record = (service: string, answer: (name: string) => unknown) => ({
    send: async (command: { constructor: { name: string } }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push(`${service}.${name}`);
      return answer(name);
    },
  });
  const services = fixture('api/ecs-describe-services.json');
  const ecs = record('ECS', (name) => (name === 'DescribeServices' ? structuredClone(services) : {}));
  const sfn = record('SFN', () => ({ executionArn: 'arn:aws:states:us-east-1:111122223333:execution:remediation:x', startDate: new Date() }));
  const dynamodb = record('DynamoDB', (name) => (name === 'UpdateItem' ? { Attributes: { count: { N: '1' } } } : {}));
  return {
    sfn: sfn as never,
    ecs: ecs as never,
    ledger: new Ledger(dynamodb as never, 'ledger'),
    stateMachineArn: () => 'arn:aws:states:us-east-1:111122223333:stateMachine:deploy-medic-dev-remediation',
    // auto, and a threshold of 1: every failure the triage finds reaches StartExecution.
    config: () => loadConfig({ MEDIC_MODE: 'auto', FAIL_FAST_FAILED_LAUNCHES: '1' }),
  };
}

const isWrite = (call: string) => !/\.(Describe|Get|List)/.test(call);

type Ingest = typeof ingestEvent;

async function judgeIngest(raw: unknown, verdict: Extract<ParseVerdict, { ok: true }>, ingest: Ingest = ingestEvent): Promise<string | undefined> {
  const calls: string[] = [];
  let result: IngestResult;
  try {
    result = await ingest(raw, recordingDeps(calls));
  } catch (error) {
    return `ingest threw ${(error as Error)?.name}: ${(error as Error)?.message}`;
  }
  if (verdict.error !== undefined) {
    if (result.outcome !== 'rejected' || result.error !== verdict.error.message) return `parseEvent rejected it, ingest answered ${result.outcome}`;
    if (calls.length > 0) return `rejected, yet called ${calls.join(', ')}`;
    return undefined;
  }
  if (result.outcome === 'rejected') return 'parseEvent accepted it, ingest rejected it';
  if (result.outcome === 'ignored' && calls.some(isWrite)) return `ignored (${result.reason}), yet wrote: ${calls.filter(isWrite).join(', ')}`;
  const starts = calls.filter((c) => c === 'SFN.StartExecution').length;
  if (result.outcome === 'started' && (starts !== 1 || result.executionName !== executionNameFor(result.incidentKey))) return `started with ${starts} StartExecution calls`;
  if (result.outcome !== 'started' && starts > 0) return `${result.outcome}, yet started an execution`;
  return undefined;
}

describe('Fuzz: event parsing and ingest', () => {
  it(`${RUNS} generated events: a parsed event of a known detail-type or a clear MedicError; ingest never crashes, and rejected or ignored events write nothing`, async () => {
    const seen = { total: 0, accepted: 0, rejected: 0, outcomes: {} as Record<string, number> };
    await fc.assert(
      fc.asyncProperty(anyEvent, async (raw) => {
        seen.total++;
        const verdict = judgeParse(parseEvent, raw);
        if (!verdict.ok) throw new Error(verdict.violation);
        if (verdict.error) seen.rejected++;
        else seen.accepted++;
        const violation = await judgeIngest(raw, verdict);
        if (violation !== undefined) throw new Error(violation);
      }),
      { numRuns: RUNS },
    );
    expect(seen.total).toBeGreaterThanOrEqual(RUNS);
    // Both roads are really taken: a fuzzer that only ever produced garbage would prove little.
    expect(seen.accepted).toBeGreaterThan(RUNS / 20);
    expect(seen.rejected).toBeGreaterThan(RUNS / 4);
  });

  it('every real fixture parses and none is rejected by ingest (the fuzzer starts from valid events)', async () => {
    for (const [name, event] of originals) {
      const verdict = judgeParse(parseEvent, event);
      expect(verdict, name).toMatchObject({ ok: true, parsed: expect.anything() });
      expect(await judgeIngest(event, verdict as Extract<ParseVerdict, { ok: true }>), name).toBeUndefined();
    }
  });

  describe('the properties can fail (planted bugs)', () => {
    it('a parser that reads a field before validating it (a TypeError on bad input) is caught', () => {
      const planted = (raw: unknown) => {
        const detail = (raw as { detail: { taskArn: string } }).detail;
        if (detail.taskArn.length > 1_000_000) throw new Error('unreachable');
        return parseEvent(raw);
      };
      const run = fc.check(fc.property(anyEvent, (raw) => judgeParse(planted, raw).ok), { numRuns: 500, seed: 42 });
      expect(run.failed).toBe(true);
    });

    it('an error that echoes a huge input in full is not a clear rejection', () => {
      const planted = (raw: unknown) => {
        throw new MedicError(`not a valid EventBridge event: ${JSON.stringify(raw)}`);
      };
      expect(judgeParse(planted, { 'detail-type': 'x'.repeat(10_000) })).toMatchObject({ ok: false, violation: expect.stringContaining('message of') });
    });

    it('an ingest that records a rejected event before rejecting it is caught', async () => {
      const raw = { ...originals.get('ecs-task-stopped-oom-fargate')!, source: 'aws.ec2' };
      const verdict = judgeParse(parseEvent, raw);
      expect(verdict).toMatchObject({ ok: true, error: expect.any(MedicError) });
      // The real ingest passes; the same judge fails a planted one that touches the ledger first.
      expect(await judgeIngest(raw, verdict as Extract<ParseVerdict, { ok: true }>)).toBeUndefined();
      const planted: Ingest = async (event, deps) => {
        await deps.ledger.countFailedLaunch('planted', 'OOM', 'task/x');
        return ingestEvent(event, deps);
      };
      expect(await judgeIngest(raw, verdict as Extract<ParseVerdict, { ok: true }>, planted)).toBe('rejected, yet called DynamoDB.UpdateItem');
    });
  });
});
