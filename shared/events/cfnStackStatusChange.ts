/**
 * Schema of the EventBridge `CloudFormation Stack Status Change` event, as AWS documents it
 * (CloudFormation User Guide, "Stack Status Change event detail"): `detail` is `stack-id`,
 * `status-details` (`status`, `status-reason`) and `client-request-token`; `resources[0]` is
 * the stack id too. Loose objects: fields AWS adds later are kept, not rejected.
 */
import { EventBridgeSchema } from './eventBridgeEnvelope';
import * as z from '../validation/zod';
import { CfnClientRequestTokenSchema, CfnStackIdSchema, CfnStatusDetailsSchema } from './cfnStackId';

export const CFN_STACK_STATUS_CHANGE = 'CloudFormation Stack Status Change';

/**
 * The stack statuses that are incidents: the stack is stuck, or dead, until someone acts.
 * serverless.yml subscribes ingest to exactly these (test/integration/event-patterns.test.ts
 * checks the two lists agree).
 *
 * - `DELETE_FAILED`: resources could not be deleted; the stack stays until they are.
 * - `ROLLBACK_FAILED`, `IMPORT_ROLLBACK_FAILED`: a failed create (import) could not be undone.
 * - `UPDATE_ROLLBACK_FAILED`: a failed update could not be undone; nothing but
 *   ContinueUpdateRollback or a delete moves the stack on.
 * - `ROLLBACK_COMPLETE`: a failed create was undone. AWS: "This status exists only after a
 *   failed stack creation ... only a delete operation can be performed." (A failed *update*
 *   that rolled back is `UPDATE_ROLLBACK_COMPLETE`: the stack is back at its last working
 *   state and nothing is stuck, so it is not an incident.)
 * - `CREATE_FAILED`, `UPDATE_FAILED`: final only when rollback was disabled (DisableRollback,
 *   `--disable-rollback`, `cdk deploy --no-rollback`); the stack waits in a failed state.
 */
export const CFN_STACK_INCIDENT_STATUSES = [
  'CREATE_FAILED',
  'ROLLBACK_FAILED',
  'ROLLBACK_COMPLETE',
  'DELETE_FAILED',
  'UPDATE_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'IMPORT_ROLLBACK_FAILED',
] as const;

export type CfnStackIncidentStatus = (typeof CFN_STACK_INCIDENT_STATUSES)[number];

export const isCfnStackIncidentStatus = (status: string): status is CfnStackIncidentStatus =>
  (CFN_STACK_INCIDENT_STATUSES as readonly string[]).includes(status);

export const CfnStackDetailSchema = z.looseObject({
  'stack-id': CfnStackIdSchema,
  'status-details': CfnStatusDetailsSchema,
  'client-request-token': CfnClientRequestTokenSchema,
});

export const CfnStackStatusChangeSchema = z.extend(EventBridgeSchema, {
  source: z.literal('aws.cloudformation'),
  'detail-type': z.literal(CFN_STACK_STATUS_CHANGE),
  detail: CfnStackDetailSchema,
});

export type CfnStackStatusChangeEvent = z.infer<typeof CfnStackStatusChangeSchema>;
export type CfnStackDetail = z.infer<typeof CfnStackDetailSchema>;
