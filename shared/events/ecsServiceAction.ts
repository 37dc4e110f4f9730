/**
 * Schema of the EventBridge `ECS Service Action` event, as AWS documents it (Amazon ECS
 * service action events): `detail` is `eventType` (INFO | WARN | ERROR), `eventName`,
 * `clusterArn`, `createdAt`, and per event name `capacityProviderArns`,
 * `containerInstanceArns` and `reason` (SERVICE_TASK_PLACEMENT_FAILURE: `RESOURCE:CPU`,
 * `RESOURCE:FARGATE` ...). The service is `resources[0]`. Unlike task events these carry no
 * `version`, no task and no deployment id. Loose objects: fields AWS adds later are kept.
 */
import { EventBridgeSchema } from './eventBridgeEnvelope';
import * as z from '../validation/zod';
import { EcsServiceResourcesSchema } from './ecsServiceResources';

export const ECS_SERVICE_ACTION = 'ECS Service Action';

export const EcsServiceActionDetailSchema = z.looseObject({
  eventType: z.string().check(z.minLength(1)),
  eventName: z.string().check(z.minLength(1)),
  clusterArn: z.string().check(z.regex(/^arn:[^:]+:ecs:[^:]+:\d{12}:cluster\/[^/]+$/, 'an ECS cluster ARN')),
  createdAt: z.optional(z.string().check(z.minLength(1))),
  /** The documented examples carry one string (`"RESOURCE:FARGATE"`). */
  reason: z.optional(z.string()),
  /** Not in the documented examples; read too, in case AWS sends a list. */
  reasons: z.optional(z.array(z.string())),
  capacityProviderArns: z.optional(z.array(z.string())),
  containerInstanceArns: z.optional(z.array(z.string())),
});

export const EcsServiceActionSchema = z.extend(EventBridgeSchema, {
  source: z.literal('aws.ecs'),
  'detail-type': z.literal(ECS_SERVICE_ACTION),
  resources: EcsServiceResourcesSchema,
  detail: EcsServiceActionDetailSchema,
});

export type EcsServiceActionEvent = z.infer<typeof EcsServiceActionSchema>;
export type EcsServiceActionDetail = z.infer<typeof EcsServiceActionDetailSchema>;
