/**
 * Blast-radius caps and the loop breaker, decided over what the ledger holds. The ledger's
 * transaction around this decision is tested against moto in test/integration/guards.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { decideAdmission, type GuardState } from '../../shared/policy/admission';

const NOW = 1_800_000_000;
const guards = loadConfig({ MAX_CONCURRENT_REMEDIATIONS: '2', MAX_ACTIONS_PER_HOUR: '3', MAX_REMEDIATIONS_PER_RESOURCE_PER_DAY: '2', REMEDIATION_COOLDOWN_SECONDS: '600' }).guards;
const empty = (): GuardState => ({ resource: { remediations: {} }, concurrency: {}, actions: {} });
const ask = (executionName: string, attempt = 1) => ({ executionName, actionId: `${executionName}#${attempt}#ecs-rollback`, holdUntil: NOW + 1200, now: NOW });

describe('Admission: caps and loop breaker', () => {
  it('admits the first remediation and records it everywhere it counts', () => {
    expect(decideAdmission(empty(), ask('exec-a'), guards)).toEqual({
      admitted: true,
      state: {
        resource: { remediations: { 'exec-a': NOW }, lastActionAt: NOW, lastExecution: 'exec-a' },
        concurrency: { 'exec-a': NOW + 1200 },
        actions: { 'exec-a#1#ecs-rollback': NOW },
      },
    });
  });

  it('refuses a third concurrent remediation, naming the cap and its value', () => {
    const state: GuardState = { ...empty(), concurrency: { 'exec-a': NOW + 60, 'exec-b': NOW + 60 } };
    expect(decideAdmission(state, ask('exec-c'), guards)).toEqual({
      admitted: false,
      guard: 'max-concurrent-remediations',
      kind: 'blast-radius-cap',
      limit: 2,
      setting: 'MAX_CONCURRENT_REMEDIATIONS',
      reason: 'blast-radius cap: 2 remediations already in progress (MAX_CONCURRENT_REMEDIATIONS=2): exec-a, exec-b',
    });
  });

  it('an expired slot is free again: a crashed execution does not hold it forever', () => {
    const state: GuardState = { ...empty(), concurrency: { 'exec-a': NOW - 1, 'exec-b': NOW + 60 } };
    const decision = decideAdmission(state, ask('exec-c'), guards);
    expect(decision.admitted && decision.state.concurrency).toEqual({ 'exec-b': NOW + 60, 'exec-c': NOW + 1200 });
  });

  it('an execution that holds a slot keeps it on its next attempt, even at the cap', () => {
    const state: GuardState = { resource: { remediations: { 'exec-a': NOW - 100 }, lastActionAt: NOW - 100, lastExecution: 'exec-a' }, concurrency: { 'exec-a': NOW + 60, 'exec-b': NOW + 60 }, actions: {} };
    expect(decideAdmission(state, ask('exec-a', 2), guards).admitted).toBe(true);
  });

  it('refuses a fourth action in the hour; a retried Lambda of the same attempt is not a new action', () => {
    const actions = { 'x#1#ecs-redeploy': NOW - 3000, 'x#2#ecs-redeploy': NOW - 2000, 'exec-a#1#ecs-rollback': NOW - 10 };
    const state: GuardState = { ...empty(), actions };
    expect(decideAdmission(state, ask('exec-b'), guards)).toMatchObject({ admitted: false, guard: 'max-actions-per-hour', limit: 3, setting: 'MAX_ACTIONS_PER_HOUR' });
    expect(decideAdmission(state, ask('exec-a'), guards).admitted).toBe(true);
    // An hour later the oldest action has left the window.
    expect(decideAdmission(state, { ...ask('exec-b'), now: NOW + 700 }, guards).admitted).toBe(true);
  });

  it('the loop breaker trips on the resource\'s third incident in 24 h', () => {
    const state: GuardState = { ...empty(), resource: { remediations: { 'exec-a': NOW - 80_000, 'exec-b': NOW - 3600 }, lastActionAt: NOW - 3600, lastExecution: 'exec-b' } };
    expect(decideAdmission(state, ask('exec-c'), guards)).toMatchObject({
      admitted: false,
      guard: 'attempt-budget',
      kind: 'loop-breaker',
      limit: 2,
      reason: 'loop breaker: 2 remediations of this resource in the last 24 h (MAX_REMEDIATIONS_PER_RESOURCE_PER_DAY=2); a human should look before it is changed again',
    });
    // The first one leaves the 24 h window: the budget has room again.
    expect(decideAdmission(state, { ...ask('exec-c'), now: NOW + 7000 }, guards).admitted).toBe(true);
  });

  it('the loop breaker trips on a new incident within the cooldown, not on the same incident\'s retries', () => {
    const state: GuardState = { ...empty(), resource: { remediations: { 'exec-a': NOW - 120 }, lastActionAt: NOW - 120, lastExecution: 'exec-a' } };
    expect(decideAdmission(state, ask('exec-b'), guards)).toMatchObject({
      admitted: false,
      guard: 'cooldown',
      kind: 'loop-breaker',
      limit: 600,
      setting: 'REMEDIATION_COOLDOWN_SECONDS',
      reason: 'loop breaker: this resource was remediated 120 s ago by exec-a, within the 600 s cooldown (REMEDIATION_COOLDOWN_SECONDS=600)',
    });
    expect(decideAdmission(state, ask('exec-a', 2), guards).admitted).toBe(true);
  });
});
