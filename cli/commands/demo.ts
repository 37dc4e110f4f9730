/**
 * `medic demo`: the main job, locally. Starts moto_server on a free port, replays a real-shaped
 * OOM stopped-task event through the real ingest handler and the real Remediation ASL
 * (aws-local-stepfunctions, Task states bound to the real handlers, waits compressed), prints
 * the timeline and the outcome, and stops what it started.
 */
import { parseArgs } from 'node:util';
import { parseMode } from '../../shared/config';
import { logger } from '../../shared/observability';
import { startMoto } from '../local/moto';
import type { EventLog } from '../local/localStateMachine';
import { runOomScenario } from '../local/scenarios/oomScenario';
import { type Command, UsageError } from '../usage';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Replay a real OOM incident end to end against a local AWS endpoint (moto_server)',
  usage: [
    'medic demo [--mode auto|observe] [--json] [--verbose]',
    '',
    '  --mode     auto (default here: the demo account is throwaway) or observe (plan and report only)',
    '  --json     print the result as JSON instead of a timeline',
    '  --verbose  also print the handlers\' structured (Powertools) log lines',
    '',
    'Needs moto_server on PATH (pip install "moto[server]"). Nothing leaves this machine.',
  ].join('\n'),

  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { mode: { type: 'string', default: 'auto' }, json: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false } } });
    // The handlers' structured logs are for CloudWatch; the timeline below tells the story here.
    if (!values.verbose) logger.setLogLevel('WARN');
    let mode;
    try {
      mode = parseMode(values.mode);
    } catch (error) {
      throw new UsageError((error as Error).message.replace('MEDIC_MODE', '--mode'));
    }
    const print = values.json ? () => {} : (line: string) => process.stdout.write(`${line}\n`);

    const moto = await startMoto();
    const started = Date.now();
    const elapsed = () => `+${((Date.now() - started) / 1000).toFixed(2)}s`.padStart(7);
    try {
      print(`deploy-medic demo - mode ${mode}, local AWS at ${moto.endpoint} (moto_server)\n`);
      const result = await runOomScenario({
        endpoint: moto.endpoint,
        mode,
        onStep: (line) => print(`${elapsed()}  setup     ${line}`),
        onEvent: (event) => {
          const line = describeEvent(event);
          if (line !== undefined) print(`${elapsed()}  ${line}`);
        },
      });
      if (values.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        const output = (result.run.output ?? {}) as { outcome?: string };
        print('');
        print(`Outcome: ${output.outcome ?? result.run.status}${result.run.error ? ` (${result.run.error.name}: ${result.run.error.message})` : ''}`);
        print(`  deliveries: ${result.deliveries.map((d) => d.outcome).join(', ')} -> ${result.executionsStarted} execution(s)`);
        print(`  revision:   ${result.before.taskDefinitionArn} -> ${result.after.taskDefinitionArn}`);
        print(`  task size:  cpu ${result.before.cpu} / memory ${result.before.taskMemory} MiB -> cpu ${result.after.cpu} / memory ${result.after.taskMemory} MiB`);
        print(`  container:  memory ${result.before.containerMemory} MiB -> ${result.after.containerMemory} MiB`);
        print(`  alerts (${result.alerts.length}, read back from an SQS queue subscribed to the topic):`);
        for (const alert of result.alerts) print(`    [${alert.attributes.severity}] ${alert.subject}`);
        print(`  state transitions: ${result.run.events.filter((e) => e.type === 'StateEntered').length}`);
      }
      return result.run.status === 'SUCCEEDED' ? 0 : 1;
    } finally {
      await moto.stop();
    }
  },
};

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
