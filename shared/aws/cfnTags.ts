/**
 * The tags CloudFormation puts on every resource it creates: the stack's name and id, and the
 * resource's logical id. Stack membership and orphan proofs are read from them.
 */
export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';
export const STACK_ID_TAG = 'aws:cloudformation:stack-id';
export const LOGICAL_ID_TAG = 'aws:cloudformation:logical-id';

/**
 * AWS's `[{ Key, Value }]` tag list as a map; a tag without a key is dropped.
 *
 * @example
 * tagMap([{ Key: STACK_NAME_TAG, Value: 'orders' }]); // { 'aws:cloudformation:stack-name': 'orders' }
 */
export function tagMap(tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).flatMap((t) => (t.Key !== undefined ? [[t.Key, t.Value ?? '']] : [])));
}
