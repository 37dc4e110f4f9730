/**
 * Blast-radius caps and the loop breaker, as a pure decision over what the ledger holds.
 * The ledger (shared/ledger/ledger.ts `admit`) reads the three guard items, asks this function,
 * and writes the result back in one conditional transaction - so two executions deciding at
 * once cannot both take the last slot.
 *
 * Every holding expires: a concurrency slot at the end of its verify window, an hourly action
 * after an hour, a per-resource remediation after 24 h. A crashed execution therefore frees its
 * slot by itself; nothing has to clean up after it.
 */
import type { MedicConfig } from '../config';

/** epoch seconds by holder id */
export type Holdings = Record<string, number>;

export interface GuardState {
  /** The resource's remediations in the last 24 h: execution name -> when admitted. */
  resource: { remediations: Holdings; lastActionAt?: number; lastExecution?: string };
  /** Concurrency slots: execution name -> when the slot expires. */
  concurrency: Holdings;
  /** Writing actions in the last hour: action id -> when admitted. */
  actions: Holdings;
}

export interface AdmissionRequest {
  /** The execution (one incident) asking. */
  executionName: string;
  /** One attempt of one action: a Lambda retry of the same attempt is not a new action. */
  actionId: string;
  /** When the slot this execution holds expires (the end of its verify window). */
  holdUntil: number;
  now: number;
}

export type GuardName = 'max-concurrent-remediations' | 'max-actions-per-hour' | 'attempt-budget' | 'cooldown';

export type Admission =
  | { admitted: true; state: GuardState }
  | { admitted: false; guard: GuardName; kind: 'blast-radius-cap' | 'loop-breaker'; limit: number; setting: string; reason: string };

const HOUR = 3600;
const DAY = 86_400;

const keepNewerThan = (holdings: Holdings, since: number): Holdings => Object.fromEntries(Object.entries(holdings).filter(([, at]) => at > since));

/**
 * @example
 * const decision = decideAdmission(state, { executionName, actionId, holdUntil, now }, config.guards);
 * if (!decision.admitted) decision.reason; // 'blast-radius cap: 3 remediations already in progress (MAX_CONCURRENT_REMEDIATIONS=3)'
 */
export function decideAdmission(state: GuardState, request: AdmissionRequest, guards: MedicConfig['guards']): Admission {
  const { executionName, actionId, now } = request;
  const remediations = keepNewerThan(state.resource.remediations, now - DAY);
  const concurrency = keepNewerThan(state.concurrency, now);
  const actions = keepNewerThan(state.actions, now - HOUR);

  // Loop breaker. An execution already admitted for this resource is on its own plan's retries
  // and fallback (bounded by the plan): only a new incident is a new trip round the loop.
  if (remediations[executionName] === undefined) {
    const count = Object.keys(remediations).length;
    if (count >= guards.maxRemediationsPerResourcePerDay) {
      return {
        admitted: false,
        guard: 'attempt-budget',
        kind: 'loop-breaker',
        limit: guards.maxRemediationsPerResourcePerDay,
        setting: 'MAX_REMEDIATIONS_PER_RESOURCE_PER_DAY',
        reason: `loop breaker: ${count} remediations of this resource in the last 24 h (MAX_REMEDIATIONS_PER_RESOURCE_PER_DAY=${guards.maxRemediationsPerResourcePerDay}); a human should look before it is changed again`,
      };
    }
    const last = state.resource.lastActionAt;
    if (last !== undefined && state.resource.lastExecution !== executionName && now - last < guards.cooldownSeconds) {
      return {
        admitted: false,
        guard: 'cooldown',
        kind: 'loop-breaker',
        limit: guards.cooldownSeconds,
        setting: 'REMEDIATION_COOLDOWN_SECONDS',
        reason: `loop breaker: this resource was remediated ${now - last} s ago by ${state.resource.lastExecution ?? 'another incident'}, within the ${guards.cooldownSeconds} s cooldown (REMEDIATION_COOLDOWN_SECONDS=${guards.cooldownSeconds})`,
      };
    }
  }

  if (concurrency[executionName] === undefined && Object.keys(concurrency).length >= guards.maxConcurrentRemediations) {
    return {
      admitted: false,
      guard: 'max-concurrent-remediations',
      kind: 'blast-radius-cap',
      limit: guards.maxConcurrentRemediations,
      setting: 'MAX_CONCURRENT_REMEDIATIONS',
      reason: `blast-radius cap: ${Object.keys(concurrency).length} remediations already in progress (MAX_CONCURRENT_REMEDIATIONS=${guards.maxConcurrentRemediations}): ${Object.keys(concurrency).join(', ')}`,
    };
  }
  if (actions[actionId] === undefined && Object.keys(actions).length >= guards.maxActionsPerHour) {
    return {
      admitted: false,
      guard: 'max-actions-per-hour',
      kind: 'blast-radius-cap',
      limit: guards.maxActionsPerHour,
      setting: 'MAX_ACTIONS_PER_HOUR',
      reason: `blast-radius cap: ${Object.keys(actions).length} actions in the last hour (MAX_ACTIONS_PER_HOUR=${guards.maxActionsPerHour})`,
    };
  }
  return {
    admitted: true,
    state: {
      resource: { remediations: { ...remediations, [executionName]: remediations[executionName] ?? now }, lastActionAt: now, lastExecution: executionName },
      concurrency: { ...concurrency, [executionName]: Math.max(request.holdUntil, concurrency[executionName] ?? 0) },
      actions: { ...actions, [actionId]: actions[actionId] ?? now },
    },
  };
}
