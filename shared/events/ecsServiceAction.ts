/**
 * Schema of the EventBridge `ECS Service Action` event, as AWS documents it (Amazon ECS
 * service action events): `detail` is `eventType` (INFO | WARN | ERROR), `eventName`,
 * `clusterArn`, `createdAt`, and per event name `capacityProviderArns`,
 * `containerInstanceArns` and `reason` (SERVICE_TASK_PLACEMENT_FAILURE: `RESOURCE:CPU`,
 * `RESOURCE:FARGATE` ...). The service is `resources[0]`. Unlike task events these carry no
 * `version`, no task and no deployment id. Loose objects: fields AWS adds later are kept.
 */
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import { EcsServiceResourcesSchema } from './ecsServiceResources';

export const ECS_SERVICE_ACTION = 'ECS Service Action';

export const EcsServiceActionDetailSchema = z.looseObject({
  eventType: z.string().min(1),
  eventName: z.string().min(1),
  clusterArn: z.string().regex(/^arn:[^:]+:ecs:[^:]+:\d{12}:cluster\/[^/]+$/, 'an ECS cluster ARN'),
  createdAt: z.string().min(1).optional(),
  /** The documented examples carry one string (`"RESOURCE:FARGATE"`). */
  reason: z.string().optional(),
  /** Not in the documented examples; read too, in case AWS sends a list. */
  reasons: z.array(z.string()).optional(),
  capacityProviderArns: z.array(z.string()).optional(),
  containerInstanceArns: z.array(z.string()).optional(),
});

export const EcsServiceActionSchema = EventBridgeSchema.extend({
  source: z.literal('aws.ecs'),
  'detail-type': z.literal(ECS_SERVICE_ACTION),
  resources: EcsServiceResourcesSchema,
  detail: EcsServiceActionDetailSchema,
});

export type EcsServiceActionEvent = z.infer<typeof EcsServiceActionSchema>;
export type EcsServiceActionDetail = z.infer<typeof EcsServiceActionDetailSchema>;
