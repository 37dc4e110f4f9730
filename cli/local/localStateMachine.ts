/**
 * Runs a real ASL file from statemachines/ with aws-local-stepfunctions, binding each
 * Task state to the real handler of the function its Resource names. Used by the state
 * machine tests and by `medic demo`; both execute the exact file serverless.yml deploys.
 *
 * The transformations are the ones packaging and CloudFormation do at deploy: a Resource (or,
 * for `lambda:invoke` integrations, a Parameters.FunctionName) of `Fn::GetAtt: [<function>, Arn]`
 * becomes a Lambda ARN, and a value that is exactly `${param:NAME}` becomes the serverless.yml
 * param's default (osls resolves it at package time, e.g. the approval TimeoutSeconds).
 *
 * `.waitForTaskToken` states run their function, then wait on a {@link LocalCallbacks} token.
 */
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';
import { parse } from 'yaml';
import { LocalCallbacks } from './localCallbacks';

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
  /** The Task states that wait for a task token (`lambda:invoke.waitForTaskToken`). */
  callbackStates: string[];
  waitStates: string[];
  retryStates: string[];
}

const FAKE_ACCOUNT = '123456789012';
const lambdaArn = (fn: string) => `arn:aws:lambda:us-east-1:${FAKE_ACCOUNT}:function:${fn}`;
const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;

export function loadStateMachine(path: string, params: Record<string, unknown> = serverlessParams()): LoadedStateMachine {
  const definition = resolveParams(parse(readFileSync(path, 'utf8')), params) as AslDefinition;
  const taskFunctions: Record<string, string> = {};
  const callbackStates: string[] = [];
  const waitStates: string[] = [];
  const retryStates: string[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Wait') waitStates.push(name);
    if (Array.isArray(state.Retry)) retryStates.push(name);
    if (state.Type !== 'Task') continue;
    const fn = getAttFunction(state.Resource);
    if (fn !== undefined) {
      taskFunctions[name] = fn;
      state.Resource = lambdaArn(fn);
    }
    const parameters = state.Parameters as { FunctionName?: unknown } | undefined;
    const invoked = typeof state.Resource === 'string' && LAMBDA_INVOKE.test(state.Resource) ? getAttFunction(parameters?.FunctionName) : undefined;
    if (invoked !== undefined && parameters) {
      taskFunctions[name] = invoked;
      parameters.FunctionName = lambdaArn(invoked);
      if ((state.Resource as string).endsWith('.waitForTaskToken')) callbackStates.push(name);
    }
  }
  return { definition, taskFunctions, callbackStates, waitStates, retryStates };
}

/** The default params of serverless.yml (`params.default`), as osls would resolve `${param:NAME}`. */
function serverlessParams(): Record<string, unknown> {
  const file = new URL('../../serverless.yml', import.meta.url);
  // serverless.yml uses CloudFormation short tags (!Ref, !Sub ...): unknown to the YAML parser,
  // they only warn, and the params block uses none of them.
  const doc = parse(readFileSync(file, 'utf8'), { logLevel: 'silent' }) as { params?: { default?: Record<string, unknown> } };
  return doc.params?.default ?? {};
}

function resolveParams(value: unknown, params: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const match = /^\$\{param:([A-Za-z0-9]+)\}$/.exec(value);
    if (match === null) return value;
    if (!(match[1]! in params)) throw new Error(`the state machine uses \${param:${match[1]}}, which serverless.yml's params.default does not define`);
    return params[match[1]!];
  }
  if (Array.isArray(value)) return value.map((v) => resolveParams(v, params));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveParams(v, params)]));
  return value;
}

/** A handler that fails the execution, uncatchably, naming what is missing. */
function unbound(fn: string, state: string): TaskHandler {
  return () => {
    const error = Object.assign(new Error(`no handler bound for function "${fn}" (Task state "${state}")`), { isCatchable: false, isRetryable: false });
    error.name = 'States.Runtime';
    throw error;
  };
}

function getAttFunction(resource: unknown): string | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  const getAtt = (resource as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** The Context object's `State` node, as Step Functions fills it for the state running. */
interface StateContext {
  Name?: string;
  EnteredTime?: string;
  RetryCount?: number;
}
/** The parts of aws-local-stepfunctions' internals {@link fillingStateContext} reaches into. */
interface ExecutionEvents {
  dispatchStateEnteredEvent: (name: string, ...rest: unknown[]) => void;
  dispatchStateRetriedEvent: (name: string, ...rest: unknown[]) => void;
}
type Execute = (input: unknown, options: { runOptions?: { context?: { State?: StateContext } }; eventLogger?: Partial<ExecutionEvents> }, cleanup: unknown) => Promise<unknown>;

/**
 * Step Functions fills `$$.State` (Name, EnteredTime, RetryCount) for each state it runs;
 * aws-local-stepfunctions 3 leaves it out of the Context object, so an ASL that passes
 * `$$.State.RetryCount` (Remediate does) would fail here. This fills it the same way: from the
 * library's own StateEntered and StateRetried events, as it dispatches them - synchronously, before
 * the state's Parameters are evaluated. It reaches into the library (its private `execute`, and the
 * event logger each run gets): a version that changes them fails loudly here rather than count
 * wrong. States inside a Map or Parallel would see their parent's node (our machines have none).
 */
function fillingStateContext(stateMachine: StateMachine): StateMachine {
  const internals = stateMachine as unknown as { execute?: Execute };
  const execute = internals.execute;
  const changed = 'aws-local-stepfunctions changed its internals: $$.State cannot be filled (cli/local/localStateMachine.ts)';
  if (typeof execute !== 'function') throw new Error(changed);
  internals.execute = function (this: unknown, input, options, cleanup) {
    const state = options.runOptions?.context?.State;
    const events = options.eventLogger;
    const entered = events?.dispatchStateEnteredEvent?.bind(events);
    const retried = events?.dispatchStateRetriedEvent?.bind(events);
    if (state === undefined || events === undefined || entered === undefined || retried === undefined) throw new Error(changed);
    events.dispatchStateEnteredEvent = (name, ...rest) => {
      Object.assign(state, { Name: name, EnteredTime: new Date().toISOString(), RetryCount: 0 });
      entered(name, ...rest);
    };
    events.dispatchStateRetriedEvent = (name, ...rest) => {
      state.RetryCount = (state.RetryCount ?? 0) + 1;
      retried(name, ...rest);
    };
    return execute.call(this, input, options, cleanup);
  };
  return stateMachine;
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
    stateMachine = fillingStateContext(new StateMachine(machine.definition as never, { validationOptions: { checkArn: true, checkPaths: true } }));
    built.set(machine, stateMachine);
  }
  return stateMachine;
}

export interface RunOptions {
  /**
   * Function name (serverless.yml key) -> handler. A Task whose function is not bound fails the
   * execution when it is entered (uncatchable, like States.Runtime), so a run that never reaches
   * it (no approve mode, say) need not bind it.
   */
  handlers: Record<string, TaskHandler>;
  /** Milliseconds each Wait state really waits (default 0: time compressed). */
  waitMs?: number;
  /** Milliseconds between retries (default 0). */
  retryMs?: number;
  /** Called for each execution event as it happens (for live timelines). */
  onEvent?: (event: EventLog) => void;
  /** Where `.waitForTaskToken` states wait (a fresh one by default: pass one to answer the tokens). */
  callbacks?: LocalCallbacks;
  /**
   * Seconds every `.waitForTaskToken` state waits before States.Timeout (default: its own
   * TimeoutSeconds). Time compression for the timeout path, like `waitMs` for Wait states.
   */
  callbackTimeoutSeconds?: number;
  /** The execution's ARN (`$$.Execution.Id`); a local one by default. */
  executionArn?: string;
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
  const callbacks = options.callbacks ?? new LocalCallbacks();
  // One token per execution: each callback state is entered at most once per run here (AWS
  // issues a new token per attempt; a retried request overwrites the stored one either way).
  const taskToken = callbacks.newToken();
  const json = (value: unknown) => JSON.parse(JSON.stringify(value ?? null)) as Json;
  for (const [state, fn] of Object.entries(machine.taskFunctions)) {
    const handler = options.handlers[fn] ?? unbound(fn, state);
    if (machine.callbackStates.includes(state)) {
      // lambda:invoke hands the function its Payload; the state's result is the callback's output.
      localHandlers[state] = async (parameters) => {
        await handler(json((parameters as { Payload?: unknown }).Payload) as never);
        return json(await callbacks.waitFor(taskToken, state));
      };
      continue;
    }
    // JSON round trip: what a Lambda returns reaches Step Functions as JSON, never as objects.
    localHandlers[state] = async (payload) => json(await handler(payload as never));
  }
  // A callback timeout override changes the definition: build that one afresh; otherwise reuse the built machine.
  let stateMachine: StateMachine;
  if (options.callbackTimeoutSeconds !== undefined && machine.callbackStates.length > 0) {
    const definition = structuredClone(machine.definition);
    for (const state of machine.callbackStates) definition.States[state]!.TimeoutSeconds = options.callbackTimeoutSeconds;
    stateMachine = fillingStateContext(new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } }));
  } else {
    stateMachine = constructed(machine);
  }
  const executionArn = options.executionArn ?? `arn:aws:states:us-east-1:${FAKE_ACCOUNT}:execution:local:${taskToken.replace('local-task-token-', 'run-')}`;
  const execution = stateMachine.run(input as Json, {
    // A fresh State node per run, filled as states are entered and retried (fillingStateContext).
    // RedriveCount 0: a local run is never redriven.
    context: { Execution: { Id: executionArn, Name: executionArn.split(':').at(-1), RedriveCount: 0 }, State: {}, Task: { Token: taskToken } },
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
  callbacks?.closeAll();
  for (const event of events) {
    if (event.type === 'StateEntered' && event.state) result.visited.push(event.state.name);
    if (event.type === 'StateRetried' && event.state) result.retries[event.state.name] = (result.retries[event.state.name] ?? 0) + 1;
  }
  return result;
}
