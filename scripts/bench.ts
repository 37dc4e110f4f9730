/**
 * `npm run bench`: the figures deploy-medic steers by, measured, never asserted in tests.
 *
 *  - failFast: a bad deployment at desired count 1, 5 and 25 - failed launches before our
 *    rollback starts, beside what the ECS circuit breaker needs (clamp(ceil(0.5 x desired), 3,
 *    200)), and our own processing time from the decisive event to the first remediation
 *    call (median of RUNS, locally against moto_server).
 *  - scenarios: per demo scenario, state transitions (counted by executing the ASL), AWS API
 *    calls (counted at the SDK), and cost per incident at Step Functions Standard and Lambda
 *    prices.
 *
 * Prints a table and writes bench/results.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
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

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

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
  const moto = await startMoto();
  const results: Record<string, unknown> = {};
  try {
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

    // Cost and size of each demo scenario.
    const scenarios = [];
    const oom = await runOomScenario({ endpoint: moto.endpoint, name: 'bench-oom' });
    scenarios.push({ name: 'oom', ...executionCost(oom.run, oom.deliveries.length), apiCalls: oom.apiCalls.length });
    for (const cause of ['image-missing', 'registry-throttled'] as const) {
      const r = await runBadDeployScenario({ endpoint: moto.endpoint, cause, name: `bench-${cause}` });
      scenarios.push({ name: cause === 'image-missing' ? 'bad-deploy' : 'retry-rollback', ...executionCost(r.run, r.deliveries.length), apiCalls: r.apiCalls.length });
    }
    results.scenarios = scenarios.map((s) => ({ ...s, costUsd: Number(s.costUsd.toPrecision(3)) }));
  } finally {
    await moto.stop();
  }

  mkdirSync('bench', { recursive: true });
  writeFileSync('bench/results.json', `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, runs: RUNS, ...results }, null, 2)}\n`);
  printTables(results);
}

function printTables(results: Record<string, unknown>) {
  const failFast = results.failFast as Array<Record<string, unknown>>;
  console.log('\nFail-fast (bad deployment: image tag missing)');
  console.log('| desired | failed launches before our rollback | circuit breaker threshold | processing ms (decisive event -> first remediation call) |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (const r of failFast) console.log(`| ${r.desiredCount} | ${r.failedLaunchesBeforeRollback} | ${r.circuitBreakerThreshold} | ${r.processingMs} |`);
  const scenarios = results.scenarios as Array<Record<string, unknown>>;
  console.log('\nScenarios (one incident each)');
  console.log('| scenario | state transitions | AWS API calls | cost per incident (USD) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const s of scenarios) console.log(`| ${s.name} | ${s.transitions} | ${s.apiCalls} | ${s.costUsd} |`);
  console.log('\nWritten to bench/results.json');
}

await main();
