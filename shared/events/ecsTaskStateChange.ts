/**
 * Schema of the EventBridge `ECS Task State Change` event, as AWS documents it
 * (Amazon ECS task state change events). Only the fields deploy-medic reads are
 * required; everything else is kept (loose objects) so evidence can quote it.
 */
import { EventBridgeSchema } from './eventBridgeEnvelope';
import * as z from '../validation/zod';

export const ECS_TASK_STATE_CHANGE = 'ECS Task State Change';

const isoTime = z.string().check(z.minLength(1));

export const EcsContainerSchema = z.looseObject({
  name: z.string().check(z.minLength(1)),
  containerArn: z.optional(z.string()),
  lastStatus: z.optional(z.string()),
  exitCode: z.optional(z.int()),
  reason: z.optional(z.string()),
  image: z.optional(z.string()),
  imageDigest: z.optional(z.string()),
  cpu: z.optional(z.string()),
  memory: z.optional(z.string()),
  memoryReservation: z.optional(z.string()),
});

export const EcsTaskDetailSchema = z.looseObject({
  clusterArn: z.string().check(z.startsWith('arn:')),
  taskArn: z.string().check(z.startsWith('arn:')),
  taskDefinitionArn: z.string().check(z.regex(/^arn:[^:]+:ecs:[^:]*:\d*:task-definition\/[^:]+:\d+$/, 'a task definition ARN with a revision')),
  lastStatus: z.string().check(z.minLength(1)),
  desiredStatus: z.string().check(z.minLength(1)),
  group: z.optional(z.string()),
  startedBy: z.optional(z.string()),
  launchType: z.optional(z.string()),
  capacityProviderName: z.optional(z.string()),
  platformVersion: z.optional(z.string()),
  cpu: z.optional(z.string()),
  memory: z.optional(z.string()),
  stopCode: z.optional(z.string()),
  stoppedReason: z.optional(z.string()),
  createdAt: z.optional(isoTime),
  startedAt: z.optional(isoTime),
  stoppingAt: z.optional(isoTime),
  stoppedAt: z.optional(isoTime),
  updatedAt: z.optional(isoTime),
  version: z.int().check(z.nonnegative()),
  containers: z._default(z.array(EcsContainerSchema), []),
});

export const EcsTaskStateChangeSchema = z.extend(EventBridgeSchema, {
  source: z.literal('aws.ecs'),
  'detail-type': z.literal(ECS_TASK_STATE_CHANGE),
  detail: EcsTaskDetailSchema,
});

export type EcsTaskStateChangeEvent = z.infer<typeof EcsTaskStateChangeSchema>;
export type EcsTaskDetail = z.infer<typeof EcsTaskDetailSchema>;
export type EcsContainer = z.infer<typeof EcsContainerSchema>;
