/**
 * `npm run bench`: the figures deploy-medic steers by, measured, never asserted in tests.
 *
 *  - functions: per function in serverless.yml, the esbuild bundle (serverless.yml's own
 *    custom.esbuild options) and its module init time, beside a naive bundle of the same
 *    handler (scripts/bench/bundles.ts says exactly what naive is). Median of BENCH_INIT_RUNS
 *    fresh `node` processes each.
 *  - storm: 10,000 stopped-task events for 10 failing services through the real ingest
 *    (cli/local/storm.ts): events, incidents, executions (must be 10), ingest CPU ms per event.
 *  - scenarios: per demo scenario, state transitions (counted by executing the ASL), AWS API
 *    calls (counted at the SDK, also per operation), and cost per incident at Step Functions
 *    Standard and Lambda prices.
 *  - failFast: a bad deployment at desired count 1, 5 and 25 - failed launches before our
 *    rollback starts, beside what the ECS circuit breaker needs (clamp(ceil(0.5 x desired), 3,
 *    200)), and our own processing time from the decisive event to the first remediation
 *    call (median of BENCH_RUNS, locally against moto_server).
 *
 * Prints tables and writes bench/results.json. BENCH_ONLY=functions,storm,scenarios,failFast
 * runs a part; BENCH_FUNCTIONS=ingest,notify limits the functions part to those functions.
 */
import { cpus, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildStorm, runStorm } from '../cli/local/storm';
import { benchBundles, type FunctionFigures } from './bench/bundles';
import { median, round } from './bench/stats';
import { startMoto } from '../cli/local/moto';
import type { RunResult } from '../cli/local/localStateMachine';
import { runBadDeployScenario } from '../cli/local/scenarios/badDeployScenario';
import { runOomScenario } from '../cli/local/scenarios/oomScenario';
import { logger } from '../shared/observability';

/** Prices (us-east-1, as published by AWS): Step Functions Standard per state transition; Lambda arm64. */
const PRICE = {
  stateTransition: 0.025 / 1000,
  lambdaRequest: 0.2 / 1_000_000,
  lambdaGbSecondArm: 0.0000133334,
  lambdaMemoryGb: 0.5, // serverless.yml memorySize 512
};
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// 7 cold processes per bundle x 2 bundles x 6 functions: about a minute idle, several under heavy load.
const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 7);
const STORM_EVENTS = Number(process.env.BENCH_STORM_EVENTS ?? 10_000);
/** The same storm, run again on fresh fakes: the CPU figure is the median per event. */
const STORM_REPEATS = Number(process.env.BENCH_STORM_REPEATS ?? 5);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'functions,storm,scenarios,failFast').split(','));
/** Goals (issue 7 and 6): measured against, never asserted. */
const GOAL = { initRatio: 1 / 3, cpuMsPerEvent: 0.2, transitions: 25, apiCalls: 15 };

const countBy = (xs: string[]) => {
  const counts: Record<string, number> = {};
  for (const x of xs) counts[x] = (counts[x] ?? 0) + 1;
  return counts;
};

/** Lambda cost of one execution: one invocation per Task state run, billed for its measured duration. */
function executionCost(run: RunResult, ingestInvocations: number): { transitions: number; costUsd: number } {
  const transitions = run.events.filter((e) => e.type === 'StateEntered').length;
  const entered = new Map<string, number>();
  let taskMs = 0;
  let tasks = 0;
  for (const e of run.events) {
    const name = e.state?.name ?? '';
    if (e.type === 'StateEntered') entered.set(name, e.timestamp);
    if (e.type === 'StateExited' && entered.has(name)) {
      const started = entered.get(name) ?? e.timestamp;
      if (/^(Diagnose|Remediate|PlanOnly|CheckDeployment|Notify)/.test(name)) {
        tasks += 1;
        taskMs += Math.max(1, e.timestamp - started);
      }
    }
  }
  const invocations = tasks + ingestInvocations;
  const lambda = invocations * PRICE.lambdaRequest + (taskMs / 1000) * PRICE.lambdaMemoryGb * PRICE.lambdaGbSecondArm;
  return { transitions, costUsd: transitions * PRICE.stateTransition + lambda };
}

async function main() {
  logger.setLogLevel('SILENT');
  const results: Record<string, unknown> = {};
  const loadBefore = loadavg();

  if (ONLY.has('functions')) {
    console.error(`functions: bundling and ${INIT_RUNS} cold imports per bundle ...`);
    const only = process.env.BENCH_FUNCTIONS?.split(',');
    results.functions = await benchBundles({ root: process.cwd(), runs: INIT_RUNS, ...(only ? { only } : {}) });
  }

  if (ONLY.has('storm')) {
    console.error(`storm: ${STORM_EVENTS} events ...`);
    // The deployed log level: every event's log line is formatted (then dropped, not printed).
    logger.setLogLevel('INFO');
    const storm = buildStorm({ events: STORM_EVENTS, services: 10 });
    const warmRuns = [];
    for (let i = 0; i < STORM_REPEATS; i++) warmRuns.push(await runStorm(storm));
    const warm = warmRuns[0] as Awaited<ReturnType<typeof runStorm>>;
    // The worst case: every event in a container of its own, so only the ledger remembers (fewer events: each costs SDK calls).
    const cold = await runStorm(buildStorm({ events: Math.min(2000, STORM_EVENTS), services: 10, seed: 8 }), { containerMemory: false });
    logger.setLogLevel('SILENT');
    results.storm = {
      events: warm.events,
      tasks: warm.tasks,
      incidents: warm.incidents,
      executions: warm.executions,
      executionsExpected: 10,
      executionsEveryRun: warmRuns.map((r) => r.executions),
      repeats: STORM_REPEATS,
      cpuMsPerEvent: round(median(warmRuns.map((r) => r.cpuMs / r.events)), 3),
      cpuMsPerEventEveryRun: warmRuns.map((r) => round(r.cpuMs / r.events, 3)),
      wallMsPerEvent: round(median(warmRuns.map((r) => r.wallMs / r.events)), 3),
      outcomes: warm.outcomes,
      apiCalls: warm.apiCalls,
      withoutContainerMemory: {
        events: cold.events,
        executions: cold.executions,
        cpuMsPerEvent: round(cold.cpuMs / cold.events, 3),
        apiCalls: cold.apiCalls,
      },
    };
  }

  if (ONLY.has('scenarios') || ONLY.has('failFast')) {
    const moto = await startMoto();
    try {
      if (ONLY.has('failFast')) {
        console.error('failFast: bad deployments at desired 1, 5, 25 ...');
        // Fail-fast against the circuit breaker.
        const failFast = [];
        for (const desiredCount of [1, 5, 25]) {
          const samples = [];
          let last;
          for (let i = 0; i < RUNS; i++) {
            last = await runBadDeployScenario({ endpoint: moto.endpoint, cause: 'image-missing', desiredCount, name: `ff-${desiredCount}-${i}` });
            samples.push(last.processingMs);
          }
          failFast.push({
            desiredCount,
            failedLaunchesBeforeRollback: last?.failedLaunchesBeforeRollback,
            circuitBreakerThreshold: last?.circuitBreakerThreshold,
            processingMs: round(median(samples), 1),
          });
        }
        results.failFast = failFast;
      }

      if (ONLY.has('scenarios')) {
        console.error('scenarios: oom, bad-deploy, retry-rollback ...');
        // Cost and size of each demo scenario.
        const scenarios = [];
        const oom = await runOomScenario({ endpoint: moto.endpoint, name: 'bench-oom' });
        scenarios.push({ name: 'oom', ...executionCost(oom.run, oom.deliveries.length), apiCalls: oom.apiCalls.length, deliveries: oom.deliveries.length, apiCallsByOperation: countBy(oom.apiCalls) });
        for (const cause of ['image-missing', 'registry-throttled'] as const) {
          const r = await runBadDeployScenario({ endpoint: moto.endpoint, cause, name: `bench-${cause}` });
          scenarios.push({
            name: cause === 'image-missing' ? 'bad-deploy' : 'retry-rollback',
            ...executionCost(r.run, r.deliveries.length),
            apiCalls: r.apiCalls.length,
            deliveries: r.deliveries.length,
            apiCallsByOperation: countBy(r.apiCalls),
          });
        }
        results.scenarios = scenarios.map((s) => ({ ...s, costUsd: Number(s.costUsd.toPrecision(3)) }));
      }
    } finally {
      await moto.stop();
    }
  }

  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAverage1mBefore: round(loadBefore[0] ?? 0, 1), loadAverage1mAfter: round(loadavg()[0] ?? 0, 1) };
  mkdirSync('bench', { recursive: true });
  writeFileSync(
    'bench/results.json',
    `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, machine, runs: RUNS, initRuns: INIT_RUNS, goals: GOAL, ...results }, null, 2)}\n`,
  );
  printTables(results, machine);
}

function printTables(results: Record<string, unknown>, machine: Record<string, unknown>) {
  console.log(`\nnode ${process.version}, ${machine.cpus} CPUs (${machine.cpuModel}), load average ${machine.loadAverage1mBefore} before / ${machine.loadAverage1mAfter} after`);
  const functions = results.functions as FunctionFigures[] | undefined;
  if (functions) {
    console.log(`\nFunctions (median of ${INIT_RUNS} cold node processes each; init = the bundle's import; goal: init <= 1/3 of naive)`);
    console.log('| function | bundle KiB | naive KiB | init ms | naive init ms | init CPU ms | naive init CPU ms | init / naive | goal met | floor ms | floor / naive |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
    for (const f of functions) {
      console.log(
        `| ${f.name} | ${Math.round(f.bundleBytes / 1024)} | ${Math.round(f.naiveBundleBytes / 1024)} | ${f.initMs} | ${f.naiveInitMs} | ${f.initCpuMs} | ${f.naiveInitCpuMs} | ${f.initRatio} | ${f.initRatio <= GOAL.initRatio ? 'yes' : 'no'} | ${f.floorInitMs} | ${f.floorRatio} |`,
      );
    }
    console.log('floor: Powertools Logger/Tracer/Metrics + one traced client per SDK package the function uses, nothing else (scripts/bench/bundles.ts)');
  }
  const storm = results.storm as Record<string, unknown> | undefined;
  if (storm) {
    const cold = storm.withoutContainerMemory as Record<string, unknown>;
    console.log(`\nStorm (stopped tasks of 10 failing services: redelivered, newer versions, shuffled, 10% normal stops; CPU: median of ${STORM_REPEATS} runs, one warm container)`);
    console.log('| events | incidents | executions (must be 10) | ingest CPU ms / event (goal <= 0.2) | AWS calls | CPU ms / event, no warm container |');
    console.log('| ---: | ---: | ---: | ---: | --- | ---: |');
    const calls = Object.entries(storm.apiCalls as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`| ${storm.events} | ${storm.incidents} | ${storm.executions}${(storm.executionsEveryRun as number[]).every((n) => n === 10) ? '' : ' WRONG'} | ${storm.cpuMsPerEvent} | ${calls} | ${cold.cpuMsPerEvent} (${cold.events} events) |`);
  }
  const failFast = results.failFast as Array<Record<string, unknown>> | undefined;
  if (failFast) {
    console.log('\nFail-fast (bad deployment: image tag missing)');
    console.log('| desired | failed launches before our rollback | circuit breaker threshold | processing ms (decisive event -> first remediation call) |');
    console.log('| ---: | ---: | ---: | ---: |');
    for (const r of failFast) console.log(`| ${r.desiredCount} | ${r.failedLaunchesBeforeRollback} | ${r.circuitBreakerThreshold} | ${r.processingMs} |`);
  }
  const scenarios = results.scenarios as Array<Record<string, unknown>> | undefined;
  if (scenarios) {
    console.log('\nScenarios (one incident each; goals for a typical incident: <= 25 transitions, <= 15 API calls)');
    console.log('| scenario | deliveries | state transitions | AWS API calls | cost per incident (USD) | calls by operation |');
    console.log('| --- | ---: | ---: | ---: | ---: | --- |');
    for (const s of scenarios) {
      const ops = Object.entries(s.apiCallsByOperation as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ');
      console.log(`| ${s.name} | ${s.deliveries} | ${s.transitions} | ${s.apiCalls} | ${s.costUsd} | ${ops} |`);
    }
  }
  console.log('\nWritten to bench/results.json');
}

await main();
