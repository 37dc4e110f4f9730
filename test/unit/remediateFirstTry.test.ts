/**
 * When Remediate tells an action it is a first try (functions/remediate/handler.ts isFirstTry):
 * only when the state machine says so on every count. What it does not say counts as "there may
 * have been an earlier try", so the action keeps looking for what one left half done.
 */
import { describe, expect, it } from 'vitest';
import { type GuardContext, isFirstTry } from '../../functions/remediate/handler';

const FIRST: GuardContext = { execution: 'ecs-us-east-1-checkout-api-7-0a1b2c3d4e', attempt: 1, retryCount: 0, redriveCount: 0 };

describe('Remediate: a first try of the plan', () => {
  it.each<[string, GuardContext | undefined, boolean]>([
    ['attempt 1, not retried, never redriven', FIRST, true],
    ["a Retry of the Remediate state ($$.State.RetryCount 1)", { ...FIRST, retryCount: 1 }, false],
    ['a redriven execution ($$.Execution.RedriveCount 1)', { ...FIRST, redriveCount: 1 }, false],
    ['the next attempt of a plan with retries (NextAttempt: 2)', { ...FIRST, attempt: 2 }, false],
    ['a state machine that passes no retry counts', { execution: FIRST.execution, attempt: 1 }, false],
    ["no guard context (a human's emergency rollback, the CLI)", undefined, false],
  ])('%s', (_, guard, expected) => {
    expect(isFirstTry(guard)).toBe(expected);
  });
});
