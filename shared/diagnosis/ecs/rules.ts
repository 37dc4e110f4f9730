/**
 * The ECS cause rules: a registry. Adding a cause is one entry here, one fixture line
 * in test/fixtures/texts, and one runbook in docs/runbooks.
 *
 * Patterns match AWS's own wording (Amazon ECS Developer Guide: "Amazon ECS stopped tasks
 * error messages", "CannotPullContainer task errors", "Stopped tasks error codes",
 * "Service event messages"; the re:Post knowledge-center articles those pages link to; and
 * the messages the ECS agent itself builds, aws/amazon-ecs-agent). Each rule names the
 * fields it trusts, because the same words mean different things in a container reason
 * and in a service event.
 *
 * ## Calibration (how the confidences were chosen)
 * Corpus: test/fixtures/texts/ecs-stopped-reasons.json, 91 real texts (AWS docs, re:Post,
 * the ECS agent's own tests, the SDK's stop-code enum, public issues), each with the
 * category AWS's docs give it: 77 causes across 11 categories and 14 texts that name no
 * cause (UNKNOWN). test/unit/classifyRealTexts.test.ts runs every text through this registry
 * and fails on any miss, and fails if a rule at >= 0.9 is ever wrong on the corpus. The rules
 * were written with the corpus in view, so 100% on it is a consistency check, not a measured
 * field accuracy: the numbers below are judgement, anchored on what AWS's docs say each
 * message means and how many causes they list for it. Six rules have no corpus text yet
 * (the exit-code rules, exec-format-error, pull-registry-5xx, placement-memory, pull-failed);
 * test/unit/classifySignals.test.ts pins them, and none claims more than 0.9.
 * - 0.95: AWS's docs name this exact message as this cause, in this field, and no other.
 * - 0.9: the detail inside the message names the cause (an AWS error code such as
 *   AccessDeniedException or ResourceNotFoundException, a network timeout, a placement
 *   constraint) and AWS's docs attribute it so; 100% precision on the corpus.
 * - 0.8-0.85: strong, but AWS documents a second, rarer cause for the same words
 *   (a host that stopped may have been scaled in; "pull access denied" is also what a
 *   private registry says to wrong credentials).
 * - 0.6-0.7: the words point at the cause, but AWS lists several causes for them
 *   ("Internal error." is an unsupported Availability Zone; an HTTP status from a layer
 *   download may be a policy or a missing image).
 * - below 0.5: a weak signal, reported so a human has a lead, never acted on
 *   (MIN_CONFIDENCE_TO_ACT, default 0.5). 0.5 itself is the floor: acted on only after
 *   fail-fast has seen the same cause on FAIL_FAST_FAILED_LAUNCHES launches of a new revision.
 *   "Essential container in task exited" alone is not a cause at all (UNKNOWN): only with a
 *   non-zero exit code that is not a kill signal is it APP_CRASH, at 0.5. Exit code 137
 *   alone is never OOM: SIGKILL is also how health-check failures and stop timeouts end.
 *
 * The engine (classifySignals) picks the most confident match; on a tie, the rule listed
 * first. So within a family the specific rules (a named AWS error code) are both more
 * confident and listed before the generic ones they refine.
 */
import type { EcsCategory } from '../../taxonomy';
import type { ClassificationVariant, EcsSignalField, Signal } from '../types';

export interface EcsRule {
  id: string;
  category: EcsCategory;
  fields: readonly EcsSignalField[];
  pattern: RegExp;
  /** Calibrated: how often this pattern, in these fields, really means this category. */
  confidence: number;
  /** The sub-kind the planner needs (IMAGE_PULL: transient | permanent; CAPACITY_PLACEMENT: the failed constraint). */
  variant?: ClassificationVariant;
  /**
   * Another signal that must be present too, for rules that mean nothing alone (an exit
   * code means APP_CRASH only when AWS says the essential container exited).
   */
  requires?: { fields: readonly EcsSignalField[]; pattern: RegExp; description: string };
  summary: (signal: Signal) => string;
  /** Where AWS documents the wording (or where the agent builds it). Every rule in ECS_RULES has one (a registry test checks). */
  source?: string;
}

const where = (signal: Signal) => (signal.container !== undefined ? `container "${signal.container}"` : 'the task');

/** Task-level texts: a stopped task's stoppedReason and its containers' reasons. */
const TASK: readonly EcsSignalField[] = ['stoppedReason', 'containerReason'];
/** The same failures also reach the service event log ("was unable to place a task. Reason: CannotPullContainerError ..."). */
const TASK_OR_EVENT: readonly EcsSignalField[] = ['stoppedReason', 'containerReason', 'serviceEvent'];
const EVENT: readonly EcsSignalField[] = ['serviceEvent'];

const DOCS = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide';
const PULL_DOCS = `${DOCS}/task_cannot_pull_image.html`;
const EVENT_DOCS = `${DOCS}/service-event-messages.html`;
const STOPPED_DOCS = `${DOCS}/stopped-task-errors.html`;
const SECRETS_KC = 'https://repost.aws/knowledge-center/ecs-unable-to-pull-secrets';
const TASK_STOPPED_KC = 'https://repost.aws/knowledge-center/ecs-task-stopped';
const AGENT_MESSAGES = 'https://github.com/aws/amazon-ecs-agent/blob/master/agent/api/errormessages/error_messages.go';

/** The step that fetches secrets and registry credentials before any container starts (Fargate 1.4+, and the EC2 agent's wording). */
const SECRETS_STEP = String.raw`(?:unable to pull secrets or registry auth|Fetching secret data from)`;

export const ECS_RULES: readonly EcsRule[] = [
  // ── OOM ────────────────────────────────────────────────────────────────────────────
  {
    id: 'oom-killed',
    category: 'OOM',
    fields: TASK,
    pattern: /OutOfMemoryError: Container killed due to memory usage/i,
    confidence: 0.95,
    summary: (s) => `${where(s)} was killed for using more memory than its limit`,
    source: 'https://repost.aws/knowledge-center/ecs-resolve-outofmemory-errors',
  },
  {
    id: 'oom-container-init',
    category: 'OOM',
    fields: TASK,
    pattern: /container init was OOM-killed/i,
    confidence: 0.9,
    summary: (s) => `${where(s)} was OOM-killed while starting (memory limit too low for the runtime to start it)`,
    source: 'https://github.com/aws/amazon-ecs-agent/issues/3021',
  },

  // ── PERMISSIONS (before the secrets and pull rules it refines) ─────────────────────
  {
    id: 'iam-access-denied',
    category: 'PERMISSIONS',
    fields: TASK_OR_EVENT,
    // AWS error codes are case-sensitive; "pull access denied" (a registry's words) is not one.
    pattern: /is not authorized to perform:|\bAccessDenied(?:Exception)?\b|Access to KMS is not allowed|no identity-based policy allows/,
    confidence: 0.9,
    summary: (s) => `${where(s)} was refused by IAM/KMS: the task execution role (or a resource or key policy) does not allow the call`,
    source: SECRETS_KC,
  },

  // ── NETWORK ────────────────────────────────────────────────────────────────────────
  {
    id: 'network-no-route',
    category: 'NETWORK',
    fields: TASK_OR_EVENT,
    // The agent's own NetworkConfigurationError pattern ("request canceled while waiting for
    // connection") plus the timeouts AWS attributes to a missing route, NAT, endpoint or
    // security-group rule ("Connection timed out", "Context canceled").
    pattern:
      /request canceled while waiting for connection|\bi\/o timeout\b|context deadline exceeded|\bcontext canceled\b|RequestCanceled|Client\.Timeout exceeded|Please check your task network configuration/i,
    confidence: 0.9,
    summary: (s) => `${where(s)} could not reach an AWS endpoint or registry (no route, NAT, VPC endpoint or egress rule)`,
    source: PULL_DOCS,
  },
  {
    id: 'pull-ecr-endpoint-api-error',
    category: 'NETWORK',
    fields: TASK_OR_EVENT,
    // The docs' "Amazon ECR endpoint connection issue": the bare message, nothing after it.
    // Also caused by an endpoint policy, so only a lead.
    pattern: /^CannotPullContainerError: API error\.?$/i,
    confidence: 0.5,
    summary: (s) => `${where(s)} could not talk to the Amazon ECR endpoint (route or endpoint policy)`,
    source: 'https://github.com/awsdocs/amazon-ecs-developer-guide/blob/cf5e581179045c141716e76f394773250168d12c/doc_source/task_cannot_pull_image.md',
  },

  // ── SECRETS_OR_CONFIG ──────────────────────────────────────────────────────────────
  {
    id: 'secret-not-found-or-invalid',
    category: 'SECRETS_OR_CONFIG',
    fields: TASK_OR_EVENT,
    pattern: new RegExp(
      `${SECRETS_STEP}[\\s\\S]*(?:ResourceNotFoundException|ParameterNotFound|invalid ssm parameters|invalid parameters|InvalidParameter|ValidationException|invalid character)`,
      'i',
    ),
    confidence: 0.9,
    summary: (s) => `${where(s)} references a secret or parameter that does not exist or is malformed`,
    source: SECRETS_KC,
  },
  {
    id: 'secrets-step-failed',
    category: 'SECRETS_OR_CONFIG',
    fields: TASK_OR_EVENT,
    // No detail (or a detail we cannot read, e.g. "pull command failed: : signal: killed"):
    // re:Post lists network, IAM and the secret itself as causes. A lead, not a verdict.
    pattern: new RegExp(SECRETS_STEP, 'i'),
    confidence: 0.5,
    summary: (s) => `${where(s)} could not fetch its secrets or registry credentials before starting`,
    source: SECRETS_KC,
  },
  {
    id: 'logging-driver-config',
    category: 'SECRETS_OR_CONFIG',
    fields: TASK,
    pattern: /failed to initialize logging driver|failed to validate logger args|The specified log group does not exist/i,
    confidence: 0.6,
    summary: (s) => `${where(s)} could not set up its log configuration (log group, options)`,
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/userguide/stopped-task-error-codes.html',
  },
  {
    id: 'executable-not-found',
    category: 'SECRETS_OR_CONFIG',
    fields: TASK,
    pattern: /executable file not found in \$PATH/i,
    confidence: 0.85,
    summary: (s) => `${where(s)} has a command or entry point that does not exist in the image`,
    source: 'https://github.com/aws/amazon-ecs-cli/issues/1136',
  },
  {
    id: 'custom-device-missing',
    category: 'SECRETS_OR_CONFIG',
    fields: TASK,
    pattern: /error gathering device information while adding custom device/i,
    confidence: 0.8,
    summary: (s) => `${where(s)} maps a device (linuxParameters.devices) the host does not have`,
    source: `${DOCS}/ecs-vt1.html`,
  },
  {
    id: 'deployment-configuration',
    category: 'SECRETS_OR_CONFIG',
    fields: EVENT,
    pattern: /unable to stop or start tasks during a deployment because of the service deployment configuration/i,
    confidence: 0.95,
    summary: () => 'minimumHealthyPercent/maximumPercent leave the scheduler no room to start or stop a task',
    source: EVENT_DOCS,
  },

  // ── ARCH_MISMATCH (before IMAGE_PULL: "no matching manifest ... not found" is a platform miss) ──
  {
    id: 'image-platform-mismatch',
    category: 'ARCH_MISMATCH',
    fields: TASK_OR_EVENT,
    pattern:
      /does not contain descriptor matching platform|failed to find a descriptor for platform|no matching manifest for \S+ in the manifest list entries|no match for platform in manifest/i,
    confidence: 0.9,
    summary: (s) => `${where(s)}: the image has no variant for the task's CPU architecture / OS (runtimePlatform)`,
    source: PULL_DOCS,
  },
  {
    id: 'exec-format-error',
    category: 'ARCH_MISMATCH',
    fields: TASK,
    // Usually only in the container's logs; when it reaches a reason field it means the same.
    pattern: /exec format error/i,
    confidence: 0.85,
    summary: (s) => `${where(s)}: the image's binaries are built for another CPU architecture`,
    source: 'https://github.com/aws-samples/amazon-bedrock-serverless-prompt-chaining/issues/213',
  },

  // ── IMAGE_PULL ─────────────────────────────────────────────────────────────────────
  {
    id: 'pull-rate-limited',
    category: 'IMAGE_PULL',
    fields: TASK_OR_EVENT,
    pattern: /toomanyrequests|Too Many Requests|reached your pull rate limit/i,
    confidence: 0.9,
    variant: 'transient',
    summary: (s) => `${where(s)}: the registry throttled the image pull (rate limit)`,
    source: PULL_DOCS,
  },
  {
    id: 'pull-disk-full',
    category: 'IMAGE_PULL',
    fields: TASK_OR_EVENT,
    pattern: /CannotPullContainerError[\s\S]*no space left on device/i,
    confidence: 0.85,
    variant: 'transient',
    summary: (s) => `${where(s)}: the host's disk filled up while pulling the image`,
    source: PULL_DOCS,
  },
  {
    id: 'pull-not-found',
    category: 'IMAGE_PULL',
    fields: TASK_OR_EVENT,
    pattern: /CannotPullContainerError[\s\S]*(?:not found|manifest unknown|does not exist|name unknown)/i,
    confidence: 0.85,
    variant: 'permanent',
    summary: (s) => `${where(s)}: the image repository, tag or digest does not exist`,
    source: PULL_DOCS,
  },
  {
    id: 'pull-access-denied',
    category: 'IMAGE_PULL',
    fields: TASK_OR_EVENT,
    // The agent: "denied: requested access to the resource is denied" means the repository
    // does not exist (or a typo in its URL); IAM refusals are matched by iam-access-denied.
    pattern: /pull access denied|requested access to the resource is denied|unauthorized: authentication required|no basic auth credentials/i,
    confidence: 0.8,
    variant: 'permanent',
    summary: (s) => `${where(s)}: the registry refused the pull (repository missing, or wrong registry credentials)`,
    source: AGENT_MESSAGES,
  },
  {
    id: 'pull-unsupported-media-type',
    category: 'IMAGE_PULL',
    fields: TASK_OR_EVENT,
    pattern: /CannotPullContainerError[\s\S]*unsupported media type/i,
    confidence: 0.8,
    variant: 'permanent',
    summary: (s) => `${where(s)}: the image manifest has a media type the container runtime cannot pull`,
    source: 'https://github.com/aws/aws-cdk/issues/30680',
  },
  {
    id: 'pull-registry-5xx',
    category: 'IMAGE_PULL',
    fields: TASK_OR_EVENT,
    pattern:
      /CannotPullContainerError[\s\S]*(?:API error \(5\d\d\)|\b5\d\d (?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)|TLS handshake timeout)/i,
    confidence: 0.6,
    variant: 'transient',
    summary: (s) => `${where(s)}: the registry failed (HTTP 5xx or a stalled TLS handshake) while serving the image`,
    source: PULL_DOCS,
  },
  {
    id: 'pull-http-status',
    category: 'IMAGE_PULL',
    fields: TASK_OR_EVENT,
    // "Fail to copy image ... there is no access to the image" (docs); a 403 on a layer is an
    // S3 endpoint policy as often as a missing digest.
    pattern: /failed to copy: httpReade?rSeeker: failed open: unexpected status code|CannotPullContainerError[\s\S]*\b403 Forbidden\b/i,
    confidence: 0.6,
    variant: 'permanent',
    summary: (s) => `${where(s)}: the registry answered the image download with an error status`,
    source: PULL_DOCS,
  },
  {
    id: 'pull-failed',
    category: 'IMAGE_PULL',
    fields: TASK_OR_EVENT,
    // Anything else: we cannot tell transient from permanent, and say permanent because a
    // blind retry of an unread failure is the less honest plan.
    pattern: /CannotPullContainerError/i,
    confidence: 0.4,
    variant: 'permanent',
    summary: (s) => `${where(s)}: the image could not be pulled (the reason is not one we recognise)`,
    source: PULL_DOCS,
  },

  // ── HEALTH_CHECK ───────────────────────────────────────────────────────────────────
  {
    id: 'elb-health-checks',
    category: 'HEALTH_CHECK',
    fields: ['stoppedReason', 'serviceEvent'],
    pattern: /failed ELB health checks/i,
    confidence: 0.95,
    summary: () => 'the load balancer marked the task unhealthy and the scheduler replaced it',
    source: TASK_STOPPED_KC,
  },
  {
    id: 'container-health-checks',
    category: 'HEALTH_CHECK',
    fields: ['stoppedReason', 'serviceEvent'],
    pattern: /failed container health checks/i,
    confidence: 0.95,
    summary: () => "an essential container's healthCheck command kept failing and the scheduler replaced the task",
    source: 'https://repost.aws/knowledge-center/ecs-task-container-health-check-failures',
  },
  {
    id: 'target-unhealthy',
    category: 'HEALTH_CHECK',
    fields: EVENT,
    pattern: /is unhealthy in \(?(?:target-group|elb)\b/i,
    confidence: 0.9,
    summary: () => 'the load balancer reports the service target unhealthy',
    source: EVENT_DOCS,
  },

  // ── DEPENDENCY ─────────────────────────────────────────────────────────────────────
  {
    id: 'container-dependency-failed',
    category: 'DEPENDENCY',
    fields: TASK,
    // The agent's dependency graph (agent/engine/dependencygraph/graph.go): "... as dependency
    // did not exit successfully.", "... because dependency will never start", "... has timed out."
    pattern: /dependency graph: (?:failed to resolve (?:the )?container ordering dependency|container ordering dependency [\s\S]* has timed out)/i,
    confidence: 0.9,
    summary: (s) => `${where(s)} could not start: a container it dependsOn never reached the required condition`,
    source: 'https://github.com/aws/amazon-ecs-agent/pull/3218',
  },

  // ── CAPACITY_PLACEMENT (service events; the variant is the constraint that failed) ──
  {
    id: 'placement-cpu',
    category: 'CAPACITY_PLACEMENT',
    fields: EVENT,
    pattern: /has insufficient CPU units available/i,
    confidence: 0.95,
    variant: 'cpu',
    summary: () => 'no container instance has enough free CPU units for the task',
    source: EVENT_DOCS,
  },
  {
    id: 'placement-memory',
    category: 'CAPACITY_PLACEMENT',
    fields: EVENT,
    pattern: /has insufficient memory available/i,
    // The docs' "Not enough memory" cause; we have no real copy of the message to check.
    confidence: 0.9,
    variant: 'memory',
    summary: () => 'no container instance has enough free memory for the task',
    source: EVENT_DOCS,
  },
  {
    id: 'placement-ports',
    category: 'CAPACITY_PLACEMENT',
    fields: EVENT,
    pattern: /already using a port required by your task/i,
    confidence: 0.95,
    variant: 'ports',
    summary: () => 'the host port the task maps is taken on every candidate container instance',
    source: EVENT_DOCS,
  },
  {
    id: 'placement-attribute',
    category: 'CAPACITY_PLACEMENT',
    fields: EVENT,
    pattern: /missing an attribute required by your task/i,
    confidence: 0.95,
    variant: 'attribute',
    summary: () => 'no container instance has an attribute the task requires (placement constraint, subnet, log driver, API version)',
    source: EVENT_DOCS,
  },
  {
    id: 'placement-no-instances',
    category: 'CAPACITY_PLACEMENT',
    fields: EVENT,
    pattern: /No Container Instances were found in your (?:cluster|capacity provider)/i,
    confidence: 0.95,
    variant: 'no-container-instances',
    summary: () => 'the cluster (or capacity provider) has no registered container instances',
    source: EVENT_DOCS,
  },
  {
    id: 'placement-agent-disconnected',
    category: 'CAPACITY_PLACEMENT',
    fields: EVENT,
    pattern: /encountered error "AGENT"/i,
    confidence: 0.9,
    variant: 'agent-disconnected',
    summary: () => 'the ECS agent on the closest matching container instance is disconnected',
    source: EVENT_DOCS,
  },
  {
    id: 'placement-fargate-capacity',
    category: 'CAPACITY_PLACEMENT',
    fields: ['serviceEvent', 'stoppedReason'],
    pattern: /Capacity is unavailable at this time/i,
    confidence: 0.9,
    variant: 'fargate-capacity',
    summary: () => 'Fargate has no capacity for the task in this Availability Zone right now',
    source: 'https://github.com/sil-org/ecs-deploy/issues/277',
  },
  {
    id: 'placement-quota',
    category: 'CAPACITY_PLACEMENT',
    fields: EVENT,
    pattern: /unable to place a task\. Reason: (?:You['’]ve reached the limit on the number of|The requested (?:CPU|MEMORY) configuration is above your limit)/i,
    confidence: 0.95,
    variant: 'quota',
    summary: () => 'an account quota (tasks, vCPUs or task size) stops the scheduler from placing the task',
    source: EVENT_DOCS,
  },
  {
    id: 'placement-unsupported-az',
    category: 'CAPACITY_PLACEMENT',
    fields: EVENT,
    // The docs map this vague text to a subnet in an Availability Zone Fargate does not support.
    pattern: /unable to place a task\. Reason: Internal error/i,
    confidence: 0.6,
    variant: 'availability-zone',
    summary: () => "the scheduler could not place the task: per AWS, usually a subnet in an Availability Zone Fargate doesn't support",
    source: EVENT_DOCS,
  },
  {
    id: 'placement-no-instance-met-requirements',
    category: 'CAPACITY_PLACEMENT',
    fields: EVENT,
    pattern: /unable to place a task because no container instance met all of its requirements/i,
    confidence: 0.9,
    summary: () => 'no container instance met all of the task\'s requirements (the constraint is not named)',
    source: EVENT_DOCS,
  },

  // ── APP_CRASH (only with an exit code; see the calibration note) ───────────────────
  {
    id: 'essential-container-exited-nonzero',
    category: 'APP_CRASH',
    fields: ['exitCode'],
    // Non-zero, and not 137 (SIGKILL: OOM, health checks, stop timeout) nor 143 (SIGTERM: a
    // normal stop, and how the agent marks containers it stops for dependency errors).
    pattern: /^(?!137$|143$)[1-9]\d*$/,
    requires: { fields: ['stoppedReason'], pattern: /^Essential container in task exited/i, description: 'stoppedReason "Essential container in task exited"' },
    confidence: 0.5,
    summary: (s) => `${where(s)} exited with code ${s.text} and took the task down: the application failed (read its logs)`,
    source: TASK_STOPPED_KC,
  },
  {
    id: 'segmentation-fault',
    category: 'APP_CRASH',
    fields: ['exitCode'],
    pattern: /^139$/,
    confidence: 0.5,
    summary: (s) => `${where(s)} exited with code 139 (SIGSEGV): the process crashed`,
    source: TASK_STOPPED_KC,
  },

  // ── SPOT_OR_MAINTENANCE (normal life) ──────────────────────────────────────────────
  {
    id: 'spot-interruption',
    category: 'SPOT_OR_MAINTENANCE',
    fields: ['stopCode'],
    pattern: /^SpotInterruption$/,
    confidence: 0.95,
    summary: () => 'the Spot capacity behind the task was reclaimed',
    source: `${DOCS}/fargate-capacity-providers.html`,
  },
  {
    id: 'spot-task-interrupted',
    category: 'SPOT_OR_MAINTENANCE',
    fields: ['stoppedReason'],
    pattern: /^Your Spot Task was interrupted/i,
    confidence: 0.95,
    summary: () => 'the Spot capacity behind the task was reclaimed',
    source: `${DOCS}/fargate-capacity-providers.html`,
  },
  {
    id: 'termination-notice',
    category: 'SPOT_OR_MAINTENANCE',
    fields: ['stopCode'],
    pattern: /^TerminationNotice$/,
    confidence: 0.9,
    summary: () => 'the task was stopped because its host received a termination notice',
    source: `${DOCS}/fargate-capacity-providers.html`,
  },
  {
    id: 'fargate-maintenance',
    category: 'SPOT_OR_MAINTENANCE',
    fields: ['stoppedReason'],
    pattern: /performing maintenance on the underlying infrastructure/i,
    confidence: 0.9,
    summary: () => 'AWS retired the task for infrastructure maintenance',
    source: `${DOCS}/task-maintenance.html`,
  },
  {
    id: 'host-ec2-stopped',
    category: 'SPOT_OR_MAINTENANCE',
    fields: ['stoppedReason'],
    // Also what a scale-in of the Auto Scaling group looks like: normal life either way.
    pattern: /^Host EC2 \(instance [^)]*\) stopped\/terminated/i,
    confidence: 0.8,
    summary: () => 'the EC2 container instance under the task stopped or was terminated',
    source: STOPPED_DOCS,
  },

  // ── SCALING_OR_USER (normal life) ──────────────────────────────────────────────────
  {
    id: 'scaling-activity',
    category: 'SCALING_OR_USER',
    fields: ['stoppedReason'],
    pattern: /^Scaling activity initiated by/i,
    confidence: 0.95,
    summary: () => 'the service scheduler stopped the task (scale-in or deployment replacement)',
    source: STOPPED_DOCS,
  },
  {
    id: 'user-initiated',
    category: 'SCALING_OR_USER',
    fields: ['stopCode'],
    pattern: /^UserInitiated$/,
    confidence: 0.95,
    summary: () => 'someone stopped the task (StopTask)',
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html',
  },
  {
    id: 'task-stopped-by-user',
    category: 'SCALING_OR_USER',
    fields: ['stoppedReason'],
    pattern: /^Task stopped by user/i,
    confidence: 0.95,
    summary: () => 'someone stopped the task (StopTask)',
    source: 'https://github.com/aws-samples/amazon-ecs-stopped-tasks-cwlogs/blob/3367814a5d5b32ec8d9c76853a60cb81a2652e6e/cw-event.json',
  },
  {
    id: 'instance-deregistration-forced',
    category: 'SCALING_OR_USER',
    fields: ['stoppedReason'],
    pattern: /^Container instance deregistration forced by user/i,
    confidence: 0.9,
    summary: () => 'someone deregistered the container instance the task ran on',
    source: STOPPED_DOCS,
  },
  {
    id: 'service-steady-state',
    category: 'SCALING_OR_USER',
    fields: EVENT,
    pattern: /has reached a steady state/i,
    confidence: 0.9,
    summary: () => 'the service is at its desired count and healthy',
    source: EVENT_DOCS,
  },
  {
    id: 'service-started-tasks',
    category: 'SCALING_OR_USER',
    fields: EVENT,
    pattern: /has started \d+ tasks/i,
    confidence: 0.8,
    summary: () => 'the scheduler started tasks',
    source: EVENT_DOCS,
  },
  {
    id: 'service-registered-targets',
    category: 'SCALING_OR_USER',
    fields: EVENT,
    pattern: /\b(?:de)?registered \d+ targets in/i,
    confidence: 0.8,
    summary: () => 'the scheduler (de)registered load balancer targets',
    source: EVENT_DOCS,
  },
  {
    id: 'service-stopped-tasks',
    category: 'SCALING_OR_USER',
    fields: EVENT,
    // Scale-in and deployment replacement say this, and so does the replacement of tasks that
    // failed health checks: on its own it is weak.
    pattern: /\bstopped \d+ running tasks/i,
    confidence: 0.6,
    summary: () => 'the scheduler stopped running tasks',
    source: EVENT_DOCS,
  },
  {
    id: 'protected-tasks-block-scale-in',
    category: 'SCALING_OR_USER',
    fields: EVENT,
    pattern: /unable to scale in\. Reason: The number of protected tasks are more than the desired count/i,
    confidence: 0.8,
    summary: () => 'task scale-in protection keeps more tasks than the desired count',
    source: EVENT_DOCS,
  },
];
