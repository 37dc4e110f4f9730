/**
 * The cause taxonomy (DESIGN.md 4.1). Every diagnosis names exactly one category.
 * The lists are contracts: other teams filter alerts and dashboards on these names.
 */
export const ECS_CATEGORIES = [
  'OOM',
  'IMAGE_PULL',
  'SECRETS_OR_CONFIG',
  'NETWORK',
  'HEALTH_CHECK',
  'APP_CRASH',
  'CAPACITY_PLACEMENT',
  'PERMISSIONS',
  'ARCH_MISMATCH',
  'DEPENDENCY',
  'SPOT_OR_MAINTENANCE',
  'SCALING_OR_USER',
  'UNKNOWN',
] as const;

export const CFN_CATEGORIES = [
  'DEPENDENCY_VIOLATION',
  'RESOURCE_IN_USE',
  'ALREADY_EXISTS',
  'STABILIZATION_TIMEOUT',
  'PERMISSIONS',
  'QUOTA_LIMIT',
  'THROTTLING',
  'INVALID_TEMPLATE_OR_PARAM',
  'NOT_FOUND',
  'CASCADE_CANCELLED',
  'CUSTOM_RESOURCE',
  'UNKNOWN',
] as const;

export type EcsCategory = (typeof ECS_CATEGORIES)[number];
export type CfnCategory = (typeof CFN_CATEGORIES)[number];
export type Category = EcsCategory | CfnCategory;

/**
 * Categories that are normal life, not incidents: they are classified and reported,
 * and no remediation starts.
 */
export const NORMAL_LIFE_CATEGORIES: ReadonlySet<Category> = new Set(['SCALING_OR_USER', 'SPOT_OR_MAINTENANCE']);

/** Path of the runbook for a category, relative to the repository root. */
export const runbookFor = (category: Category): string => `docs/runbooks/${category}.md`;
