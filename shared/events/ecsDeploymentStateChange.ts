/**
 * Schema of the EventBridge `ECS Deployment State Change` event, as AWS documents it
 * (Amazon ECS service deployment state change events): `detail` is `eventType` (INFO |
 * ERROR), `eventName` (SERVICE_DEPLOYMENT_IN_PROGRESS | _COMPLETED | _FAILED),
 * `deploymentId`, `updatedAt` and `reason`. The service is `resources[0]`. The event names
 * no task definition: the deployment id is the only link to the revision (DescribeServices
 * `deployments[].id` -> `taskDefinition`), and to the tasks it started (their `startedBy`).
 * Loose objects: fields AWS adds later are kept, not rejected.
 */
import { EventBridgeSchema } from './eventBridgeEnvelope';
import * as z from '../validation/zod';
import { EcsServiceResourcesSchema } from './ecsServiceResources';

export const ECS_DEPLOYMENT_STATE_CHANGE = 'ECS Deployment State Change';

/** The documented event names. Others may come; they are accepted and read by `eventType`. */
export const DEPLOYMENT_EVENT_NAMES = ['SERVICE_DEPLOYMENT_IN_PROGRESS', 'SERVICE_DEPLOYMENT_COMPLETED', 'SERVICE_DEPLOYMENT_FAILED'] as const;

export const EcsDeploymentDetailSchema = z.looseObject({
  eventType: z.string().check(z.minLength(1)),
  eventName: z.string().check(z.minLength(1)),
  deploymentId: z.string().check(z.minLength(1)),
  updatedAt: z.optional(z.string().check(z.minLength(1))),
  /** "ECS deployment circuit breaker: task failed to start.", "ECS deployment ecs-svc/… completed." */
  reason: z.optional(z.string()),
});

export const EcsDeploymentStateChangeSchema = z.extend(EventBridgeSchema, {
  source: z.literal('aws.ecs'),
  'detail-type': z.literal(ECS_DEPLOYMENT_STATE_CHANGE),
  resources: EcsServiceResourcesSchema,
  detail: EcsDeploymentDetailSchema,
});

export type EcsDeploymentStateChangeEvent = z.infer<typeof EcsDeploymentStateChangeSchema>;
export type EcsDeploymentDetail = z.infer<typeof EcsDeploymentDetailSchema>;
