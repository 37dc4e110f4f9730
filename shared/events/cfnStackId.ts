/**
 * The stack id CloudFormation events carry (`detail.stack-id`, also `resources[0]`): the stack
 * ARN, `arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>`. The uuid names
 * this instance of the stack: a stack deleted and created again under the same name is
 * another stack with another uuid, so the uuid is part of every CloudFormation incident key.
 *
 * The documented example events abbreviate the id to `stack/<name>` (no uuid). Real events
 * carry the uuid; the short form is accepted so the documented example still reads.
 */
import * as z from '../validation/zod';

const STACK_ID_HINT = 'the stack id, a CloudFormation stack ARN (arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>)';

const STACK_ID = /^arn:[^:]+:cloudformation:([^:]+):(\d{12}):stack\/([^/]+)(?:\/([^/]+))?$/;

export const CfnStackIdSchema = z.string({ error: STACK_ID_HINT }).check(z.regex(STACK_ID, STACK_ID_HINT));

/** Which stack an event is about, read from its stack id. */
export interface CfnStackRef {
  stackId: string;
  region: string;
  account: string;
  stackName: string;
  /** The unique id of this stack instance; absent only in the docs' abbreviated ids. */
  stackUuid?: string;
}

/**
 * @example
 * stackRefFromId('arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-db/9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93');
 * // { stackId: 'arn:aws:cloudformation:…', region: 'us-east-1', account: '111122223333',
 * //   stackName: 'checkout-db', stackUuid: '9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93' }
 */
export function stackRefFromId(stackId: string): CfnStackRef | undefined {
  const match = STACK_ID.exec(stackId);
  if (match === null) return undefined;
  const [, region = '', account = '', stackName = '', stackUuid] = match;
  return { stackId, region, account, stackName, ...(stackUuid !== undefined ? { stackUuid } : {}) };
}

/**
 * `status-details` of both CloudFormation status events: the new status and, when AWS gives
 * one, its reason (empty for most successful transitions). Loose: real events have been seen
 * with fields the docs do not list (`detailed-status`), and those are kept.
 */
export const CfnStatusDetailsSchema = z.looseObject({
  status: z.string().check(z.minLength(1)),
  'status-reason': z.optional(z.string()),
});

/**
 * `client-request-token`: the token of the stack operation that caused the event. AWS documents
 * that every event of one operation carries the same token (`Console-<Operation>-<uuid>` for
 * console operations); API calls that pass none leave it empty.
 */
export const CfnClientRequestTokenSchema = z.optional(z.string());
