/** Small, total helpers over ECS ARNs. They never throw on odd input; they return what they can. */

/** `arn:aws:ecs:us-east-1:111122223333:cluster/prod` -> `prod` (the last path segment). */
export function resourceName(arn: string): string {
  const slash = arn.lastIndexOf('/');
  return slash >= 0 ? arn.slice(slash + 1) : arn.slice(arn.lastIndexOf(':') + 1);
}

/** `...:task-definition/checkout-api:7` -> `{ family: 'checkout-api', revision: 7 }`. */
export function taskDefinitionRef(arn: string): { family: string; revision: number } {
  const name = resourceName(arn);
  const colon = name.lastIndexOf(':');
  if (colon < 0) return { family: name, revision: 0 };
  return { family: name.slice(0, colon), revision: Number(name.slice(colon + 1)) };
}

/** The service name of a task started by a service (`group` is `service:<name>`), else undefined. */
export function serviceFromGroup(group: string | undefined): string | undefined {
  return group?.startsWith('service:') ? group.slice('service:'.length) : undefined;
}
