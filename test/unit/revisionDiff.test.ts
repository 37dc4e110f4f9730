import type { ContainerDefinition, TaskDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { diffRevisions, summarizeDiff, type RevisionChange } from '../../shared/diagnosis/ecs/revisionDiff';
import { fixture } from '../support/fixtures';

/** DescribeTaskDefinition for checkout-api:7 (failing) and checkout-api:6 (last good). Fresh copies. */
const revision7 = () => fixture<{ taskDefinition: TaskDefinition }>('api/ecs-describe-task-definition.json').taskDefinition;
const revision6 = () => fixture<{ taskDefinition: TaskDefinition }>('api/ecs-describe-task-definition-6.json').taskDefinition;
/** The checkout-api container of a revision. */
const app = (td: TaskDefinition): ContainerDefinition => {
  const container = td.containerDefinitions?.find((c) => c.name === 'checkout-api');
  if (container === undefined) throw new Error('fixture has no checkout-api container');
  return container;
};

const REGISTRY = '111122223333.dkr.ecr.us-east-1.amazonaws.com';
const SECRET_VALUE = 'pa55-w0rd-never-print-me';
const DB_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/checkout-api/db-AbCdEf';
const HEALTH_COMMAND = ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'];
const ENVOY: ContainerDefinition = { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod', essential: true, memory: 128 };

interface Case {
  name: string;
  /** Both start as copies of revision 6 (last good); each case changes what the runbook line describes. */
  prepare: (failing: TaskDefinition, lastGood: TaskDefinition) => void;
  expected: RevisionChange[];
}

const cases: Case[] = [
  {
    name: 'nothing changed: no evidence',
    prepare: () => {},
    expected: [],
  },
  {
    name: 'an env key added: the key is reported, never its value',
    prepare: (failing) => {
      app(failing).environment?.push({ name: 'DB_PASSWORD', value: SECRET_VALUE });
    },
    expected: [
      { field: 'environment', kind: 'added', container: 'checkout-api', key: 'DB_PASSWORD', from: null, to: null, line: 'container checkout-api env DB_PASSWORD added' },
    ],
  },
  {
    name: 'an env value changed: "env NODE_ENV changed", neither value shown',
    prepare: (failing) => {
      app(failing).environment = [{ name: 'NODE_ENV', value: SECRET_VALUE }];
    },
    expected: [
      { field: 'environment', kind: 'changed', container: 'checkout-api', key: 'NODE_ENV', from: null, to: null, line: 'container checkout-api env NODE_ENV changed' },
    ],
  },
  {
    name: 'an env key removed',
    prepare: (failing) => {
      app(failing).environment = [];
    },
    expected: [
      { field: 'environment', kind: 'removed', container: 'checkout-api', key: 'NODE_ENV', from: null, to: null, line: 'container checkout-api env NODE_ENV removed' },
    ],
  },
  {
    name: 'a secret added: name and valueFrom ARN are references, so they are shown',
    prepare: (failing) => {
      app(failing).secrets = [{ name: 'DB_PASSWORD', valueFrom: DB_SECRET_ARN }];
    },
    expected: [
      {
        field: 'secrets',
        kind: 'added',
        container: 'checkout-api',
        key: 'DB_PASSWORD',
        from: null,
        to: DB_SECRET_ARN,
        line: `container checkout-api secret DB_PASSWORD added (${DB_SECRET_ARN})`,
      },
    ],
  },
  {
    name: 'a secret removed',
    prepare: (_failing, lastGood) => {
      app(lastGood).secrets = [{ name: 'DB_PASSWORD', valueFrom: DB_SECRET_ARN }];
    },
    expected: [
      {
        field: 'secrets',
        kind: 'removed',
        container: 'checkout-api',
        key: 'DB_PASSWORD',
        from: DB_SECRET_ARN,
        to: null,
        line: `container checkout-api secret DB_PASSWORD removed (was ${DB_SECRET_ARN})`,
      },
    ],
  },
  {
    name: 'the container healthCheck removed',
    prepare: (_failing, lastGood) => {
      app(lastGood).healthCheck = { command: HEALTH_COMMAND, interval: 30, timeout: 5, retries: 3, startPeriod: 60 };
    },
    expected: [
      {
        field: 'healthCheck',
        kind: 'removed',
        container: 'checkout-api',
        from: 'CMD-SHELL curl -f http://localhost:8080/health || exit 1; interval 30s, timeout 5s, retries 3, startPeriod 60s',
        to: null,
        line: 'container checkout-api healthCheck removed (was CMD-SHELL curl -f http://localhost:8080/health || exit 1; interval 30s, timeout 5s, retries 3, startPeriod 60s)',
      },
    ],
  },
  {
    name: 'a container healthCheck added, with the ECS defaults filled in',
    prepare: (failing) => {
      app(failing).healthCheck = { command: HEALTH_COMMAND };
    },
    expected: [
      {
        field: 'healthCheck',
        kind: 'added',
        container: 'checkout-api',
        from: null,
        to: 'CMD-SHELL curl -f http://localhost:8080/health || exit 1; interval 30s, timeout 5s, retries 3, startPeriod 0s',
        line: 'container checkout-api healthCheck added (CMD-SHELL curl -f http://localhost:8080/health || exit 1; interval 30s, timeout 5s, retries 3, startPeriod 0s)',
      },
    ],
  },
  {
    name: 'healthCheck settings changed: one line per setting; a default spelled out is no change',
    prepare: (failing, lastGood) => {
      app(lastGood).healthCheck = { command: HEALTH_COMMAND, interval: 30, startPeriod: 60 };
      app(failing).healthCheck = { command: ['CMD-SHELL', 'curl -f http://localhost:8080/ready || exit 1'], interval: 10, timeout: 5 };
    },
    expected: [
      {
        field: 'healthCheck.command',
        kind: 'changed',
        container: 'checkout-api',
        from: 'CMD-SHELL curl -f http://localhost:8080/health || exit 1',
        to: 'CMD-SHELL curl -f http://localhost:8080/ready || exit 1',
        line: 'container checkout-api healthCheck.command CMD-SHELL curl -f http://localhost:8080/health || exit 1 -> CMD-SHELL curl -f http://localhost:8080/ready || exit 1',
      },
      { field: 'healthCheck.interval', kind: 'changed', container: 'checkout-api', from: '30', to: '10', line: 'container checkout-api healthCheck.interval 30 -> 10' },
      { field: 'healthCheck.startPeriod', kind: 'changed', container: 'checkout-api', from: '60', to: '0', line: 'container checkout-api healthCheck.startPeriod 60 -> 0' },
    ],
  },
  {
    name: 'the container port changed',
    prepare: (failing) => {
      app(failing).portMappings = [{ containerPort: 3000, hostPort: 3000, protocol: 'tcp', name: 'checkout-api-3000-tcp', appProtocol: 'http' }];
    },
    expected: [
      {
        field: 'portMappings',
        kind: 'changed',
        container: 'checkout-api',
        from: '8080:8080/tcp',
        to: '3000:3000/tcp',
        line: 'container checkout-api portMappings 8080:8080/tcp -> 3000:3000/tcp',
      },
    ],
  },
  {
    name: 'awsvpc: a hostPort left out equals the containerPort, so it is no change',
    prepare: (failing) => {
      app(failing).portMappings = [{ containerPort: 8080, protocol: 'tcp' }];
    },
    expected: [],
  },
  {
    name: 'memory limits changed',
    prepare: (failing) => {
      app(failing).memory = 1024;
      delete app(failing).memoryReservation;
    },
    expected: [
      { field: 'memory', kind: 'changed', container: 'checkout-api', from: '512', to: '1024', line: 'container checkout-api memory 512 -> 1024' },
      { field: 'memoryReservation', kind: 'removed', container: 'checkout-api', from: '256', to: null, line: 'container checkout-api memoryReservation 256 -> (none)' },
    ],
  },
  {
    name: 'command and entryPoint changed: reported without their text (command lines can carry credentials)',
    prepare: (failing, lastGood) => {
      app(lastGood).command = ['node', 'server.js'];
      app(failing).command = ['node', 'server.js', `--db-password=${SECRET_VALUE}`];
      app(failing).entryPoint = ['/usr/bin/tini', '--'];
    },
    expected: [
      { field: 'command', kind: 'changed', container: 'checkout-api', from: null, to: null, line: 'container checkout-api command changed' },
      { field: 'entryPoint', kind: 'added', container: 'checkout-api', from: null, to: null, line: 'container checkout-api entryPoint added' },
    ],
  },
  {
    name: 'essential turned off; an absent essential means true',
    prepare: (failing, lastGood) => {
      delete app(lastGood).essential;
      app(failing).essential = false;
    },
    expected: [{ field: 'essential', kind: 'changed', container: 'checkout-api', from: 'true', to: 'false', line: 'container checkout-api essential true -> false' }],
  },
  {
    name: 'a sidecar added, with a dependsOn on it',
    prepare: (failing) => {
      app(failing).dependsOn = [{ containerName: 'envoy', condition: 'HEALTHY' }];
      failing.containerDefinitions?.push({ ...ENVOY });
    },
    expected: [
      { field: 'dependsOn', kind: 'added', container: 'checkout-api', from: null, to: 'envoy:HEALTHY', line: 'container checkout-api dependsOn (none) -> envoy:HEALTHY' },
      {
        field: 'container',
        kind: 'added',
        container: 'envoy',
        from: null,
        to: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod',
        line: 'container envoy added (image public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod)',
      },
    ],
  },
  {
    name: 'a sidecar removed',
    prepare: (_failing, lastGood) => {
      lastGood.containerDefinitions?.push({ ...ENVOY });
    },
    expected: [
      {
        field: 'container',
        kind: 'removed',
        container: 'envoy',
        from: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod',
        to: null,
        line: 'container envoy removed (was image public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod)',
      },
    ],
  },
  {
    name: 'an image from another registry is shown in full',
    prepare: (failing) => {
      app(failing).image = 'public.ecr.aws/checkout/checkout-api:v1.41.0';
    },
    expected: [
      {
        field: 'image',
        kind: 'changed',
        container: 'checkout-api',
        from: `${REGISTRY}/checkout-api:v1.41.0`,
        to: 'public.ecr.aws/checkout/checkout-api:v1.41.0',
        line: `container checkout-api image ${REGISTRY}/checkout-api:v1.41.0 -> public.ecr.aws/checkout/checkout-api:v1.41.0`,
      },
    ],
  },
  {
    name: 'task-level changes come first, in a fixed order, before container changes',
    prepare: (failing) => {
      app(failing).image = `${REGISTRY}/checkout-api:v1.42.0`;
      failing.executionRoleArn = 'arn:aws:iam::111122223333:role/checkout-api-execution-role';
      failing.taskRoleArn = undefined;
      failing.runtimePlatform = { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' };
      failing.requiresCompatibilities = ['FARGATE', 'EC2'];
      failing.memory = '1024';
      failing.cpu = '512';
    },
    expected: [
      { field: 'cpu', kind: 'changed', from: '256', to: '512', line: 'task cpu 256 -> 512' },
      { field: 'memory', kind: 'changed', from: '512', to: '1024', line: 'task memory 512 -> 1024' },
      { field: 'requiresCompatibilities', kind: 'changed', from: 'FARGATE', to: 'EC2, FARGATE', line: 'task requiresCompatibilities FARGATE -> EC2, FARGATE' },
      { field: 'runtimePlatform.cpuArchitecture', kind: 'changed', from: 'X86_64', to: 'ARM64', line: 'task runtimePlatform.cpuArchitecture X86_64 -> ARM64' },
      {
        field: 'taskRoleArn',
        kind: 'removed',
        from: 'arn:aws:iam::111122223333:role/checkout-api-task-role',
        to: null,
        line: 'task taskRoleArn arn:aws:iam::111122223333:role/checkout-api-task-role -> (none)',
      },
      {
        field: 'executionRoleArn',
        kind: 'changed',
        from: 'arn:aws:iam::111122223333:role/ecsTaskExecutionRole',
        to: 'arn:aws:iam::111122223333:role/checkout-api-execution-role',
        line: 'task executionRoleArn arn:aws:iam::111122223333:role/ecsTaskExecutionRole -> arn:aws:iam::111122223333:role/checkout-api-execution-role',
      },
      {
        field: 'image',
        kind: 'changed',
        container: 'checkout-api',
        from: `${REGISTRY}/checkout-api:v1.41.0`,
        to: `${REGISTRY}/checkout-api:v1.42.0`,
        line: 'container checkout-api image checkout-api:v1.41.0 -> checkout-api:v1.42.0',
      },
    ],
  },
];

describe('Evidence: task definition revision diff', () => {
  describe('diffRevisions', () => {
    it('checkout-api:7 against the last good checkout-api:6 (real fixtures): the image bump', () => {
      // Prepare
      const failing = revision7();
      const lastGood = revision6();

      // Act
      const changes = diffRevisions(failing, lastGood);

      // Assess
      expect(changes).toEqual([
        {
          field: 'image',
          kind: 'changed',
          container: 'checkout-api',
          from: `${REGISTRY}/checkout-api:v1.41.0`,
          to: `${REGISTRY}/checkout-api:v1.42.0`,
          line: 'container checkout-api image checkout-api:v1.41.0 -> checkout-api:v1.42.0',
        },
      ]);
    });

    it('a revision against itself has no changes', () => {
      expect(diffRevisions(revision7(), revision7())).toEqual([]);
    });

    it.each(cases)('$name', ({ prepare, expected }) => {
      // Prepare
      const failing = revision6();
      const lastGood = revision6();
      prepare(failing, lastGood);

      // Act
      const changes = diffRevisions(failing, lastGood);

      // Assess
      expect(changes).toEqual(expected);
      expect(JSON.stringify(changes)).not.toContain(SECRET_VALUE);
      expect(JSON.stringify(summarizeDiff(changes))).not.toContain(SECRET_VALUE);
    });

    it('never lets an environment value out, whatever changed around it', () => {
      // Prepare
      const failing = revision7();
      const lastGood = revision6();
      app(lastGood).environment = [{ name: 'API_TOKEN', value: 'old-token-value-42' }, { name: 'NODE_ENV', value: 'production' }];
      app(failing).environment = [{ name: 'API_TOKEN', value: 'new-token-value-43' }, { name: 'STRIPE_KEY', value: 'sk_live_never_print' }];

      // Act
      const changes = diffRevisions(failing, lastGood);

      // Assess
      expect(summarizeDiff(changes)).toEqual([
        'container checkout-api image checkout-api:v1.41.0 -> checkout-api:v1.42.0',
        'container checkout-api env API_TOKEN changed',
        'container checkout-api env NODE_ENV removed',
        'container checkout-api env STRIPE_KEY added',
      ]);
      for (const value of ['old-token-value-42', 'new-token-value-43', 'production', 'sk_live_never_print']) {
        expect(JSON.stringify(changes)).not.toContain(value);
      }
    });
  });

  describe('summarizeDiff', () => {
    const manyEnvKeys = (count: number) => {
      const failing = revision6();
      app(failing).environment?.push(...Array.from({ length: count }, (_, i) => ({ name: `FLAG_${String(i).padStart(2, '0')}`, value: 'on' })));
      return diffRevisions(failing, revision6());
    };

    it.each([
      { name: 'all lines when they fit', count: 2, max: 8, expected: ['container checkout-api env FLAG_00 added', 'container checkout-api env FLAG_01 added'] },
      {
        name: 'exactly max lines: no "more" line',
        count: 3,
        max: 3,
        expected: ['container checkout-api env FLAG_00 added', 'container checkout-api env FLAG_01 added', 'container checkout-api env FLAG_02 added'],
      },
      {
        name: 'max lines, then "... and N more"',
        count: 5,
        max: 2,
        expected: ['container checkout-api env FLAG_00 added', 'container checkout-api env FLAG_01 added', '... and 3 more'],
      },
      { name: 'no changes: no lines', count: 0, max: 8, expected: [] },
    ])('$name', ({ count, max, expected }) => {
      expect(summarizeDiff(manyEnvKeys(count), max)).toEqual(expected);
    });

    it('keeps 8 lines by default', () => {
      const lines = summarizeDiff(manyEnvKeys(10));
      expect(lines).toHaveLength(9);
      expect(lines.at(-2)).toBe('container checkout-api env FLAG_07 added');
      expect(lines.at(-1)).toBe('... and 2 more');
    });
  });
});
