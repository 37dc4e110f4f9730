/**
 * The traps the runbooks warn about, pinned: the same words in another field, exit codes
 * that are not causes, and the three faces of "unable to pull secrets or registry auth".
 * Texts are real (see the fixture corpus and the sources noted) unless marked "composed".
 */
import { describe, expect, it } from 'vitest';
import { classifySignals } from '../../shared/diagnosis/ecs/classifySignals';
import { signalsOfStoppedTask } from '../../shared/diagnosis/ecs/diagnoseStoppedTask';
import { exitCodeSignals } from '../../shared/diagnosis/ecs/exitCodeSignals';
import type { Signal } from '../../shared/diagnosis/types';
import { parseEvent } from '../../shared/events/parseEvent';
import { ecsEvent } from '../support/fixtures';

const ESSENTIAL_EXITED: Signal = { field: 'stoppedReason', text: 'Essential container in task exited' };
const exit = (code: number, container = 'app'): Signal[] => exitCodeSignals([{ name: container, exitCode: code }]);

describe('Classifier: ECS signals', () => {
  describe('exit codes', () => {
    it('"Essential container in task exited" alone is UNKNOWN: it names no cause', () => {
      expect(classifySignals([ESSENTIAL_EXITED])).toMatchObject({ category: 'UNKNOWN', confidence: 0 });
    });

    it('with a non-zero exit code it is APP_CRASH, at 0.5, quoting both facts', () => {
      // The combination of a real event: https://gist.github.com/KensoDev/9831acfa00acf11999b635be1e8ad97d
      const c = classifySignals([ESSENTIAL_EXITED, ...exit(1)]);
      expect(c).toMatchObject({ category: 'APP_CRASH', confidence: 0.5, ruleId: 'essential-container-exited-nonzero' });
      expect(c.evidence).toEqual(['exitCode (container app): "1"', 'stoppedReason: "Essential container in task exited"']);
      expect(c.summary).toBe('container "app" exited with code 1 and took the task down: the application failed (read its logs)');
    });

    it.each([255, 2, 127])('exit code %i with the essential container exited is APP_CRASH 0.5', (code) => {
      expect(classifySignals([ESSENTIAL_EXITED, ...exit(code)])).toMatchObject({ category: 'APP_CRASH', confidence: 0.5 });
    });

    it.each([
      [137, 'SIGKILL: OOM, a failed health check, a stop timeout'],
      [143, 'SIGTERM: a normal stop, or the agent stopping a container for a dependency error'],
      [0, 'a clean exit'],
    ])('exit code %i is not APP_CRASH, even with the essential container exited (%s)', (code) => {
      expect(classifySignals([ESSENTIAL_EXITED, ...exit(code)])).toMatchObject({ category: 'UNKNOWN', confidence: 0 });
    });

    it('exit code 137 alone is not OOM', () => {
      expect(classifySignals(exit(137))).toMatchObject({ category: 'UNKNOWN', confidence: 0 });
    });

    it('exit code 137 with the OOM reason is OOM, for the container AWS named', () => {
      const c = classifySignals([
        ESSENTIAL_EXITED,
        { field: 'containerReason', text: 'OutOfMemoryError: Container killed due to memory usage', container: 'app' },
        ...exit(137),
      ]);
      expect(c).toMatchObject({ category: 'OOM', confidence: 0.95, matched: [{ container: 'app' }] });
    });

    it('exit code 139 (SIGSEGV) is APP_CRASH at 0.5, even alone', () => {
      expect(classifySignals(exit(139))).toMatchObject({ category: 'APP_CRASH', confidence: 0.5, ruleId: 'segmentation-fault' });
    });

    it('a non-zero exit code never outranks a named cause', () => {
      const c = classifySignals([{ field: 'stoppedReason', text: 'Task failed ELB health checks' }, ...exit(1)]);
      expect(c.category).toBe('HEALTH_CHECK');
    });

    it('exitCodeSignals: one signal per container that reported a code, as text', () => {
      expect(exitCodeSignals([{ name: 'app', exitCode: 1 }, { name: 'sidecar' }, { name: 'init', exitCode: null }, { name: 'log', exitCode: 0 }])).toEqual([
        { field: 'exitCode', text: '1', container: 'app' },
        { field: 'exitCode', text: '0', container: 'log' },
      ]);
    });

    it.each([
      ['ecs-task-stopped-exit137-no-oom', 'UNKNOWN'],
      ['ecs-task-stopped-oom-fargate', 'OOM'],
      ['ecs-task-stopped-scaling', 'SCALING_OR_USER'],
      ['ecs-task-stopped-user', 'SCALING_OR_USER'],
      ['ecs-task-stopped-spot', 'SPOT_OR_MAINTENANCE'],
    ])('adding exit codes to the stopped-task signals keeps %s as %s (safe to wire into diagnoseStoppedTask)', (name, category) => {
      const parsed = parseEvent(ecsEvent(name));
      if (parsed.kind !== 'ecs-task-state-change') throw new Error('not a task event');
      const { detail } = parsed.event;
      expect(classifySignals([...signalsOfStoppedTask(detail), ...exitCodeSignals(detail.containers)]).category).toBe(category);
    });
  });

  describe('"unable to pull secrets or registry auth": the detail decides', () => {
    it.each([
      [
        'NETWORK',
        'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post "https://api.ecr..amazonaws.com/": dial tcp …443: i/o timeout. Please check your task network configuration.',
      ],
      [
        'PERMISSIONS',
        'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:eu-central-1:account_id:secret:algo-dev-directus-secret20240626183203358800000004-EaPYTy from secrets manager: AccessDeniedException: Access to KMS is not allowed status code: 400, request id: a87a66d9-f839-4353-b8c2-9984b1465695',
      ],
      [
        'SECRETS_OR_CONFIG',
        // Seen in public project notes (no citable URL): the secret had no AWSCURRENT value yet.
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:***:secret:church-cms/dev/database-url-LB1bMG from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      ],
      [
        'SECRETS_OR_CONFIG',
        // Composed from AWS's documented parts: the SSM parameter does not exist.
        'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): ParameterNotFound: /app/prod/DB_PASSWORD',
      ],
    ])('%s', (category, text) => {
      expect(classifySignals([{ field: 'stoppedReason', text }])).toMatchObject({ category, confidence: 0.9 });
    });

    it('with no readable detail it is SECRETS_OR_CONFIG, but only a lead (0.5)', () => {
      const text = 'ResourceInitializationError: unable to pull secrets or registry auth: pull command failed: : signal: killed';
      expect(classifySignals([{ field: 'stoppedReason', text }])).toMatchObject({ category: 'SECRETS_OR_CONFIG', confidence: 0.5, ruleId: 'secrets-step-failed' });
    });
  });

  describe('the same words in another field', () => {
    it.each([
      ['stopCode', 'SpotInterruption', 'SPOT_OR_MAINTENANCE'],
      ['stoppedReason', 'SpotInterruption', 'UNKNOWN'],
      ['serviceEvent', 'service (service-name) has reached a steady state.', 'SCALING_OR_USER'],
      ['stoppedReason', 'service (service-name) has reached a steady state.', 'UNKNOWN'],
      ['stoppedReason', 'Task failed ELB health checks', 'HEALTH_CHECK'],
      ['containerReason', 'Task failed ELB health checks', 'UNKNOWN'],
      ['exitCode', '1', 'UNKNOWN'],
    ] as const)('%s "%s" is %s', (field, text, category) => {
      expect(classifySignals([{ field, text }]).category).toBe(category);
    });
  });

  describe('variants', () => {
    it.each([
      ['ERROR: toomanyrequests: Too Many Requests.', 'transient'],
      ['CannotPullContainerError: write /var/lib/docker/tmp/GetImageBlob111111111: no space left on device', 'transient'],
      ['CannotPullContainerError: API error (404): repository 111122223333.dkr.ecr.us-east-1.amazonaws.com/<repo>/<image> not found', 'permanent'],
      ['CannotPullContainerError: Error response from daemon: manifest for nginx:0f6b3cdf5e24f0da3dd932acd84fd90e9786a522 not found', 'permanent'],
    ])('IMAGE_PULL "%s" is %s', (text, variant) => {
      const c = classifySignals([{ field: 'stoppedReason', text }]);
      expect(c).toMatchObject({ category: 'IMAGE_PULL', variant });
      expect(c.evidence.at(-1)).toMatch(new RegExp(`^pull failure is ${variant}`));
    });

    it('a registry 5xx is a transient IMAGE_PULL, but only at 0.6', () => {
      // Composed: a pull error carrying a registry's 503.
      const text = 'CannotPullContainerError: failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/latest: 503 Service Unavailable';
      expect(classifySignals([{ field: 'stoppedReason', text }])).toMatchObject({ category: 'IMAGE_PULL', confidence: 0.6, variant: 'transient', ruleId: 'pull-registry-5xx' });
    });

    it('a pull error we cannot read is IMAGE_PULL permanent at 0.4: a lead, never a reason to retry blindly', () => {
      // Real, cut off by the reporter's tool: https://github.com/nextflow-io/nextflow/issues/5681
      const text = 'CannotPullContainerError: ref pull has been r';
      expect(classifySignals([{ field: 'stoppedReason', text }])).toMatchObject({ category: 'IMAGE_PULL', confidence: 0.4, variant: 'permanent', ruleId: 'pull-failed' });
    });

    it('a pull that failed on a network timeout is NETWORK, not a transient IMAGE_PULL (AWS: no route to the registry)', () => {
      const text =
        'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref docker.io/tryretool/backend:2.110.5: failed to do request: Head "https://registry-1.docker.io/v2/tryretool/backend/manifests/2.110.5": dial tcp 34.205.13.154:443: i/o timeout';
      expect(classifySignals([{ field: 'stoppedReason', text }])).toMatchObject({ category: 'NETWORK', confidence: 0.9 });
    });

    it.each([
      ['service (service-name) was unable to place a task because no container instance met all of its requirements. The closest matching container-instance container-instance-id has insufficient CPU units available.', 'cpu'],
      ['The closest matching container-instance is already using a port required by your task.', 'ports'],
      ['service authentication_services was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster.', 'no-container-instances'],
      ['ERROR: was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone', 'fargate-capacity'],
    ])('CAPACITY_PLACEMENT "%s" carries the failed constraint %s', (text, constraint) => {
      const c = classifySignals([{ field: 'serviceEvent', text }]);
      expect(c).toMatchObject({ category: 'CAPACITY_PLACEMENT', variant: constraint });
      expect(c.evidence).toContain(`failed placement constraint: ${constraint}`);
    });

    it('a placement failure that names no constraint has no variant', () => {
      const c = classifySignals([{ field: 'serviceEvent', text: 'service (service-name) was unable to place a task because no container instance met all of its requirements.' }]);
      expect(c).toMatchObject({ category: 'CAPACITY_PLACEMENT', confidence: 0.9 });
      expect(c.variant).toBeUndefined();
    });
  });

  describe('architecture and dependencies', () => {
    it.each([
      "(service relay-temporal-worker) was unable to place a task. Reason: CannotPullContainerError: pull image manifest has been retried 7 time(s): image Manifest does not contain descriptor matching platform 'linux/amd64'.",
      // Composed: docker's wording for a platform miss, inside a pull error.
      'CannotPullContainerError: Error response from daemon: no matching manifest for linux/arm64/v8 in the manifest list entries',
      // Composed: the runtime's wording when an image's binaries are for another CPU.
      'CannotStartContainerError: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/app": exec format error: unknown',
    ])('ARCH_MISMATCH, not IMAGE_PULL: %s', (text) => {
      const field = text.startsWith('(service') ? 'serviceEvent' : 'containerReason';
      expect(classifySignals([{ field, text }]).category).toBe('ARCH_MISMATCH');
    });

    it('a dependsOn container that failed is DEPENDENCY', () => {
      const text =
        'CannotStartContainerError:  dependency graph: failed to resolve container ordering dependency  [container-1(public.ecr.aws/u5s6c6g2/just-sleep) (STOPPED->RUNNING) -  Exit: 1] for target [container-2(public.ecr.aws/u5s6c6g2/just-sleep)  (NONE->RUNNING';
      expect(classifySignals([{ field: 'containerReason', text, container: 'container-2' }])).toMatchObject({ category: 'DEPENDENCY', confidence: 0.9 });
    });
  });

  it('the most confident rule wins; on a tie, the rule listed first', () => {
    const c = classifySignals([
      { field: 'stoppedReason', text: 'Essential container in task exited' },
      { field: 'containerReason', text: 'CannotPullContainerError: API error (404): repository serverless-batch not found: does not exist or no pull access', container: 'batch' },
    ]);
    expect(c).toMatchObject({ category: 'IMAGE_PULL', variant: 'permanent', ruleId: 'pull-not-found' });
  });
});
