/**
 * The envelope every EventBridge event has, as AWS documents it (EventBridge User Guide,
 * "Amazon EventBridge events": version, id, detail-type, source, account, time, region,
 * resources, detail; `replay-name` only on replayed events). The same fields and rules as
 * Powertools' `EventBridgeSchema`, written against zod/mini (shared/validation/zod.ts says why)
 * so a bundle that validates events does not carry classic zod.
 *
 * Each detail-type's schema extends this one with its `source`, `detail-type` and `detail`.
 */
import * as z from '../validation/zod';

export const EventBridgeSchema = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.optional(z.string()),
});

export type EventBridgeEnvelope = z.infer<typeof EventBridgeSchema>;
