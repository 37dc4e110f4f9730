/**
 * `medic demo`: the main job, locally. Starts moto_server on a free port, replays real-shaped
 * incidents (an OOM kill, a bad deployment, a transient failure that needs a rollback after
 * retries) through the real ingest handler and the real Remediation ASL (aws-local-stepfunctions,
 * Task states bound to the real handlers, waits compressed), prints each timeline and outcome,
 * and stops what it started.
 */
import { parseArgs } from 'node:util';
import { parseMode } from '../../shared/config';
import { logger } from '../../shared/observability';
import { startMoto } from '../local/moto';
import type { EventLog } from '../local/localStateMachine';
import { type ApproveResult, runApproveScenario } from '../local/scenarios/approveScenario';
import { type BadDeployResult, runBadDeployScenario } from '../local/scenarios/badDeployScenario';
import { runOomScenario, type ScenarioOptions, type ScenarioResult } from '../local/scenarios/oomScenario';
import { runStackDeleteScenario, type StackDeleteResult } from '../local/scenarios/stackDeleteScenario';
import { type Command, UsageError } from '../usage';

const SCENARIOS = {
  oom: {
    title: 'OOM: a task killed for memory gets a bigger revision',
    run: (options: ScenarioOptions): Promise<ScenarioResult> => runOomScenario(options),
  },
  'bad-deploy': {
    title: 'Bad deployment: a missing image tag, rolled back after 2 failed launches (fail-fast)',
    run: (options: ScenarioOptions): Promise<ScenarioResult> => runBadDeployScenario({ ...options, cause: 'image-missing' }),
  },
  'retry-rollback': {
    title: 'Transient failure: registry throttling, redeployed with backoff, then rolled back',
    run: (options: ScenarioOptions): Promise<ScenarioResult> => runBadDeployScenario({ ...options, cause: 'registry-throttled' }),
  },
  approve: {
    title: 'Approve mode: the OOM fix proposed, on-call asked, approved with medic approve, then applied',
    run: (options: ScenarioOptions): Promise<ApproveResult> => runApproveScenario(options),
  },
  'stack-delete': {
    title: 'DELETE_FAILED stack: an orphaned ENI cleaned up, a DB instance never touched, the stack deleted retaining its subnet group',
    run: (options: ScenarioOptions): Promise<StackDeleteResult> => runStackDeleteScenario(options),
  },
} as const;
type ScenarioName = keyof typeof SCENARIOS;
const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Replay real incidents end to end against a local AWS endpoint (moto_server)',
  usage: [
    'medic demo [--scenario NAME|all] [--mode auto|observe] [--json] [--verbose]',
    '',
    `  --scenario  ${SCENARIO_NAMES.join(', ')} or all (default)`,
    ...SCENARIO_NAMES.map((n) => `                ${n}: ${SCENARIOS[n].title}`),
    '  --mode      auto (default here: the demo account is throwaway) or observe (plan and report only)',
    '  --json      print the results as JSON instead of a timeline',
    "  --verbose   also print the handlers' structured (Powertools) log lines",
    '',
    'Needs moto_server on PATH (pip install "moto[server]"). Nothing leaves this machine.',
  ].join('\n'),

  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string', default: 'all' },
        mode: { type: 'string', default: 'auto' },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
      },
    });
    let mode;
    try {
      mode = parseMode(values.mode);
    } catch (error) {
      throw new UsageError((error as Error).message.replace('MEDIC_MODE', '--mode'));
    }
    const chosen = values.scenario === 'all' ? SCENARIO_NAMES : [values.scenario as ScenarioName];
    if (!chosen.every((n) => n in SCENARIOS)) throw new UsageError(`unknown scenario "${values.scenario}" (scenarios: ${SCENARIO_NAMES.join(', ')}, all)`);
    // The handlers' structured logs are for CloudWatch; the timeline below tells the story here.
    if (!values.verbose) logger.setLogLevel('WARN');
    const print = values.json ? () => {} : (line: string) => process.stdout.write(`${line}\n`);

    const moto = await startMoto();
    const results: Record<string, ScenarioResult | StackDeleteResult | ApproveResult> = {};
    try {
      print(`deploy-medic demo - mode ${mode}, local AWS at ${moto.endpoint} (moto_server)`);
      for (const name of chosen) {
        print(`\n=== ${name}: ${SCENARIOS[name].title}\n`);
        const started = Date.now();
        const elapsed = () => `+${((Date.now() - started) / 1000).toFixed(2)}s`.padStart(7);
        const result = await SCENARIOS[name].run({
          endpoint: moto.endpoint,
          mode,
          onStep: (line) => print(`${elapsed()}  setup     ${line}`),
          onEvent: (event) => {
            const line = describeEvent(event);
            if (line !== undefined) print(`${elapsed()}  ${line}`);
          },
        });
        results[name] = result;
        printOutcome(print, result);
      }
      if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      return Object.values(results).every((r) => r.run.status === 'SUCCEEDED') ? 0 : 1;
    } finally {
      await moto.stop();
    }
  },
};

function printOutcome(print: (line: string) => void, result: ScenarioResult | BadDeployResult | StackDeleteResult | ApproveResult): void {
  const output = (result.run.output ?? {}) as { outcome?: string };
  print('');
  print(`Outcome: ${output.outcome ?? result.run.status}${result.run.error ? ` (${result.run.error.name}: ${result.run.error.message})` : ''}`);
  print(`  deliveries: ${result.deliveries.map((d) => d.outcome).join(', ')} -> ${result.executionsStarted} execution(s)`);
  if ('ids' in result) {
    const { after, ids } = result;
    print(`  stack:      ${after.stackStatus}`);
    print(`  ${ids.securityGroupId} (DatabaseSecurityGroup): ${after.securityGroupExists ? 'still there' : 'deleted with the stack'}`);
    print(`  ${ids.eniId} (orphaned Lambda ENI): ${after.orphanEniExists ? 'still there' : 'deleted'}`);
    print(`  ${ids.subnetGroup} (DatabaseSubnetGroup): ${after.subnetGroupExists ? 'retained' : 'deleted'}`);
    print(`  ${ids.dbInstance} (DB instance): ${after.dbInstanceExists ? 'untouched' : 'GONE'}`);
    print(`  alerts (${result.alerts.length}):`);
    for (const alert of result.alerts) print(`    [${alert.attributes.severity}] ${alert.subject}`);
    print(`  state transitions: ${result.run.events.filter((e) => e.type === 'StateEntered').length}, AWS API calls: ${result.apiCalls.length}`);
    return;
  }
  if ('asked' in result) {
    print(`  asked:      ${result.asked.action} until ${result.asked.deadline}; ECS writes before the decision: ${result.writesBeforeDecision.length}`);
    for (const line of result.decision) print(`  decided:    ${line}`);
  }
  if ('failedLaunchesBeforeRollback' in result) {
    print(
      `  fail-fast:  acted after ${result.failedLaunchesBeforeRollback} failed launches; the ECS circuit breaker needs ${result.circuitBreakerThreshold} at desired count ${result.desiredCount}`,
    );
  }
  print(`  revision:   ${result.before.taskDefinitionArn} -> ${result.after.taskDefinitionArn}`);
  print(`  image:      ${result.before.image} -> ${result.after.image}`);
  print(`  task size:  cpu ${result.before.cpu} / memory ${result.before.taskMemory} MiB -> cpu ${result.after.cpu} / memory ${result.after.taskMemory} MiB`);
  print(`  container:  memory ${result.before.containerMemory} MiB -> ${result.after.containerMemory} MiB`);
  print(`  alerts (${result.alerts.length}, read back from an SQS queue subscribed to the topic):`);
  for (const alert of result.alerts) print(`    [${alert.attributes.severity}] ${alert.subject}`);
  print(`  state transitions: ${result.run.events.filter((e) => e.type === 'StateEntered').length}`);
}

/** One timeline line per finished state, saying what it found or did. */
function describeEvent(event: EventLog): string | undefined {
  const name = event.state?.name ?? '';
  const out = event.state?.output as Record<string, unknown> | undefined;
  if (event.type === 'StateRetried') return `${name.padEnd(9)} retried (transient AWS error)`;
  if (event.type === 'StateCaught') return `${name.padEnd(9)} failed; caught: ${event.Error ?? ''}`;
  if (event.type !== 'StateExited' || out === undefined) return undefined;
  const get = <T>(path: string): T | undefined => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], out) as T | undefined;
  switch (name) {
    case 'Diagnose':
      return `Diagnose  ${get<string>('diagnosis.category')} (confidence ${get<number>('diagnosis.confidence')}): ${get<string>('diagnosis.summary')}\n${' '.repeat(19)}plan: ${get<string>('diagnosis.plan.action')} - ${get<string>('diagnosis.plan.reason')}`;
    case 'ProposePlan':
      return `Propose   dry run for on-call: ${(get<string[]>('proposal.steps') ?? []).join('\n' + ' '.repeat(19))}`;
    case 'UseFallback':
      return `Fallback  attempts spent: the plan's fallback (${get<string>('diagnosis.plan.action')}) takes over`;
    case 'WaitBeforeRetry':
      return `Retry     waited ${get<number>('attempt.waitSeconds')} s (compressed) before attempt ${(get<number>('attempt.count') ?? 0) + 1}`;
    case 'Remediate':
    case 'PlanOnly':
      return `${name.padEnd(9)} ${(get<string[]>('remediation.steps') ?? []).join('\n' + ' '.repeat(19))}`;
    case 'WaitForDeployment':
      return `Wait      ${get<number>('backoff.waitSeconds')} s (compressed)`;
    case 'CheckDeployment':
      return `Verify    ${get<string>('verification.status')}: ${get<string>('verification.detail')}`;
    case 'NotifyOpened':
    case 'NotifyObserved':
    case 'NotifyResolved':
    case 'NotifyEscalated':
      return `Notify    ${name.slice('Notify'.length).toLowerCase()} -> SNS`;
    default:
      return undefined;
  }
}
