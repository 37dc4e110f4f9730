/**
 * Runs a real ASL file from statemachines/ with aws-local-stepfunctions, binding each
 * Task state to the real handler of the function its Resource names. Used by the state
 * machine tests and by `medic demo`; both execute the exact file serverless.yml deploys.
 *
 * The only transformation is the one CloudFormation does at deploy: a Resource of
 * `Fn::GetAtt: [<function>, Arn]` becomes a Lambda ARN.
 */
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';
import { parse } from 'yaml';
import { executionNameFor } from '../../shared/incident';

/** aws-local-stepfunctions does not export its event type; this is the part we read. */
export interface EventLog {
  type: string;
  timestamp: number;
  state?: { name: string; input?: unknown; output?: unknown };
  output?: unknown;
  Error?: string;
  Cause?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type TaskHandler = (input: never) => Promise<unknown> | unknown;

interface AslState {
  Type: string;
  Resource?: unknown;
  Retry?: unknown[];
  [key: string]: unknown;
}
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [key: string]: unknown;
}

export interface LoadedStateMachine {
  definition: AslDefinition;
  /** Task state name -> the function (serverless.yml key) its Resource points at. */
  taskFunctions: Record<string, string>;
  waitStates: string[];
  retryStates: string[];
}

const FAKE_ACCOUNT = '123456789012';

export function loadStateMachine(path: string): LoadedStateMachine {
  const definition = parse(readFileSync(path, 'utf8')) as AslDefinition;
  const taskFunctions: Record<string, string> = {};
  const waitStates: string[] = [];
  const retryStates: string[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Wait') waitStates.push(name);
    if (Array.isArray(state.Retry)) retryStates.push(name);
    if (state.Type !== 'Task') continue;
    const fn = getAttFunction(state.Resource);
    if (fn !== undefined) {
      taskFunctions[name] = fn;
      state.Resource = `arn:aws:lambda:us-east-1:${FAKE_ACCOUNT}:function:${fn}`;
    }
  }
  return { definition, taskFunctions, waitStates, retryStates };
}

function getAttFunction(resource: unknown): string | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  const getAtt = (resource as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/**
 * Building a StateMachine validates the whole definition (hundreds of ms); its runs take tens.
 * One per loaded machine, so a property that executes the ASL many times pays it once.
 * (Load the file again for a changed definition: loadStateMachine returns a new object.)
 */
const built = new WeakMap<LoadedStateMachine, StateMachine>();
function constructed(machine: LoadedStateMachine): StateMachine {
  let stateMachine = built.get(machine);
  if (stateMachine === undefined) {
    stateMachine = new StateMachine(machine.definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
    built.set(machine, stateMachine);
  }
  return stateMachine;
}

export interface RunOptions {
  /** Function name (serverless.yml key) -> handler. Every Task's function must be bound. */
  handlers: Record<string, TaskHandler>;
  /** Milliseconds each Wait state really waits (default 0: time compressed). */
  waitMs?: number;
  /** Milliseconds between retries (default 0). */
  retryMs?: number;
  /**
   * The execution's name (`$$.Execution.Name`). Default: the name ingest gives an incident's
   * execution (shared/incident.ts executionNameFor), when the input names an incident.
   */
  executionName?: string;
  /** Called for each execution event as it happens (for live timelines). */
  onEvent?: (event: EventLog) => void;
}

export interface RunResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { name: string; message: string };
  events: EventLog[];
  /** State names in the order they were entered. */
  visited: string[];
  /** How many times each Task state was retried. */
  retries: Record<string, number>;
}

/**
 * @example
 * const sm = loadStateMachine('statemachines/remediation.asl.yaml');
 * const run = await runStateMachine(sm, input, { handlers: { diagnose, remediate, checkDeployment, notify } });
 * run.visited; // ['Diagnose', 'ChoosePlan', 'NotifyOpened', ...]
 */
export async function runStateMachine(machine: LoadedStateMachine, input: unknown, options: RunOptions): Promise<RunResult> {
  const localHandlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const [state, fn] of Object.entries(machine.taskFunctions)) {
    const handler = options.handlers[fn];
    if (handler === undefined) throw new Error(`no handler bound for function "${fn}" (Task state "${state}")`);
    // JSON round trip: what a Lambda returns reaches Step Functions as JSON, never as objects.
    localHandlers[state] = async (payload) => JSON.parse(JSON.stringify((await handler(payload as never)) ?? null)) as Json;
  }
  const stateMachine = constructed(machine);
  const incidentKey = (input as { incident?: { key?: unknown } } | null)?.incident?.key;
  const executionName = options.executionName ?? (typeof incidentKey === 'string' ? executionNameFor(incidentKey) : 'local-execution');
  const execution = stateMachine.run(input as Json, {
    context: { Execution: { Name: executionName } } as never,
    overrides: {
      taskResourceLocalHandlers: localHandlers,
      waitTimeOverrides: Object.fromEntries(machine.waitStates.map((s) => [s, options.waitMs ?? 0])),
      retryIntervalOverrides: Object.fromEntries(machine.retryStates.map((s) => [s, options.retryMs ?? 0])),
    },
  });

  const events: EventLog[] = [];
  const collecting = (async () => {
    for await (const raw of execution.eventLogs) {
      const event = raw as unknown as EventLog;
      events.push(event);
      options.onEvent?.(event);
    }
  })();

  let result: RunResult;
  try {
    const output = await execution.result;
    result = { status: 'SUCCEEDED', output, events, visited: [], retries: {} };
  } catch (error) {
    // ExecutionError wraps what failed the run (a Fail state's Error/Cause, or an uncaught task error).
    const e = ((error as Error).cause ?? error) as Error;
    result = { status: 'FAILED', error: { name: e.name, message: e.message }, events, visited: [], retries: {} };
  }
  await collecting;
  for (const event of events) {
    if (event.type === 'StateEntered' && event.state) result.visited.push(event.state.name);
    if (event.type === 'StateRetried' && event.state) result.retries[event.state.name] = (result.retries[event.state.name] ?? 0) + 1;
  }
  return result;
}
