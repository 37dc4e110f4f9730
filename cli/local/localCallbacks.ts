/**
 * Task tokens for local executions: what Step Functions does for a
 * `arn:aws:states:::lambda:invoke.waitForTaskToken` state, in process. The runner
 * (localStateMachine.ts) invokes the state's real function with its Payload, then waits here on
 * the token until SendTaskSuccess / SendTaskFailure arrive, through {@link LocalCallbacks.succeed}
 * and {@link LocalCallbacks.fail} - which tests and `medic demo` wire to an SFN client, so the
 * real `medic approve` code makes the call. The state's TimeoutSeconds is enforced by
 * aws-local-stepfunctions itself.
 *
 * Answers like Step Functions: an unknown token is `InvalidToken`, a token whose execution
 * stopped waiting (timed out, ended) is `TaskTimedOut`.
 */
import { randomUUID } from 'node:crypto';

interface Waiter {
  state: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

export class LocalCallbacks {
  private readonly waiting = new Map<string, Waiter>();
  private readonly closed = new Set<string>();
  private readonly listeners: Array<(token: string, state: string) => void> = [];

  /** A token as opaque as AWS's (AWS's are long base64 strings). */
  newToken(): string {
    return `local-task-token-${randomUUID()}`;
  }

  /** Called by the runner once the state's function returned: the execution now waits. */
  waitFor(token: string, state: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.set(token, { state, resolve, reject });
      for (const listener of this.listeners) listener(token, state);
    });
  }

  /** Resolves with the next token an execution waits on (or one already waiting). */
  nextWaiting(): Promise<{ token: string; state: string }> {
    const first = this.waiting.entries().next();
    if (!first.done) return Promise.resolve({ token: first.value[0], state: first.value[1].state });
    return new Promise((resolve) => this.listeners.push((token, state) => resolve({ token, state })));
  }

  /** SendTaskSuccess: `output` is the JSON string the API takes. */
  succeed(token: string, output: string): void {
    this.take(token).resolve(JSON.parse(output) as unknown);
  }

  /** SendTaskFailure: the state fails with Error = `error`, Cause = `cause`. */
  fail(token: string, error: string | undefined, cause: string | undefined): void {
    const failure = new Error(cause ?? '');
    failure.name = error ?? '';
    this.take(token).reject(failure);
  }

  /** The execution ended: tokens still waiting can no longer be answered (their wait timed out). */
  closeAll(): void {
    for (const token of this.waiting.keys()) this.closed.add(token);
    this.waiting.clear();
    this.listeners.length = 0;
  }

  private take(token: string): Waiter {
    const waiter = this.waiting.get(token);
    if (waiter === undefined) {
      throw this.closed.has(token)
        ? awsError('TaskTimedOut', 'Task Timed Out: the execution no longer waits on this token')
        : awsError('InvalidToken', 'Invalid Token: the token is not one Step Functions issued');
    }
    this.waiting.delete(token);
    this.closed.add(token);
    return waiter;
  }
}

/** Shaped like an SDK v3 service exception (name + $metadata), as the real client would throw. */
function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/**
 * Makes an SFN client answer `SendTaskSuccess` / `SendTaskFailure` the way Step Functions would
 * for a local execution: the command goes to {@link LocalCallbacks} instead of the wire (moto
 * 5.2.1 accepts both outside its own executor and does nothing). Every other command still goes
 * to moto. `medic demo` hands this client to the real `medic approve` code.
 *
 * @example
 * const sfn = answerTaskTokensLocally(new SFNClient(config), callbacks);
 * await runDecision('approved', [incidentKey, '--table', table], { sfn, ... });
 */
export function answerTaskTokensLocally<T extends { middlewareStack: { add: (...args: never[]) => void } }>(client: T, callbacks: LocalCallbacks): T {
  (client.middlewareStack as unknown as { add: (mw: unknown, options: unknown) => void }).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: { taskToken: string; output?: string; error?: string; cause?: string } }) => {
      if (context.commandName === 'SendTaskSuccessCommand') {
        callbacks.succeed(args.input.taskToken, args.input.output ?? '{}');
        return { output: { $metadata: { httpStatusCode: 200 } }, response: {} };
      }
      if (context.commandName === 'SendTaskFailureCommand') {
        callbacks.fail(args.input.taskToken, args.input.error, args.input.cause);
        return { output: { $metadata: { httpStatusCode: 200 } }, response: {} };
      }
      return next(args);
    },
    { step: 'initialize', name: 'answerTaskTokensLocally' },
  );
  return client;
}
