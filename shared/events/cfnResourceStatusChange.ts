/**
 * Schema of the EventBridge `CloudFormation Resource Status Change` event, as AWS documents it
 * (CloudFormation User Guide, "Resource Status Change event detail"): `detail` is `stack-id`,
 * `logical-resource-id`, `physical-resource-id`, `status-details` (`status`, `status-reason`),
 * `resource-type` and `client-request-token`. One event per resource transition of a stack
 * operation; the failing resource's own reason (DependencyViolation, "already exists" ...) is
 * here, not in the stack's event. Loose objects: fields AWS adds later are kept.
 */
import { EventBridgeSchema } from './eventBridgeEnvelope';
import * as z from '../validation/zod';
import { CfnClientRequestTokenSchema, CfnStackIdSchema, CfnStatusDetailsSchema } from './cfnStackId';

export const CFN_RESOURCE_STATUS_CHANGE = 'CloudFormation Resource Status Change';

/**
 * The resource statuses that are incidents by themselves: a resource that cannot be deleted
 * fails the stack's delete (see incidentFromStackEvent in shared/incident.ts for how it is
 * keyed, and when that reading is wrong). A resource that fails to create or update is not:
 * the stack rolls back and the stack's own status decides. serverless.yml subscribes ingest
 * to exactly these.
 */
export const CFN_RESOURCE_INCIDENT_STATUSES = ['DELETE_FAILED'] as const;

export const CfnResourceDetailSchema = z.looseObject({
  'stack-id': CfnStackIdSchema,
  'logical-resource-id': z.string().check(z.minLength(1)),
  /** Empty when the resource was never created (a CREATE_FAILED before AWS returned an id). */
  'physical-resource-id': z.optional(z.string()),
  'status-details': CfnStatusDetailsSchema,
  'resource-type': z.string().check(z.regex(/^[A-Za-z0-9]+(?:::[A-Za-z0-9_@-]+)+$/, 'a resource type (AWS::EC2::SecurityGroup, Custom::Name ...)')),
  'client-request-token': CfnClientRequestTokenSchema,
});

export const CfnResourceStatusChangeSchema = z.extend(EventBridgeSchema, {
  source: z.literal('aws.cloudformation'),
  'detail-type': z.literal(CFN_RESOURCE_STATUS_CHANGE),
  detail: CfnResourceDetailSchema,
});

export type CfnResourceStatusChangeEvent = z.infer<typeof CfnResourceStatusChangeSchema>;
export type CfnResourceDetail = z.infer<typeof CfnResourceDetailSchema>;
