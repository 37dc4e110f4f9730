/**
 * Schema of the EventBridge `ECS Task State Change` event, as AWS documents it
 * (Amazon ECS task state change events). Only the fields deploy-medic reads are
 * required; everything else is kept (loose objects) so evidence can quote it.
 */
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';

export const ECS_TASK_STATE_CHANGE = 'ECS Task State Change';

const isoTime = z.string().min(1);

export const EcsContainerSchema = z.looseObject({
  name: z.string().min(1),
  containerArn: z.string().optional(),
  lastStatus: z.string().optional(),
  exitCode: z.number().int().optional(),
  reason: z.string().optional(),
  image: z.string().optional(),
  imageDigest: z.string().optional(),
  cpu: z.string().optional(),
  memory: z.string().optional(),
  memoryReservation: z.string().optional(),
});

export const EcsTaskDetailSchema = z.looseObject({
  clusterArn: z.string().startsWith('arn:'),
  taskArn: z.string().startsWith('arn:'),
  taskDefinitionArn: z.string().regex(/^arn:[^:]+:ecs:[^:]*:\d*:task-definition\/[^:]+:\d+$/, 'a task definition ARN with a revision'),
  lastStatus: z.string().min(1),
  desiredStatus: z.string().min(1),
  group: z.string().optional(),
  startedBy: z.string().optional(),
  launchType: z.string().optional(),
  capacityProviderName: z.string().optional(),
  platformVersion: z.string().optional(),
  cpu: z.string().optional(),
  memory: z.string().optional(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  createdAt: isoTime.optional(),
  startedAt: isoTime.optional(),
  stoppingAt: isoTime.optional(),
  stoppedAt: isoTime.optional(),
  updatedAt: isoTime.optional(),
  version: z.number().int().nonnegative(),
  containers: z.array(EcsContainerSchema).default([]),
});

export const EcsTaskStateChangeSchema = EventBridgeSchema.extend({
  source: z.literal('aws.ecs'),
  'detail-type': z.literal(ECS_TASK_STATE_CHANGE),
  detail: EcsTaskDetailSchema,
});

export type EcsTaskStateChangeEvent = z.infer<typeof EcsTaskStateChangeSchema>;
export type EcsTaskDetail = z.infer<typeof EcsTaskDetailSchema>;
export type EcsContainer = z.infer<typeof EcsContainerSchema>;
