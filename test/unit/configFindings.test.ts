import type { ContainerDefinition, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import {
  findConfigFindings,
  type ConfigFinding,
  type ConfigFindingId,
  type ConfigFindingsInput,
  type TargetGroupLike,
} from '../../shared/diagnosis/ecs/configFindings';
import { fixture } from '../support/fixtures';

const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/checkout-api-tg/4d9a1f6be2c37a85';

/**
 * The real-shaped facts for prod/checkout-api: DescribeTaskDefinition checkout-api:7,
 * DescribeServices, elbv2 DescribeTargetGroups. Fresh copies each call.
 */
const facts = (): Required<Pick<ConfigFindingsInput, 'taskDefinition' | 'service' | 'targetGroups'>> => ({
  taskDefinition: fixture<{ taskDefinition: TaskDefinition }>('api/ecs-describe-task-definition.json').taskDefinition,
  service: fixture<{ services: Service[] }>('api/ecs-describe-services.json').services[0] as Service,
  targetGroups: fixture<{ TargetGroups: TargetGroupLike[] }>('api/elbv2-describe-target-groups.json').TargetGroups,
});
const app = (td: TaskDefinition): ContainerDefinition => {
  const container = td.containerDefinitions?.find((c) => c.name === 'checkout-api');
  if (container === undefined) throw new Error('fixture has no checkout-api container');
  return container;
};
/** A real text from test/fixtures/texts/ecs-stopped-reasons.json. */
const realText = (contains: string): string => {
  const text = fixture<Array<{ text: string }>>('texts/ecs-stopped-reasons.json').find((t) => t.text.includes(contains))?.text;
  if (text === undefined) throw new Error(`no real text containing ${contains}`);
  return text;
};
const only = (id: ConfigFindingId, findings: ConfigFinding[]) => findings.filter((f) => f.id === id);

const HEALTH_CHECK = { command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], interval: 30, timeout: 5, retries: 3, startPeriod: 60 };
const CURL_FIX =
  'add a healthCheck to container checkout-api: "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"], ' +
  '"interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60} (the image must contain curl, or use a tool it has)';

interface Case {
  name: string;
  /** Starts from the real facts; returns the input to judge. */
  prepare: (input: ReturnType<typeof facts>) => ConfigFindingsInput;
  expected: ConfigFinding[];
}

describe('Evidence: configuration findings', () => {
  it('checkout-api:7 as deployed (real fixtures): only the missing container health check, as info', () => {
    // Prepare
    const input = facts();

    // Act
    const findings = findConfigFindings(input);

    // Assess
    expect(findings).toEqual([
      {
        id: 'no-container-health-check',
        severity: 'info',
        container: 'checkout-api',
        message: 'essential container checkout-api has no container healthCheck; the service load balancer health checks still watch the task',
        fix: CURL_FIX,
      },
    ]);
  });

  describe('no-container-health-check', () => {
    const cases: Case[] = [
      {
        name: 'a warning when the service has no load balancer',
        prepare: (input) => ({ ...input, service: { ...input.service, loadBalancers: [] }, targetGroups: [] }),
        expected: [
          {
            id: 'no-container-health-check',
            severity: 'warning',
            container: 'checkout-api',
            message: 'essential container checkout-api has no container healthCheck; the service has no load balancer, so nothing checks the app: a hung process stays RUNNING',
            fix: CURL_FIX,
          },
        ],
      },
      {
        name: 'a warning, worded as a condition, when the service is not known',
        prepare: (input) => ({ taskDefinition: input.taskDefinition }),
        expected: [
          {
            id: 'no-container-health-check',
            severity: 'warning',
            container: 'checkout-api',
            message: 'essential container checkout-api has no container healthCheck; unless a load balancer checks the task, nothing checks the app: a hung process stays RUNNING',
            fix: CURL_FIX,
          },
        ],
      },
      {
        name: 'an essential sidecar without ports gets a generic command',
        prepare: (input) => {
          app(input.taskDefinition).healthCheck = HEALTH_CHECK;
          input.taskDefinition.containerDefinitions?.push({ name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod', memoryReservation: 64 });
          return input;
        },
        expected: [
          {
            id: 'no-container-health-check',
            severity: 'info',
            container: 'envoy',
            message: 'essential container envoy has no container healthCheck; the service load balancer health checks still watch the task',
            fix: 'add a healthCheck to container envoy: "healthCheck": {"command": ["CMD-SHELL", "<command that exits 0 when healthy> || exit 1"], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60}',
          },
        ],
      },
      {
        name: 'none when the container has a healthCheck',
        prepare: (input) => {
          app(input.taskDefinition).healthCheck = HEALTH_CHECK;
          return input;
        },
        expected: [],
      },
      {
        name: 'none for a non-essential container',
        prepare: (input) => {
          app(input.taskDefinition).healthCheck = HEALTH_CHECK;
          input.taskDefinition.containerDefinitions?.push({ name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable', essential: false, memoryReservation: 50 });
          return input;
        },
        expected: [],
      },
    ];

    it.each(cases)('$name', ({ prepare, expected }) => {
      expect(only('no-container-health-check', findConfigFindings(prepare(facts())))).toEqual(expected);
    });
  });

  describe('container-port-mismatch', () => {
    const cases: Case[] = [
      {
        name: 'the load balancer containerPort is not one the container maps',
        prepare: (input) => {
          app(input.taskDefinition).portMappings = [{ containerPort: 3000, hostPort: 3000, protocol: 'tcp' }];
          return input;
        },
        expected: [
          {
            id: 'container-port-mismatch',
            severity: 'warning',
            container: 'checkout-api',
            message: 'the service load balancer sends traffic to container checkout-api port 8080, but it maps 3000',
            fix: 'add {"containerPort": 8080} to checkout-api\'s portMappings in a new revision, or point the service\'s load balancer at containerPort 3000',
          },
        ],
      },
      {
        name: 'the container maps no ports at all',
        prepare: (input) => {
          app(input.taskDefinition).portMappings = [];
          return input;
        },
        expected: [
          {
            id: 'container-port-mismatch',
            severity: 'warning',
            container: 'checkout-api',
            message: 'the service load balancer sends traffic to container checkout-api port 8080, but it maps no ports',
            fix: 'add {"containerPort": 8080} to checkout-api\'s portMappings in a new revision',
          },
        ],
      },
      {
        name: 'the load balancer names a container the revision does not have',
        prepare: (input) => {
          input.service.loadBalancers = [{ targetGroupArn: TG_ARN, containerName: 'web', containerPort: 8080 }];
          return input;
        },
        expected: [
          {
            id: 'container-port-mismatch',
            severity: 'warning',
            container: 'web',
            message: 'the service load balancer sends traffic to container web port 8080, but checkout-api:7 has no container web (containers: checkout-api)',
            fix: "name an existing container in the service's load balancer configuration, or add container web to the task definition",
          },
        ],
      },
      {
        name: 'an ip target group health-checks a fixed port the container does not map',
        prepare: (input) => {
          input.targetGroups = [{ ...input.targetGroups[0], HealthCheckPort: '9090' }];
          return input;
        },
        expected: [
          {
            id: 'container-port-mismatch',
            severity: 'warning',
            container: 'checkout-api',
            message: `target group ${TG_ARN} health-checks port 9090, but container checkout-api receives traffic on 8080 and maps no port 9090: every health check will fail`,
            fix: `aws elbv2 modify-target-group --target-group-arn ${TG_ARN} --health-check-port traffic-port`,
          },
        ],
      },
      {
        name: 'none when the fixed health check port is another port the container maps (a management port)',
        prepare: (input) => {
          app(input.taskDefinition).portMappings?.push({ containerPort: 8081, hostPort: 8081, protocol: 'tcp' });
          input.targetGroups = [{ ...input.targetGroups[0], HealthCheckPort: '8081' }];
          return input;
        },
        expected: [],
      },
      {
        name: 'none when only the target group Port differs: ECS registers tasks on the containerPort, and traffic-port follows it',
        prepare: (input) => {
          input.targetGroups = [{ ...input.targetGroups[0], Port: 80 }];
          return input;
        },
        expected: [],
      },
      {
        name: 'none for an instance target group (host ports are not judged)',
        prepare: (input) => {
          input.targetGroups = [{ ...input.targetGroups[0], TargetType: 'instance', HealthCheckPort: '9090' }];
          return input;
        },
        expected: [],
      },
    ];

    it.each(cases)('$name', ({ prepare, expected }) => {
      expect(only('container-port-mismatch', findConfigFindings(prepare(facts())))).toEqual(expected);
    });
  });

  describe('listening-on-localhost', () => {
    // Constructed in the shape of the real "(reason Request timed out)" service event: no real,
    // citable "Connection refused" health check text was found (test/fixtures/README.md).
    const refusedEvent = `(service checkout-api) (port 8080) is unhealthy in (target-group ${TG_ARN}) due to (reason Connection refused)`;
    const timedOutEvent = realText('due to (reason Request timed out)');
    const elbStop = realText('Task failed ELB health checks in (elb');

    const cases: Case[] = [
      {
        name: 'health checks refused while the service uses ELB health checks: an info-level inference',
        prepare: (input) => ({ ...input, stoppedReasons: [refusedEvent] }),
        expected: [
          {
            id: 'listening-on-localhost',
            severity: 'info',
            container: 'checkout-api',
            message:
              `inferred, not confirmed: load balancer health checks fail ("${refusedEvent}"); the app in container checkout-api may listen on 127.0.0.1/localhost only, ` +
              "which the load balancer cannot reach: its checks arrive on the task's network interface, not on loopback; " +
              'the same error comes from an app that has not started listening yet or listens on another port',
            fix: 'make the app in container checkout-api listen on 0.0.0.0:8080 (all interfaces), not 127.0.0.1/localhost (e.g. HOST=0.0.0.0 or --bind 0.0.0.0); check with ECS Exec what it listens on (ss -ltn or netstat -ltn)',
          },
        ],
      },
      {
        name: 'health checks timing out (real text): the inference names the security group as the likelier cause',
        prepare: (input) => ({ ...input, stoppedReasons: [timedOutEvent] }),
        expected: [
          {
            id: 'listening-on-localhost',
            severity: 'info',
            container: 'checkout-api',
            message:
              `inferred, not confirmed: load balancer health checks fail ("${timedOutEvent}"); the app in container checkout-api may listen on 127.0.0.1/localhost only, ` +
              "which the load balancer cannot reach: its checks arrive on the task's network interface, not on loopback; " +
              'a security group that does not let the load balancer in gives the same timeout, and is the more common cause',
            fix: 'make the app in container checkout-api listen on 0.0.0.0:8080 (all interfaces), not 127.0.0.1/localhost (e.g. HOST=0.0.0.0 or --bind 0.0.0.0); check with ECS Exec what it listens on (ss -ltn or netstat -ltn)',
          },
        ],
      },
      {
        name: 'without the service, an ELB health check stop reason is enough to know ELB checks run',
        prepare: (input) => ({ taskDefinition: input.taskDefinition, stoppedReasons: [elbStop], containerReasons: ['Connection refused'] }),
        expected: [
          {
            id: 'listening-on-localhost',
            severity: 'info',
            message:
              'inferred, not confirmed: load balancer health checks fail ("Connection refused"); the app may listen on 127.0.0.1/localhost only, ' +
              "which the load balancer cannot reach: its checks arrive on the task's network interface, not on loopback; " +
              'the same error comes from an app that has not started listening yet or listens on another port',
            fix: 'make the app listen on 0.0.0.0 (all interfaces), not 127.0.0.1/localhost (e.g. HOST=0.0.0.0 or --bind 0.0.0.0); check with ECS Exec what it listens on (ss -ltn or netstat -ltn)',
          },
        ],
      },
      {
        name: 'none without ELB health checks (no load balancer, no target group, no ELB reason)',
        prepare: (input) => ({ taskDefinition: input.taskDefinition, stoppedReasons: ['Essential container in task exited'], containerReasons: ['Connection refused'] }),
        expected: [],
      },
      {
        name: 'none when ELB checks fail without a refusal or timeout',
        prepare: (input) => ({ ...input, stoppedReasons: [elbStop] }),
        expected: [],
      },
      {
        name: 'none for an agent error that refuses an outbound connection (that is NETWORK)',
        // Constructed: the documented ResourceInitializationError prefix with a dial error.
        prepare: (input) => ({
          ...input,
          stoppedReasons: ['ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: dial tcp 10.0.1.23:443: connect: connection refused'],
        }),
        expected: [],
      },
    ];

    it.each(cases)('$name', ({ prepare, expected }) => {
      expect(only('listening-on-localhost', findConfigFindings(prepare(facts())))).toEqual(expected);
    });
  });

  describe('memory-reservation-vs-limit', () => {
    const ENVOY = { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod', essential: true };
    const onEc2 = (input: ReturnType<typeof facts>): ConfigFindingsInput => {
      input.taskDefinition.requiresCompatibilities = ['EC2'];
      input.taskDefinition.networkMode = 'bridge';
      return { taskDefinition: input.taskDefinition };
    };

    const cases: Case[] = [
      {
        name: 'memoryReservation equal to memory is invalid or ineffective',
        prepare: (input) => {
          app(input.taskDefinition).memoryReservation = 512;
          return input;
        },
        expected: [
          {
            id: 'memory-reservation-vs-limit',
            severity: 'warning',
            container: 'checkout-api',
            message:
              'container checkout-api memoryReservation 512 MiB is not below its memory limit 512 MiB: ECS requires memory to be greater than memoryReservation, so the soft limit is invalid or has no effect',
            fix: "set checkout-api's memoryReservation to its usual usage, below 512 MiB, or remove memoryReservation",
          },
        ],
      },
      {
        name: 'memoryReservation above memory too',
        prepare: (input) => {
          app(input.taskDefinition).memoryReservation = 600;
          return input;
        },
        expected: [
          {
            id: 'memory-reservation-vs-limit',
            severity: 'warning',
            container: 'checkout-api',
            message:
              'container checkout-api memoryReservation 600 MiB is not below its memory limit 512 MiB: ECS requires memory to be greater than memoryReservation, so the soft limit is invalid or has no effect',
            fix: "set checkout-api's memoryReservation to its usual usage, below 512 MiB, or remove memoryReservation",
          },
        ],
      },
      {
        name: 'on EC2, a hard limit without a reservation reserves the whole limit (info)',
        prepare: (input) => {
          delete app(input.taskDefinition).memoryReservation;
          return onEc2(input);
        },
        expected: [
          {
            id: 'memory-reservation-vs-limit',
            severity: 'info',
            container: 'checkout-api',
            message: 'container checkout-api has a memory limit of 512 MiB and no memoryReservation: on EC2, placement reserves the whole 512 MiB on the instance',
            fix: "set checkout-api's memoryReservation to its usual usage (below 512 MiB) and keep memory 512 as the ceiling, so more tasks fit per instance",
          },
        ],
      },
      {
        name: 'none on Fargate for a hard limit without a reservation',
        prepare: (input) => {
          delete app(input.taskDefinition).memoryReservation;
          return input;
        },
        expected: [],
      },
      {
        name: 'container hard limits adding up above the task memory (and no second finding for the same sidecar)',
        prepare: (input) => {
          input.taskDefinition.containerDefinitions?.push({ ...ENVOY, memory: 128 });
          return input;
        },
        expected: [
          {
            id: 'memory-reservation-vs-limit',
            severity: 'warning',
            message:
              'container memory limits add up to 640 MiB (checkout-api 512 + envoy 128), above the task memory 512 MiB: they cannot all reach their limits, and the task runs out first',
            fix: "lower the containers' memory limits to fit in 512 MiB, or raise the task memory to at least 640 MiB (on Fargate, the next valid size)",
          },
        ],
      },
      {
        name: 'on Fargate, a container limit equal to the task memory leaves the sidecars nothing (info)',
        prepare: (input) => {
          input.taskDefinition.containerDefinitions?.push({ ...ENVOY, memoryReservation: 64 });
          return input;
        },
        expected: [
          {
            id: 'memory-reservation-vs-limit',
            severity: 'info',
            container: 'checkout-api',
            message: 'container checkout-api memory limit 512 MiB equals the task memory 512 MiB: it may take all of it, leaving nothing for envoy',
            fix: "lower checkout-api's memory below 512 MiB to leave room for envoy, or raise the task memory",
          },
        ],
      },
      {
        name: 'none for a single container whose limit is the task memory (the fixture as deployed)',
        prepare: (input) => input,
        expected: [],
      },
    ];

    it.each(cases)('$name', ({ prepare, expected }) => {
      expect(only('memory-reservation-vs-limit', findConfigFindings(prepare(facts())))).toEqual(expected);
    });
  });
});
