/**
 * Configuration smells in a task definition and the service around it that explain, or
 * make likely, a failed deployment: no container health check, load balancer ports that
 * do not meet the container, an app that seems to listen on localhost only, memory limits
 * that do not add up. Pure: Describe results in, findings out. Findings are evidence and
 * advice for on-call; they never decide the category on their own.
 */
import type { ContainerDefinition, LoadBalancer, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { parseSize } from './taskSizing';

/**
 * The fields of an ELBv2 `TargetGroup` (DescribeTargetGroups) read here. Structural, so a
 * `TargetGroup` from `@aws-sdk/client-elastic-load-balancing-v2` fits without that package.
 */
export interface TargetGroupLike {
  TargetGroupArn?: string;
  Port?: number;
  Protocol?: string;
  HealthCheckPort?: string;
  HealthCheckPath?: string;
  HealthCheckProtocol?: string;
  /** `instance` | `ip` | `lambda` | `alb` */
  TargetType?: string;
}

export type ConfigFindingId =
  | 'no-container-health-check'
  | 'container-port-mismatch'
  | 'listening-on-localhost'
  | 'memory-reservation-vs-limit';

export interface ConfigFinding {
  id: ConfigFindingId;
  /** `warning`: likely to break a deployment. `info`: worth knowing, or only inferred. */
  severity: 'warning' | 'info';
  container?: string;
  /** What is wrong, one line, with the numbers. */
  message: string;
  /** What to change, one line. */
  fix: string;
}

export interface ConfigFindingsInput {
  taskDefinition: TaskDefinition;
  service?: Service;
  /** DescribeTargetGroups results for the service's target groups. */
  targetGroups?: TargetGroupLike[];
  /** The task's `stoppedReason`s (and service event messages, if the caller has them). */
  stoppedReasons?: string[];
  /** The containers' `reason`s. */
  containerReasons?: string[];
}

/**
 * All findings, in a fixed order: by rule (health check, ports, localhost, memory), then
 * by container in task definition order.
 *
 * @example
 * const findings = findConfigFindings({
 *   taskDefinition,                       // DescribeTaskDefinition .taskDefinition
 *   service,                              // DescribeServices .services[0]
 *   targetGroups,                         // elbv2 DescribeTargetGroups .TargetGroups
 *   stoppedReasons: [detail.stoppedReason],
 *   containerReasons: detail.containers.flatMap((c) => (c.reason ? [c.reason] : [])),
 * });
 * // [{ id: 'no-container-health-check', severity: 'info', container: 'checkout-api', message: '...', fix: '...' }]
 */
export function findConfigFindings(input: ConfigFindingsInput): ConfigFinding[] {
  return [...noContainerHealthCheck(input), ...containerPortMismatch(input), ...listeningOnLocalhost(input), ...memoryReservationVsLimit(input)];
}

// ---------------------------------------------------------------- no-container-health-check

function noContainerHealthCheck({ taskDefinition, service, targetGroups }: ConfigFindingsInput): ConfigFinding[] {
  const balanced = loadBalancersOf(service).length > 0;
  return containersOf(taskDefinition)
    .filter((c) => (c.essential ?? true) && c.healthCheck === undefined)
    .map((c) => {
      const name = c.name ?? '';
      const watcher = balanced
        ? 'the service load balancer health checks still watch the task'
        : service
          ? 'the service has no load balancer, so nothing checks the app: a hung process stays RUNNING'
          : 'unless a load balancer checks the task, nothing checks the app: a hung process stays RUNNING';
      return {
        id: 'no-container-health-check' as const,
        severity: balanced ? ('info' as const) : ('warning' as const),
        container: name,
        message: `essential container ${name} has no container healthCheck; ${watcher}`,
        fix: healthCheckFix(c, healthCheckPathFor(name, service, targetGroups)),
      };
    });
}

function healthCheckFix(container: ContainerDefinition, path: string): string {
  const name = container.name ?? '';
  const port = container.portMappings?.find((m) => m.containerPort !== undefined)?.containerPort;
  if (port === undefined) {
    return `add a healthCheck to container ${name}: "healthCheck": {"command": ["CMD-SHELL", "<command that exits 0 when healthy> || exit 1"], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60}`;
  }
  return (
    `add a healthCheck to container ${name}: "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:${port}${path} || exit 1"], ` +
    `"interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60} (the image must contain curl, or use a tool it has)`
  );
}

/** The target group's health check path when it checks this container, else `/health`. */
function healthCheckPathFor(container: string, service: Service | undefined, targetGroups: TargetGroupLike[] | undefined): string {
  for (const lb of loadBalancersOf(service)) {
    if (lb.containerName !== container) continue;
    const path = targetGroupOf(lb, targetGroups)?.HealthCheckPath;
    if (path !== undefined && path.startsWith('/')) return path;
  }
  return '/health';
}

// ---------------------------------------------------------------- container-port-mismatch

/**
 * The target group's own `Port` is deliberately not compared: ECS registers each task with
 * the service's `containerPort` (awsvpc) or the dynamic host port (bridge), and a
 * `traffic-port` health check follows the registered port. Only a fixed, numeric
 * `HealthCheckPort` can miss the container.
 */
function containerPortMismatch({ taskDefinition, service, targetGroups }: ConfigFindingsInput): ConfigFinding[] {
  const findings: ConfigFinding[] = [];
  const containers = containersOf(taskDefinition);
  for (const lb of loadBalancersOf(service)) {
    const name = lb.containerName;
    const port = lb.containerPort;
    if (name === undefined || port === undefined) continue;
    const container = containers.find((c) => c.name === name);
    if (container === undefined) {
      const names = containers.map((c) => c.name ?? '').join(', ');
      findings.push({
        id: 'container-port-mismatch',
        severity: 'warning',
        container: name,
        message: `the service load balancer sends traffic to container ${name} port ${port}, but ${taskDefinition.family}:${taskDefinition.revision} has no container ${name} (containers: ${names})`,
        fix: `name an existing container in the service's load balancer configuration, or add container ${name} to the task definition`,
      });
      continue;
    }
    const containerPorts = (container.portMappings ?? []).flatMap((m) => (m.containerPort !== undefined ? [m.containerPort] : []));
    if (!containerPorts.includes(port)) {
      const mapped = containerPorts.length > 0 ? `it maps ${containerPorts.join(', ')}` : 'it maps no ports';
      findings.push({
        id: 'container-port-mismatch',
        severity: 'warning',
        container: name,
        message: `the service load balancer sends traffic to container ${name} port ${port}, but ${mapped}`,
        fix:
          containerPorts.length > 0
            ? `add {"containerPort": ${port}} to ${name}'s portMappings in a new revision, or point the service's load balancer at containerPort ${containerPorts[0]}`
            : `add {"containerPort": ${port}} to ${name}'s portMappings in a new revision`,
      });
      continue;
    }
    const group = targetGroupOf(lb, targetGroups);
    if (group?.TargetType !== 'ip') continue;
    const checkPort = group.HealthCheckPort;
    if (checkPort === undefined || checkPort === 'traffic-port' || !/^\d+$/.test(checkPort)) continue;
    if (containerPorts.includes(Number(checkPort))) continue;
    findings.push({
      id: 'container-port-mismatch',
      severity: 'warning',
      container: name,
      message: `target group ${group.TargetGroupArn ?? '(unknown)'} health-checks port ${checkPort}, but container ${name} receives traffic on ${port} and maps no port ${checkPort}: every health check will fail`,
      fix: `aws elbv2 modify-target-group --target-group-arn ${group.TargetGroupArn ?? '<target-group-arn>'} --health-check-port traffic-port`,
    });
  }
  return findings;
}

// ---------------------------------------------------------------- listening-on-localhost

const CONNECTION_REFUSED = /connection refused/i;
const TIMED_OUT = /request timed out/i;
/** `Task failed ELB health checks in (target-group …)`, `… is unhealthy in target-group … due to (reason …)`. */
const ELB_HEALTH_FAILURE = /ELB health checks|is unhealthy in \(?(target-group|elb)\b/i;
/** Agent errors (`ResourceInitializationError: … connect: connection refused`) are outbound: NETWORK, not this. */
const AGENT_ERROR = /^\s*[A-Za-z]+Error\b/;

/**
 * An inference, never a verdict: load balancer health checks that are refused (or time
 * out) is what an app bound to 127.0.0.1 looks like from the outside, but a wrong port,
 * a slow start or a security group look the same. It needs both the symptom and ELB
 * health checks: a failing ELB health check in the reasons, or a load balancer on the
 * service and a symptom that is itself about health checks (not container health checks,
 * which run inside the container where localhost works).
 */
function listeningOnLocalhost({ service, targetGroups, stoppedReasons, containerReasons }: ConfigFindingsInput): ConfigFinding[] {
  const reasons = [...(stoppedReasons ?? []), ...(containerReasons ?? [])];
  const symptomOf = (pattern: RegExp) => reasons.find((r) => pattern.test(r) && !AGENT_ERROR.test(r));
  const refused = symptomOf(CONNECTION_REFUSED);
  const quoted = refused ?? symptomOf(TIMED_OUT);
  if (quoted === undefined) return [];
  const elbConfigured = loadBalancersOf(service).length > 0 || (targetGroups ?? []).length > 0;
  const elbFailing = reasons.some((r) => ELB_HEALTH_FAILURE.test(r));
  const aboutLoadBalancerHealth = /health|unhealthy/i.test(quoted) && !/container health/i.test(quoted);
  if (!elbFailing && !(elbConfigured && aboutLoadBalancerHealth)) return [];

  const lb = loadBalancersOf(service).find((l) => l.containerName !== undefined);
  const where = lb?.containerName !== undefined ? `the app in container ${lb.containerName}` : 'the app';
  const alternatives =
    refused !== undefined
      ? 'the same error comes from an app that has not started listening yet or listens on another port'
      : 'a security group that does not let the load balancer in gives the same timeout, and is the more common cause';
  const bind = lb?.containerPort !== undefined ? `0.0.0.0:${lb.containerPort}` : '0.0.0.0';
  return [
    {
      id: 'listening-on-localhost',
      severity: 'info',
      ...(lb?.containerName !== undefined ? { container: lb.containerName } : {}),
      message:
        `inferred, not confirmed: load balancer health checks fail ("${quoted}"); ${where} may listen on 127.0.0.1/localhost only, ` +
        `which the load balancer cannot reach: its checks arrive on the task's network interface, not on loopback; ${alternatives}`,
      fix: `make ${where} listen on ${bind} (all interfaces), not 127.0.0.1/localhost (e.g. HOST=0.0.0.0 or --bind 0.0.0.0); check with ECS Exec what it listens on (ss -ltn or netstat -ltn)`,
    },
  ];
}

// ---------------------------------------------------------------- memory-reservation-vs-limit

function memoryReservationVsLimit({ taskDefinition, service }: ConfigFindingsInput): ConfigFinding[] {
  const findings: ConfigFinding[] = [];
  const containers = containersOf(taskDefinition);
  const platform = platformOf(taskDefinition, service);
  const taskMemory = parseSize(taskDefinition.memory, 'memory');

  for (const c of containers) {
    const name = c.name ?? '';
    if (c.memory !== undefined && c.memoryReservation !== undefined && c.memoryReservation >= c.memory) {
      findings.push({
        id: 'memory-reservation-vs-limit',
        severity: 'warning',
        container: name,
        message: `container ${name} memoryReservation ${c.memoryReservation} MiB is not below its memory limit ${c.memory} MiB: ECS requires memory to be greater than memoryReservation, so the soft limit is invalid or has no effect`,
        fix: `set ${name}'s memoryReservation to its usual usage, below ${c.memory} MiB, or remove memoryReservation`,
      });
    } else if (platform === 'EC2' && c.memory !== undefined && c.memoryReservation === undefined) {
      findings.push({
        id: 'memory-reservation-vs-limit',
        severity: 'info',
        container: name,
        message: `container ${name} has a memory limit of ${c.memory} MiB and no memoryReservation: on EC2, placement reserves the whole ${c.memory} MiB on the instance`,
        fix: `set ${name}'s memoryReservation to its usual usage (below ${c.memory} MiB) and keep memory ${c.memory} as the ceiling, so more tasks fit per instance`,
      });
    }
  }

  if (taskMemory === undefined) return findings;
  const limited = containers.filter((c) => c.memory !== undefined);
  const sum = limited.reduce((total, c) => total + (c.memory ?? 0), 0);
  if (limited.length > 1 && sum > taskMemory) {
    const parts = limited.map((c) => `${c.name ?? ''} ${c.memory}`).join(' + ');
    findings.push({
      id: 'memory-reservation-vs-limit',
      severity: 'warning',
      message: `container memory limits add up to ${sum} MiB (${parts}), above the task memory ${taskMemory} MiB: they cannot all reach their limits, and the task runs out first`,
      fix: `lower the containers' memory limits to fit in ${taskMemory} MiB, or raise the task memory to at least ${sum} MiB (on Fargate, the next valid size)`,
    });
    return findings;
  }
  if (platform === 'FARGATE' && containers.length > 1) {
    for (const c of containers) {
      if (c.memory !== taskMemory) continue;
      const name = c.name ?? '';
      const others = containers.filter((o) => o !== c).map((o) => o.name ?? '').join(', ');
      findings.push({
        id: 'memory-reservation-vs-limit',
        severity: 'info',
        container: name,
        message: `container ${name} memory limit ${c.memory} MiB equals the task memory ${taskMemory} MiB: it may take all of it, leaving nothing for ${others}`,
        fix: `lower ${name}'s memory below ${taskMemory} MiB to leave room for ${others}, or raise the task memory`,
      });
    }
  }
  return findings;
}

// ---------------------------------------------------------------- helpers

function containersOf(taskDefinition: TaskDefinition): ContainerDefinition[] {
  return taskDefinition.containerDefinitions ?? [];
}

function loadBalancersOf(service: Service | undefined): LoadBalancer[] {
  return service?.loadBalancers ?? [];
}

function targetGroupOf(lb: LoadBalancer, targetGroups: TargetGroupLike[] | undefined): TargetGroupLike | undefined {
  if (lb.targetGroupArn === undefined) return undefined;
  return (targetGroups ?? []).find((g) => g.TargetGroupArn === lb.targetGroupArn);
}

/**
 * Where the task runs, when we can tell: the service's launch type or capacity providers
 * first, else what the task definition requires. Undefined rather than a guess.
 */
function platformOf(taskDefinition: TaskDefinition, service: Service | undefined): 'FARGATE' | 'EC2' | undefined {
  if (service?.launchType !== undefined) {
    if (service.launchType === 'FARGATE') return 'FARGATE';
    if (service.launchType === 'EC2') return 'EC2';
    return undefined;
  }
  const providers = (service?.capacityProviderStrategy ?? []).map((p) => p.capacityProvider ?? '');
  if (providers.length > 0) {
    if (providers.every((p) => p.startsWith('FARGATE'))) return 'FARGATE';
    if (providers.every((p) => !p.startsWith('FARGATE'))) return 'EC2';
    return undefined;
  }
  const required = taskDefinition.requiresCompatibilities ?? [];
  if (required.includes('FARGATE')) return 'FARGATE';
  if (required.includes('EC2')) return 'EC2';
  return undefined;
}
