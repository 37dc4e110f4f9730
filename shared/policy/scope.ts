/**
 * The opt-in scope: deploy-medic changes only resources that carry the opt-in tag. The same
 * tag conditions ecs:UpdateService in the remediate role (serverless.yml), so the code and
 * IAM enforce the same boundary.
 */
export const OPT_IN_TAG = 'deploy-medic:enabled';

type Tags = ReadonlyArray<{ key?: string | undefined; value?: string | undefined }> | undefined;

/**
 * @example
 * isOptedIn([{ key: 'deploy-medic:enabled', value: 'true' }]); // true
 */
export function isOptedIn(tags: Tags): boolean {
  return (tags ?? []).some((tag) => tag.key === OPT_IN_TAG && tag.value?.toLowerCase() === 'true');
}
