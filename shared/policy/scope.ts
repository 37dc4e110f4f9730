/**
 * The scope: which resources deploy-medic may change, and which it must never touch.
 *
 *  - Opt-in tag `deploy-medic:enabled=true` on the service or stack. It is the IAM boundary too:
 *    the remediate role's ECS and CloudFormation writes are conditioned on it (serverless.yml),
 *    so code and IAM refuse the same resources.
 *  - The allowlist (`MEDIC_ALLOWLIST`), when set, narrows the tagged resources to the names it
 *    lists: a team can tag its own service, the platform team decides which ones are live. An
 *    untagged resource on the list stays out: writing it would need IAM without the tag condition.
 *  - Protected (`deploy-medic:protected=true` on a service, stack or resource, or a match in
 *    `MEDIC_PROTECTED`): never modified, whatever else says so. The remediate role's writes
 *    also require the protected tag to be absent, so IAM refuses them even if code did not.
 */
import type { MedicConfig } from '../config';

export const OPT_IN_TAG = 'deploy-medic:enabled';
export const PROTECTED_TAG = 'deploy-medic:protected';

/** ECS tags (`key`/`value`) and CloudFormation / EC2 tags (`Key`/`Value`) alike. */
export type Tags =
  | ReadonlyArray<{ key?: string | undefined; value?: string | undefined } | { Key?: string | undefined; Value?: string | undefined }>
  | undefined;

/** The tag's value, whichever casing of `key`/`Key` the API used. */
export function tagValue(tags: Tags, key: string): string | undefined {
  for (const tag of tags ?? []) {
    const k = 'key' in tag ? tag.key : 'Key' in tag ? tag.Key : undefined;
    if (k === key) return 'value' in tag ? tag.value : 'Value' in tag ? tag.Value : undefined;
  }
  return undefined;
}

const isTrue = (value: string | undefined) => value?.toLowerCase() === 'true';

/**
 * @example
 * isOptedIn([{ key: 'deploy-medic:enabled', value: 'true' }]); // true
 */
export function isOptedIn(tags: Tags): boolean {
  return isTrue(tagValue(tags, OPT_IN_TAG));
}

/**
 * `*` matches any run of characters (`/` included), `?` one character; the rest is literal and
 * the whole name must match. `prod/*` matches every service of cluster `prod`.
 */
export function matchesPattern(name: string, pattern: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(name);
}

export interface ScopeTarget {
  kind: 'ecs-service' | 'cfn-stack';
  /** `cluster/service` or the stack name: what the allowlist and the protected list name. */
  name: string;
  tags: Tags;
}

export type ScopeVerdict = { writable: true } | { writable: false; why: 'not-opted-in' | 'not-allowlisted' | 'protected'; reason: string };

const label = (target: ScopeTarget) => (target.kind === 'ecs-service' ? `service ${target.name}` : `stack ${target.name}`);

/**
 * May deploy-medic write to this service or stack? Protection first: it wins over everything.
 *
 * @example
 * scopeVerdict({ kind: 'ecs-service', name: 'prod/checkout-api', tags: service.tags }, config.scope);
 * // { writable: false, why: 'not-allowlisted', reason: 'service prod/checkout-api is not in MEDIC_ALLOWLIST (prod/payments-*)' }
 */
export function scopeVerdict(target: ScopeTarget, scope: MedicConfig['scope']): ScopeVerdict {
  const protection = protectionOf(target.name, target.tags, scope);
  if (protection !== undefined) return { writable: false, why: 'protected', reason: `${label(target)} is protected (${protection})` };
  if (!isOptedIn(target.tags)) return { writable: false, why: 'not-opted-in', reason: `${label(target)} is not opted in (tag ${OPT_IN_TAG}=true)` };
  if (scope.allowlist.length > 0 && !scope.allowlist.some((p) => matchesPattern(target.name, p))) {
    return { writable: false, why: 'not-allowlisted', reason: `${label(target)} is not in MEDIC_ALLOWLIST (${scope.allowlist.join(', ')})` };
  }
  return { writable: true };
}

/**
 * Why a resource is protected (`tag deploy-medic:protected=true`, `MEDIC_PROTECTED sg-*`), or
 * `undefined` when it is not. Used for services and stacks, and for every blocker a stack
 * cleanup would remove (by its physical id).
 */
export function protectionOf(name: string, tags: Tags | Record<string, string>, scope: { protected: readonly string[] }): string | undefined {
  const tagged = Array.isArray(tags) || tags === undefined ? tagValue(tags as Tags, PROTECTED_TAG) : (tags as Record<string, string>)[PROTECTED_TAG];
  if (isTrue(tagged)) return `tag ${PROTECTED_TAG}=true`;
  const pattern = scope.protected.find((p) => matchesPattern(name, p));
  return pattern !== undefined ? `MEDIC_PROTECTED ${pattern}` : undefined;
}
