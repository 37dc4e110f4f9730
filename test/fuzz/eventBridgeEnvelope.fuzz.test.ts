/**
 * Our EventBridge envelope schema (shared/events/eventBridgeEnvelope.ts, zod/mini) against the
 * one it replaced in the bundles, Powertools' `EventBridgeSchema` (classic zod; a devDependency
 * now, kept only for this comparison): on every real fixture event with its envelope fields
 * dropped, retyped or replaced - 5,000 generated envelopes a run - both accept the same inputs,
 * give the same parsed envelope, and reject at the same paths.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EventBridgeSchema as PowertoolsEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBridgeSchema } from '../../shared/events/eventBridgeEnvelope';
import { fixture } from '../support/fixtures';

const FIXTURES = readdirSync(fileURLToPath(new URL('../fixtures/events/', import.meta.url)))
  .filter((f) => f.endsWith('.json'))
  .map((f) => fixture(`events/${f}`));

const ENVELOPE_FIELDS = ['version', 'id', 'source', 'account', 'time', 'region', 'resources', 'detail-type', 'detail', 'replay-name'] as const;

/** Values that sit on either side of each rule: strings that are and are not datetimes, arrays of the wrong thing, nothing. */
const fieldValue = fc.oneof(
  fc.constantFrom('2025-03-18T14:02:11Z', '2025-03-18T14:02:11.123Z', '2025-03-18 14:02:11', '2025-03-18T14:02:11+01:00', '2025-03-18', ''),
  fc.constantFrom(null, 0, -1, true, [], {}, ['arn:aws:ecs:us-east-1:111122223333:service/prod/api'], [1, 2], [null]),
  fc.string({ maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const mutatedEnvelope = fc
  .record({
    base: fc.constantFrom(...FIXTURES),
    edits: fc.array(fc.record({ field: fc.constantFrom(...ENVELOPE_FIELDS, 'extra-field'), drop: fc.boolean(), value: fieldValue }), { minLength: 0, maxLength: 3 }),
  })
  .map(({ base, edits }) => {
    const event: Record<string, unknown> = structuredClone(base);
    for (const { field, drop, value } of edits) {
      if (drop) delete event[field];
      else event[field] = value;
    }
    return event;
  });

const issuePaths = (issues: ReadonlyArray<{ path: PropertyKey[] }>) => issues.map((i) => i.path.map(String).join('.')).sort();

describe('EventBridge envelope: the same verdicts as Powertools parser', () => {
  it('accepts every real fixture event, as Powertools does', () => {
    for (const event of FIXTURES) {
      expect(EventBridgeSchema.safeParse(event).success).toBe(true);
      expect(EventBridgeSchema.parse(event)).toEqual(PowertoolsEventBridgeSchema.parse(event));
    }
  });

  it('5,000 mutated envelopes: same accept/reject, same parsed value, same failing paths', () => {
    let rejected = 0;
    fc.assert(
      fc.property(mutatedEnvelope, (event) => {
        const ours = EventBridgeSchema.safeParse(event);
        const theirs = PowertoolsEventBridgeSchema.safeParse(event);
        expect(ours.success).toBe(theirs.success);
        if (ours.success && theirs.success) expect(ours.data).toEqual(theirs.data);
        if (!ours.success && !theirs.success) {
          rejected += 1;
          expect(issuePaths(ours.error.issues)).toEqual(issuePaths(theirs.error.issues));
        }
      }),
      { numRuns: 5_000, seed: 7 },
    );
    // Not a rubber stamp: the generator reaches the rejecting side often.
    expect(rejected).toBeGreaterThan(1_000);
  });
});
