/**
 * Ingest under a storm: a thousand stopped-task events for ten failing services - redelivered,
 * newer versions of the same task's event, shuffled, normal stops mixed in - through the real
 * ingest and the real Ledger (an in-process DynamoDB that evaluates its conditions) and a Step
 * Functions that refuses a second execution of a name. Correctness only: how fast is
 * `npm run bench`'s business, never a test's.
 */
import { describe, expect, it } from 'vitest';
import { buildStorm, runStorm } from '../../cli/local/storm';

describe('Ingest: a storm of stopped tasks', () => {
  const storm = buildStorm({ events: 1000, services: 10, seed: 11 });

  it('is the storm it claims to be: redeliveries, newer versions out of order, normal stops', () => {
    const ids = storm.events.map((e) => e.id);
    expect(new Set(ids).size).toBeLessThan(ids.length); // the same event delivered again
    const byTask = new Map<string, number[]>();
    for (const e of storm.events) byTask.set(String(e.detail.taskArn), [...(byTask.get(String(e.detail.taskArn)) ?? []), Number(e.detail.version)]);
    const outOfOrder = [...byTask.values()].filter((versions) => versions.some((v, i) => i > 0 && v < (versions[i - 1] as number)));
    expect(outOfOrder.length).toBeGreaterThan(0);
    expect(storm.events.some((e) => e.detail.stopCode === 'ServiceSchedulerInitiated')).toBe(true);
  });

  it.each([
    ['one warm container (the handler remembers started executions)', true],
    ['every event in a container of its own (only the ledger remembers)', false],
  ])('starts exactly one execution per failing service: %s', async (_, containerMemory) => {
    const result = await runStorm(storm, { containerMemory });

    expect(result.executions).toBe(10);
    expect(result.incidents).toBe(10);
    expect(result.outcomes.started).toBe(10);
    expect(result.outcomes.rejected).toBe(0);
    // Every failing event was counted or found its incident's execution; the normal stops were dropped.
    expect(result.outcomes.started + result.outcomes.duplicate + result.outcomes.counted + result.outcomes.ignored).toBe(1000);
    // The ledger, not StartExecution, absorbs the storm.
    expect(result.apiCalls['SFN.StartExecution']).toBe(10);
  });
});
