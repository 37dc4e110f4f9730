/**
 * What changed between the last good task definition revision and the failing one, as
 * evidence on-call can read ("container checkout-api image checkout-api:v1.41.0 ->
 * checkout-api:v1.42.0"). Pure: two DescribeTaskDefinition results in, a list out.
 *
 * Environment values are never copied into a change: they can be secrets. A changed
 * variable is reported by its key only. Secret names and `valueFrom` ARNs are references,
 * not values, so they are shown. Container `command`/`entryPoint` are reported as changed
 * without their text, because command lines do carry credentials in practice
 * (`--password=...`); health check commands are shown, since they are what a
 * HEALTH_CHECK diagnosis needs and they normally only probe localhost.
 */
import type { ContainerDefinition, HealthCheck, PortMapping, TaskDefinition } from '@aws-sdk/client-ecs';

export type RevisionChangeKind = 'added' | 'removed' | 'changed';

export interface RevisionChange {
  /**
   * The field that changed, named as in the task definition: `image`, `memory`,
   * `environment`, `secrets`, `portMappings`, `healthCheck`, `healthCheck.interval`,
   * `runtimePlatform.cpuArchitecture`, ... and `container` for a container added or removed.
   */
  field: string;
  kind: RevisionChangeKind;
  /** The container, for container-level changes; absent for task-level ones. */
  container?: string;
  /** The variable or secret name, for `environment` and `secrets` changes. */
  key?: string;
  /**
   * The last good value as shown to people; null when absent. Always null for
   * `environment`, `command` and `entryPoint` changes: their values are never reported.
   */
  from: string | null;
  /** The failing revision's value, same rules as `from`. */
  to: string | null;
  /** One line of evidence, e.g. `container checkout-api env LOG_LEVEL added`. */
  line: string;
}

/** Health check defaults ECS applies when a field is absent (API_HealthCheck). */
const HEALTH_CHECK_DEFAULTS = { interval: 30, timeout: 5, retries: 3, startPeriod: 0 } as const;
const HEALTH_CHECK_FIELDS = ['interval', 'timeout', 'retries', 'startPeriod'] as const;

/**
 * Lists what the failing revision changed relative to the last good one, task-level
 * fields first, then containers (matched by name) in the failing revision's order, then
 * containers it removed. No change → `[]`.
 *
 * @example
 * const changes = diffRevisions(failing.taskDefinition, lastGood.taskDefinition);
 * // [{ field: 'image', kind: 'changed', container: 'checkout-api',
 * //    from: '111122223333.dkr.ecr.us-east-1.amazonaws.com/checkout-api:v1.41.0',
 * //    to: '111122223333.dkr.ecr.us-east-1.amazonaws.com/checkout-api:v1.42.0',
 * //    line: 'container checkout-api image checkout-api:v1.41.0 -> checkout-api:v1.42.0' }]
 */
export function diffRevisions(failing: TaskDefinition, lastGood: TaskDefinition): RevisionChange[] {
  return [...diffTask(failing, lastGood), ...diffContainers(failing, lastGood)];
}

/**
 * The evidence lines of a diff, at most `max` of them plus a closing `... and N more`.
 *
 * @example
 * summarizeDiff(diffRevisions(failing, lastGood), 8);
 * // ['container checkout-api image checkout-api:v1.41.0 -> checkout-api:v1.42.0']
 */
export function summarizeDiff(changes: RevisionChange[], max = 8): string[] {
  const limit = Math.max(0, Math.floor(max));
  if (changes.length <= limit) return changes.map((c) => c.line);
  return [...changes.slice(0, limit).map((c) => c.line), `... and ${changes.length - limit} more`];
}

// ---------------------------------------------------------------- task level

function diffTask(failing: TaskDefinition, lastGood: TaskDefinition): RevisionChange[] {
  const fields: Array<[string, (td: TaskDefinition) => string | undefined]> = [
    ['cpu', (td) => td.cpu],
    ['memory', (td) => td.memory],
    ['networkMode', (td) => td.networkMode],
    ['requiresCompatibilities', (td) => listOrUndefined([...(td.requiresCompatibilities ?? [])].sort())],
    ['runtimePlatform.cpuArchitecture', (td) => td.runtimePlatform?.cpuArchitecture],
    ['runtimePlatform.operatingSystemFamily', (td) => td.runtimePlatform?.operatingSystemFamily],
    ['taskRoleArn', (td) => td.taskRoleArn],
    ['executionRoleArn', (td) => td.executionRoleArn],
  ];
  return fields.flatMap(([field, read]) => valueChange('task', field, read(lastGood), read(failing)));
}

// ---------------------------------------------------------------- containers

function diffContainers(failing: TaskDefinition, lastGood: TaskDefinition): RevisionChange[] {
  const failingContainers = failing.containerDefinitions ?? [];
  const goodContainers = lastGood.containerDefinitions ?? [];
  const goodByName = new Map(goodContainers.map((c) => [c.name ?? '', c]));
  const failingNames = new Set(failingContainers.map((c) => c.name ?? ''));
  const networkModes = { failing: failing.networkMode, lastGood: lastGood.networkMode };

  const changes: RevisionChange[] = [];
  for (const container of failingContainers) {
    const name = container.name ?? '';
    const before = goodByName.get(name);
    if (before === undefined) {
      changes.push({
        field: 'container',
        kind: 'added',
        container: name,
        from: null,
        to: container.image ?? null,
        line: `container ${name} added (image ${container.image ?? '(none)'})`,
      });
      continue;
    }
    changes.push(...diffContainer(name, before, container, networkModes));
  }
  for (const container of goodContainers) {
    const name = container.name ?? '';
    if (failingNames.has(name)) continue;
    changes.push({
      field: 'container',
      kind: 'removed',
      container: name,
      from: container.image ?? null,
      to: null,
      line: `container ${name} removed (was image ${container.image ?? '(none)'})`,
    });
  }
  return changes;
}

function diffContainer(
  name: string,
  before: ContainerDefinition,
  after: ContainerDefinition,
  networkModes: { failing: string | undefined; lastGood: string | undefined },
): RevisionChange[] {
  const scope = `container ${name}`;
  const changes: RevisionChange[] = [];

  if (before.image !== after.image) {
    const [from, to] = shortImages(before.image, after.image);
    changes.push({
      field: 'image',
      kind: kindOf(before.image, after.image),
      container: name,
      from: before.image ?? null,
      to: after.image ?? null,
      line: `${scope} image ${from} -> ${to}`,
    });
  }
  // ECS treats an absent `essential` as true.
  changes.push(...valueChange(scope, 'essential', String(before.essential ?? true), String(after.essential ?? true), name));
  changes.push(...valueChange(scope, 'cpu', numberText(before.cpu), numberText(after.cpu), name));
  changes.push(...valueChange(scope, 'memory', numberText(before.memory), numberText(after.memory), name));
  changes.push(...valueChange(scope, 'memoryReservation', numberText(before.memoryReservation), numberText(after.memoryReservation), name));
  for (const field of ['command', 'entryPoint'] as const) {
    const was = before[field];
    const now = after[field];
    if (!sameList(was, now)) {
      const kind = kindOf(listOrUndefined(was), listOrUndefined(now));
      changes.push({ field, kind, container: name, from: null, to: null, line: `${scope} ${field} ${kind}` });
    }
  }
  changes.push(...diffEnvironment(name, before, after));
  changes.push(...diffSecrets(name, before, after));

  const portsBefore = portMappingsText(before.portMappings, networkModes.lastGood);
  const portsAfter = portMappingsText(after.portMappings, networkModes.failing);
  changes.push(...valueChange(scope, 'portMappings', portsBefore, portsAfter, name));

  changes.push(...diffHealthCheck(name, before.healthCheck, after.healthCheck));

  const dependsOn = (c: ContainerDefinition) =>
    listOrUndefined((c.dependsOn ?? []).map((d) => `${d.containerName ?? ''}:${d.condition ?? ''}`).sort());
  changes.push(...valueChange(scope, 'dependsOn', dependsOn(before), dependsOn(after), name));
  return changes;
}

/** Keys only: an environment value never leaves this function. */
function diffEnvironment(name: string, before: ContainerDefinition, after: ContainerDefinition): RevisionChange[] {
  const was = new Map((before.environment ?? []).map((e) => [e.name ?? '', e.value]));
  const now = new Map((after.environment ?? []).map((e) => [e.name ?? '', e.value]));
  return sortedKeys(was, now).flatMap((key): RevisionChange[] => {
    const kind: RevisionChangeKind | undefined = !was.has(key)
      ? 'added'
      : !now.has(key)
        ? 'removed'
        : was.get(key) !== now.get(key)
          ? 'changed'
          : undefined;
    if (kind === undefined) return [];
    return [{ field: 'environment', kind, container: name, key, from: null, to: null, line: `container ${name} env ${key} ${kind}` }];
  });
}

function diffSecrets(name: string, before: ContainerDefinition, after: ContainerDefinition): RevisionChange[] {
  const was = new Map((before.secrets ?? []).map((s) => [s.name ?? '', s.valueFrom ?? '']));
  const now = new Map((after.secrets ?? []).map((s) => [s.name ?? '', s.valueFrom ?? '']));
  return sortedKeys(was, now).flatMap((key): RevisionChange[] => {
    const from = was.get(key);
    const to = now.get(key);
    const base = { field: 'secrets', container: name, key, from: from ?? null, to: to ?? null };
    if (from === undefined) return [{ ...base, kind: 'added', line: `container ${name} secret ${key} added (${to})` }];
    if (to === undefined) return [{ ...base, kind: 'removed', line: `container ${name} secret ${key} removed (was ${from})` }];
    if (from !== to) return [{ ...base, kind: 'changed', line: `container ${name} secret ${key} valueFrom ${from} -> ${to}` }];
    return [];
  });
}

function diffHealthCheck(name: string, before: HealthCheck | undefined, after: HealthCheck | undefined): RevisionChange[] {
  const scope = `container ${name}`;
  if (before === undefined && after === undefined) return [];
  if (before === undefined || after === undefined) {
    const present = (before ?? after) as HealthCheck;
    const text = healthCheckText(present);
    return [
      before === undefined
        ? { field: 'healthCheck', kind: 'added', container: name, from: null, to: text, line: `${scope} healthCheck added (${text})` }
        : { field: 'healthCheck', kind: 'removed', container: name, from: text, to: null, line: `${scope} healthCheck removed (was ${text})` },
    ];
  }
  const changes: RevisionChange[] = [];
  if (!sameList(before.command, after.command)) {
    const command = (check: HealthCheck) => listOrUndefined(check.command, ' ');
    changes.push({
      field: 'healthCheck.command',
      kind: kindOf(command(before), command(after)),
      container: name,
      from: command(before) ?? null,
      to: command(after) ?? null,
      line: `${scope} healthCheck.command ${command(before) ?? '(none)'} -> ${command(after) ?? '(none)'}`,
    });
  }
  for (const field of HEALTH_CHECK_FIELDS) {
    const was = before[field] ?? HEALTH_CHECK_DEFAULTS[field];
    const now = after[field] ?? HEALTH_CHECK_DEFAULTS[field];
    changes.push(...valueChange(scope, `healthCheck.${field}`, String(was), String(now), name));
  }
  return changes;
}

// ---------------------------------------------------------------- helpers

function valueChange(scope: string, field: string, from: string | undefined, to: string | undefined, container?: string): RevisionChange[] {
  if (from === to) return [];
  return [
    {
      field,
      kind: kindOf(from, to),
      ...(container !== undefined ? { container } : {}),
      from: from ?? null,
      to: to ?? null,
      line: `${scope} ${field} ${from ?? '(none)'} -> ${to ?? '(none)'}`,
    },
  ];
}

function kindOf(from: unknown, to: unknown): RevisionChangeKind {
  if (from === undefined || from === null) return 'added';
  if (to === undefined || to === null) return 'removed';
  return 'changed';
}

function numberText(value: number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

function listOrUndefined(values: string[] | undefined, separator = ', '): string | undefined {
  return values === undefined || values.length === 0 ? undefined : values.join(separator);
}

/** Element by element: `["a b"]` and `["a", "b"]` are different commands. */
function sameList(a: string[] | undefined, b: string[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

function sortedKeys(a: Map<string, unknown>, b: Map<string, unknown>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}

/** `CMD-SHELL curl -f http://localhost:8080/health || exit 1; interval 30s, timeout 5s, retries 3, startPeriod 0s` */
function healthCheckText(check: HealthCheck): string {
  const interval = check.interval ?? HEALTH_CHECK_DEFAULTS.interval;
  const timeout = check.timeout ?? HEALTH_CHECK_DEFAULTS.timeout;
  const retries = check.retries ?? HEALTH_CHECK_DEFAULTS.retries;
  const startPeriod = check.startPeriod ?? HEALTH_CHECK_DEFAULTS.startPeriod;
  return `${(check.command ?? []).join(' ')}; interval ${interval}s, timeout ${timeout}s, retries ${retries}, startPeriod ${startPeriod}s`;
}

/**
 * Docker-style `hostPort:containerPort/protocol`, sorted. In awsvpc mode the host port is
 * the container port whether or not the revision spells it out, so it is normalised.
 */
function portMappingsText(mappings: PortMapping[] | undefined, networkMode: string | undefined): string | undefined {
  const texts = (mappings ?? []).map((m) => {
    const container = m.containerPort !== undefined ? String(m.containerPort) : (m.containerPortRange ?? '?');
    const host = m.hostPort ?? (networkMode === 'awsvpc' ? m.containerPort : undefined);
    const protocol = m.protocol ?? 'tcp';
    return host !== undefined ? `${host}:${container}/${protocol}` : `${container}/${protocol}`;
  });
  return listOrUndefined([...new Set(texts)].sort());
}

/**
 * Drops the registry/repository path both images share, so the line shows what moved:
 * `111122223333.dkr.ecr.us-east-1.amazonaws.com/checkout-api:v1.41.0` → `checkout-api:v1.41.0`.
 * When the registries differ, both are shown in full.
 */
function shortImages(from: string | undefined, to: string | undefined): [string, string] {
  if (from === undefined || to === undefined) return [from ?? '(none)', to ?? '(none)'];
  const prefix = (image: string) => image.slice(0, image.lastIndexOf('/') + 1);
  const shared = prefix(from);
  if (shared !== '' && shared === prefix(to)) return [from.slice(shared.length), to.slice(shared.length)];
  return [from, to];
}
