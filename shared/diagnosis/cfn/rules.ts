/**
 * The CloudFormation cause rules: a registry, like the ECS one. Adding a cause is one entry
 * here, one line in test/fixtures/texts/cfn-status-reasons.json, and one runbook.
 *
 * A rule matches the `ResourceStatusReason` of a stack event (or a stack's `StackStatusReason`),
 * optionally only for some resource types or statuses, and names the facts the planner needs
 * (`detail`): the quota that was hit, the resource that cannot be deleted and what holds it,
 * the name that is already taken.
 *
 * ## Three wordings of one failure
 * CloudFormation quotes the service that failed in one of three shapes, and every rule has to
 * read all of them:
 * - the bare service message: `resource sg-9f14bae0 has a dependent object`;
 * - the old SDK wrapper: `... (Service: AmazonEC2; Status Code: 400; Error Code: DependencyViolation; Request ID: ...)`;
 * - the resource-handler wrapper of registry types: `Resource handler returned message: "..."
 *   (RequestToken: ..., HandlerErrorCode: InvalidRequest)`.
 * The handler error code is a weak signal: a VPC that still has dependencies comes back as
 * `InvalidRequest`, a quota as `GeneralServiceException`, and one provider reports a quota as
 * `AlreadyExists` with the message `"null"` (cloudformation-coverage-roadmap#2515). So the
 * service's own words always win over the handler code, and a handler code alone is never
 * trusted above 0.9.
 *
 * ## DEPENDENCY_VIOLATION or RESOURCE_IN_USE (the decision, and why)
 * Both stop a delete. They differ in what holds the resource, and so in what the planner may do:
 * - DEPENDENCY_VIOLATION: something *inside or attached to* the resource blocks it: the EC2
 *   `DependencyViolation` of a security group (an ENI or a rule in another group references it),
 *   a subnet or a VPC (ENIs live in it); IAM `DeleteConflict` (policies still attached to the
 *   role); S3 `BucketNotEmpty` (objects in the bucket). The blockers are leftovers the cleanup
 *   can find by dependency graph and, when proven orphaned, remove.
 * - RESOURCE_IN_USE: a *live consumer* uses the resource: a DB instance or cluster in a DB subnet
 *   group, an ENI attached to something, a certificate on a load balancer or CloudFront, an
 *   export imported by another stack, container instances in an ECS cluster. The consumer is
 *   somebody's workload and is reported, never removed.
 * The wording decides, because the service's error code does: EC2 says `DependencyViolation`
 * for containers and `... is currently in use` for an ENI. Where the same words can mean either,
 * the resource type decides (the `*-in-use-scoped` rules): "in use" said of a security group,
 * subnet or VPC is a dependency; said of a subnet group, ENI or certificate it is a consumer.
 *
 * ## Calibration (how the confidences were chosen)
 * Corpus: test/fixtures/texts/cfn-status-reasons.json, 114 real texts (AWS docs, public issues
 * quoting their stack events), each with the category the AWS docs give the words: 99 causes in
 * all 11 categories and 15 texts that name no cause (UNKNOWN: stack-level summaries such as
 * "The following resource(s) failed to create: [...]", a provider's `"null"` message). The rules
 * were written with the corpus in view, so 100% on it is a consistency check, not a field
 * accuracy; test/unit/classifyCfnRealTexts.test.ts fails on any miss, on a rule at >= 0.9 that
 * is ever wrong, and on a rule above 0.9 that never decides a corpus text.
 * - 0.95: the service's own message or error code names this cause, and AWS documents it as
 *   this cause (`DependencyViolation`, `BucketNotEmpty`, `InvalidDBSubnetGroupStateFault`,
 *   "The maximum number of ... has been reached", "Template format error", "Resource creation
 *   cancelled", "Failed to receive N resource signal(s)").
 * - 0.9: an AWS error code or a handler error code names the cause (`Throttling`,
 *   `NoSuchEntity`, `HandlerErrorCode: ServiceLimitExceeded`), or a documented message with no
 *   corpus text yet.
 * - 0.8-0.85: strong, but a second cause hides behind the same words: "Exceeded attempts to
 *   wait" / `NotStabilized` was an IAM problem in one corpus report; a generic `ValidationError`;
 *   any failure of a `Custom::` resource (the words are the custom code's own).
 * - 0.7-0.75: generic words ("does not exist", "is in use", "limit exceeded") with no error code.
 *
 * The engine (classifyCfnSignals) picks the most confident match; on a tie, the rule listed first.
 * So the wrappers that change the meaning of what they quote come first: a custom resource that
 * returns "Cannot delete entity, must detach all policies first" is a CUSTOM_RESOURCE failure
 * (the custom code failed), not an IAM dependency CloudFormation could clean up.
 */
import type { CfnCategory } from '../../taxonomy';
import { CASCADE_REASON } from './stackEvents';

export interface CfnSignal {
  /** `ResourceStatusReason` of a resource event, or `StackStatusReason` of the stack. */
  text: string;
  /** `AWS::EC2::SecurityGroup` ... (absent for stack-level reasons). */
  resourceType?: string;
  /** `DELETE_FAILED`, `CREATE_FAILED`, `UPDATE_FAILED` ... */
  status?: string;
  logicalResourceId?: string;
  physicalResourceId?: string;
}

/**
 * Facts a rule reads out of the text for the planner. Keys in use:
 * - `resourceId`: the resource that cannot be deleted (`sg-0a1b…`, a subnet group name, an export);
 * - `usedBy`, `usedByType`: what holds it, when the text names it (`db-instance`, `db-cluster`,
 *   `stack`, `container-instances`, `services`, `tasks`, `listener-or-rule`);
 * - `dependents`: what is inside it, when the text says (`objects`, `object versions`, `attached policies`);
 * - `quota` (and `limit`, `requested`, `errorCode`): the quota that was hit;
 * - `name` (and `ownerStack`, `type`): the physical name already taken, and the stack that owns it;
 * - `missing`: what does not exist; `action`, `principal`: the call IAM denied and who made it;
 * - `service`: the throttled or failing AWS service; `serviceArn`: the ECS service that did not stabilize;
 * - `message`, `requestId`, `uniqueId`, `signalsExpected`: what a custom resource or signal said;
 * - `parameters`, `unresolved`, `property`: what in the template or parameters is invalid.
 */
export type CfnFacts = Record<string, string>;

export interface CfnRule {
  id: string;
  category: CfnCategory;
  pattern: RegExp;
  /**
   * Only for these resource types (any when absent). An entry ending in `*` is a prefix
   * (`Custom::*`). A rule with resource types never matches a signal without one.
   */
  resourceTypes?: readonly string[];
  /** Only for these statuses (any when absent). */
  statuses?: readonly string[];
  /** The rule does not apply when this also matches (a generic wording that a more specific one owns). */
  unless?: RegExp;
  /** Calibrated: how often this wording, in this scope, really means this category. */
  confidence: number;
  summary: (signal: CfnSignal) => string;
  /** The facts the planner needs, read from the text; absent keys are simply not known. */
  detail?: (signal: CfnSignal) => CfnFacts;
  /** Where the wording comes from (AWS docs or a real report). Every rule has one (a registry test checks). */
  source: string;
}

const what = (s: CfnSignal) => (s.logicalResourceId ? `${s.logicalResourceId} (${s.resourceType ?? 'resource'})` : s.resourceType ? `the ${s.resourceType}` : 'the resource');

/** Builds facts from regex groups, dropping the ones that did not match. */
function pick(text: string, re: RegExp, names: readonly (string | undefined)[]): CfnFacts {
  const m = re.exec(text);
  if (m === null) return {};
  const facts: CfnFacts = {};
  names.forEach((name, i) => {
    const value = m[i + 1];
    if (name !== undefined && value !== undefined && value !== '') facts[name] = value;
  });
  return facts;
}

/** The `(Service: X; ...` / `(Service: X, ...` part of a wrapped service error. */
const serviceOf = (text: string): CfnFacts => pick(text, /\(Service: ([\w ]+?)[;,]/, ['service']);

const DOCS = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide';
const TROUBLESHOOTING = `${DOCS}/troubleshooting.html`;
const DELETE_FAILED_KC = 'https://repost.aws/knowledge-center/cloudformation-stack-delete-failed';
const HANDLER_ERROR_CODES = 'https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract-errors.html';

/** EC2 networking containers: "in use" said of these means something still lives inside them. */
const EC2_CONTAINERS = [
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::Subnet',
  'AWS::EC2::VPC',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::EC2::RouteTable',
  'AWS::EC2::NetworkAcl',
  'AWS::EC2::DHCPOptions',
] as const;

/** Resources that a live consumer attaches to: "in use" said of these names a consumer. */
const CONSUMED_RESOURCES = [
  'AWS::RDS::DBSubnetGroup',
  'AWS::RDS::DBParameterGroup',
  'AWS::RDS::DBClusterParameterGroup',
  'AWS::RDS::OptionGroup',
  'AWS::EC2::NetworkInterface',
  'AWS::CertificateManager::Certificate',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::AutoScaling::LaunchConfiguration',
  'AWS::ECS::Cluster',
  'AWS::ElastiCache::SubnetGroup',
] as const;

/** The error code → quota name of EC2/RDS quota errors that say no more than their code. */
const QUOTA_CODES: Record<string, string> = {
  VcpuLimitExceeded: 'vCPUs for the instance family (Running On-Demand instances)',
  InstanceLimitExceeded: 'EC2 instances of this type',
  VpcLimitExceeded: 'VPCs per Region',
  AddressLimitExceeded: 'Elastic IP addresses per Region',
  RulesPerSecurityGroupLimitExceeded: 'inbound or outbound rules per security group',
  SecurityGroupLimitExceeded: 'security groups per Region',
  InstanceQuotaExceeded: 'DB instances',
  DBClusterQuotaExceededFault: 'DB clusters',
  StorageQuotaExceeded: 'total DB storage',
};

/**
 * The identifier of `Resource of type 'T' with identifier 'I' already exists`: a name, or a
 * JSON object of primary identifiers (`{"/properties/LogGroupName":"/aws/lambda/x"}`) whose
 * values are the names.
 */
function identifierName(identifier: string): string {
  if (!identifier.startsWith('{')) return identifier;
  try {
    const values = Object.values(JSON.parse(identifier) as Record<string, unknown>).map(String);
    return values.length > 0 ? values.join(',') : identifier;
  } catch {
    return identifier;
  }
}

export const CFN_RULES: readonly CfnRule[] = [
  // ── CASCADE_CANCELLED ────────────────────────────────────────────────────────────────
  {
    id: 'cascade-cancelled',
    category: 'CASCADE_CANCELLED',
    pattern: CASCADE_REASON,
    confidence: 0.95,
    summary: (s) => `${what(s)} was cancelled because another resource failed first; the cause is elsewhere in the same operation`,
    // "A failure to create a resource causes cancellation failures for the resources that depend on it"
    // (kube-aws, filtering them out of its failure report); ContinueUpdateRollback refuses to skip them.
    source: 'https://github.com/coreos/coreos-kubernetes/pull/454',
  },

  // ── CUSTOM_RESOURCE (first: these wrappers change the meaning of what they quote) ──────
  {
    id: 'custom-resource-failed-response',
    category: 'CUSTOM_RESOURCE',
    pattern: /Received response status \[FAILED\] from custom resource/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: the custom resource's own code answered FAILED`,
    detail: (s) => ({
      ...pick(s.text, /Message returned: (.+?)(?: \(RequestId: ([^)]+)\))?\s*$/s, ['message', 'requestId']),
    }),
    source: 'https://github.com/awslabs/amazon-eks-irsa-cfn/issues/8',
  },
  {
    id: 'custom-resource-no-response',
    category: 'CUSTOM_RESOURCE',
    pattern: /CloudFormation did not receive a response from your Custom Resource/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: the custom resource never answered CloudFormation (it crashed, timed out or could not reach the response URL)`,
    detail: (s) => pick(s.text, /requestId \[([^\]]+)\]/, ['requestId']),
    source: 'https://github.com/awslabs/aws-sdlc-controltower-extension/issues/5',
  },
  {
    id: 'custom-resource-not-stabilized',
    category: 'CUSTOM_RESOURCE',
    pattern: /Custom Resource failed to stabilize in expected time/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: the custom resource did not answer within the response timeout`,
    // The DELETE_FAILED article names it as its third cause.
    source: DELETE_FAILED_KC,
  },
  {
    id: 'custom-resource-attribute-error',
    category: 'CUSTOM_RESOURCE',
    pattern: /CustomResource attribute error/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: the custom resource's answer lacks an attribute the template reads`,
    source: 'https://github.com/aws-solutions-library-samples/live-streaming-on-aws/issues/8',
  },
  {
    id: 'resource-signal-timeout',
    category: 'CUSTOM_RESOURCE',
    pattern: /Failed to receive (\d+) resource signal\(s\)/,
    confidence: 0.95,
    summary: (s) => `${what(s)} did not get its success signals (cfn-signal) in time: the instance's bootstrap failed or never signalled`,
    detail: (s) => pick(s.text, /Failed to receive (\d+) resource signal/, ['signalsExpected']),
    source: `${TROUBLESHOOTING}#troubleshooting-errors-wait-condition-didnt-receive-the-required-number-of-signals`,
  },
  {
    id: 'wait-condition-timeout',
    category: 'CUSTOM_RESOURCE',
    pattern: /WaitCondition timed out\. Received (\d+) conditions when expecting (\d+)/,
    confidence: 0.95,
    summary: (s) => `${what(s)} timed out waiting for signals from the instance bootstrap`,
    detail: (s) => pick(s.text, /Received (\d+) conditions when expecting (\d+)/, ['signalsReceived', 'signalsExpected']),
    source: `${TROUBLESHOOTING}#troubleshooting-errors-wait-condition-didnt-receive-the-required-number-of-signals`,
  },
  {
    id: 'failure-signal',
    category: 'CUSTOM_RESOURCE',
    pattern: /Received FAILURE signal with UniqueId (\S+)/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: the instance bootstrap signalled FAILURE`,
    detail: (s) => pick(s.text, /Received FAILURE signal with UniqueId (\S+)/, ['uniqueId']),
    source: 'https://github.com/aws-samples/well-architected-iac-analyzer/issues/108',
  },
  {
    id: 'wait-condition-unparsable',
    category: 'CUSTOM_RESOURCE',
    pattern: /Unparsable WaitCondition data/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: the signal sent to the wait condition handle is not valid JSON`,
    source: 'https://github.com/aws-quickstart/quickstart-pivotal-cloudfoundry/issues/10',
  },
  {
    id: 'custom-resource-type',
    category: 'CUSTOM_RESOURCE',
    pattern: /\S/,
    resourceTypes: ['Custom::*', 'AWS::CloudFormation::CustomResource'],
    confidence: 0.8,
    summary: (s) => `${what(s)} failed: the words are the custom resource's own, read its function's logs`,
    detail: (s) => ({ message: s.text }),
    source: 'https://github.com/aws-solutions/dynamic-image-transformation-for-amazon-cloudfront/issues/46',
  },

  // ── DEPENDENCY_VIOLATION ─────────────────────────────────────────────────────────────
  {
    id: 'ec2-dependency-violation',
    category: 'DEPENDENCY_VIOLATION',
    pattern: /\bhas a dependent object\b|\bhas dependencies and cannot be deleted\b|\bDependencyViolation\b/,
    confidence: 0.95,
    summary: (s) => `${what(s)} cannot be deleted while something still depends on it (an ENI, or a rule in another security group)`,
    detail: (s) => ({
      ...pick(s.text, /resource (\S+) has a dependent object/, ['resourceId']),
      ...pick(s.text, /The \w+ '([^']+)' has dependencies/, ['resourceId']),
    }),
    source: DELETE_FAILED_KC,
  },
  {
    id: 'iam-delete-conflict',
    category: 'DEPENDENCY_VIOLATION',
    pattern: /Cannot delete entity, must (?:detach|delete) (?:all )?policies first|Error Code: DeleteConflict\b/,
    confidence: 0.95,
    summary: (s) => `${what(s)} cannot be deleted while policies are still attached to it (attached outside the stack)`,
    detail: () => ({ dependents: 'attached policies' }),
    source: 'https://github.com/aws-samples/aws-fault-injection-simulator-workshop/issues/113',
  },
  {
    id: 's3-bucket-not-empty',
    category: 'DEPENDENCY_VIOLATION',
    pattern: /The bucket you tried to delete is not empty|\bBucketNotEmpty\b/,
    confidence: 0.95,
    summary: (s) => `${what(s)} cannot be deleted while it holds objects`,
    detail: (s) => ({ dependents: /versions/i.test(s.text) ? 'object versions' : 'objects' }),
    source: `${TROUBLESHOOTING}#troubleshooting-errors-delete-stack-fails`,
  },
  {
    id: 'ec2-container-in-use-scoped',
    category: 'DEPENDENCY_VIOLATION',
    pattern: /\b(?:is|are) (?:currently |still )?in use\b/,
    resourceTypes: EC2_CONTAINERS,
    confidence: 0.8,
    summary: (s) => `${what(s)} is still in use: something inside or attached to it must go first`,
    source: DELETE_FAILED_KC,
  },

  // ── RESOURCE_IN_USE ──────────────────────────────────────────────────────────────────
  {
    id: 'rds-subnet-group-in-use',
    category: 'RESOURCE_IN_USE',
    pattern: /Cannot delete the subnet group '[^']+' because at least one database (?:instance|cluster)|InvalidDBSubnetGroupStateFault|DB subnet group cannot be deleted because it(?:'s| is) in use/i,
    confidence: 0.95,
    summary: (s) => `${what(s)} is still used by a database: it cannot go before the DB instance or cluster does`,
    detail: (s): CfnFacts => {
      const facts = pick(s.text, /subnet group '([^']+)' because at least one database (instance|cluster): (\S+?) is still using it/, ['resourceId', 'usedByType', 'usedBy']);
      if (facts.usedByType) facts.usedByType = `db-${facts.usedByType}`;
      return facts;
    },
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBSubnetGroup.html',
  },
  {
    id: 'eni-in-use',
    category: 'RESOURCE_IN_USE',
    pattern: /Network interface '?(?:eni-[0-9a-f]+)'? is currently in use|InvalidNetworkInterface\.InUse/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: the network interface is still attached`,
    detail: (s) => pick(s.text, /(eni-[0-9a-f]+)/, ['resourceId']),
    // EC2 answers InvalidParameterValue with this message; the code alone says nothing.
    source: 'https://github.com/gruntwork-io/cloud-nuke/pull/1132',
  },
  {
    id: 'acm-certificate-in-use',
    category: 'RESOURCE_IN_USE',
    pattern: /Certificate \S+ in account \S+ is in use/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: the certificate is still associated with a load balancer, CloudFront distribution or API domain`,
    detail: (s) => pick(s.text, /Certificate (\S+) in account/, ['resourceId']),
    source: 'https://github.com/convox/praxis/issues/209',
  },
  {
    id: 'export-in-use',
    category: 'RESOURCE_IN_USE',
    pattern: /Export \S+ cannot be (?:deleted|updated) as it is in use by \S+/,
    confidence: 0.95,
    summary: () => 'an output export of this stack is imported by another stack',
    detail: (s) => ({ ...pick(s.text, /Export (\S+) cannot be (?:deleted|updated) as it is in use by (\S+)/, ['resourceId', 'usedBy']), usedByType: 'stack' }),
    source: 'https://aws.amazon.com/premiumsupport/knowledge-center/cloudformation-stack-export-name-error/',
  },
  {
    id: 'ecs-cluster-in-use',
    category: 'RESOURCE_IN_USE',
    pattern: /The Cluster cannot be deleted while (?:Services|Tasks|Container Instances) are active/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: the ECS cluster still has services, tasks or container instances`,
    detail: (s): CfnFacts => {
      const m = /while (Services|Tasks|Container Instances) are active/.exec(s.text);
      return m?.[1] ? { usedByType: m[1].toLowerCase().replace(' ', '-') } : {};
    },
    source: 'https://github.com/aws-samples/aws-scalable-big-blue-button-example/issues/79',
  },
  {
    id: 'target-group-in-use',
    category: 'RESOURCE_IN_USE',
    pattern: /Target group '[^']+' is currently in use by a listener or a rule/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: a listener or rule still forwards to the target group`,
    detail: (s) => ({ ...pick(s.text, /Target group '([^']+)'/, ['resourceId']), usedByType: 'listener-or-rule' }),
    source: 'https://github.com/pulumi/pulumi/issues/5900',
  },
  {
    id: 'launch-configuration-in-use',
    category: 'RESOURCE_IN_USE',
    pattern: /Cannot delete launch configuration \S+ because it is attached to AutoScalingGroup/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: an Auto Scaling group still uses the launch configuration`,
    detail: (s) => ({ ...pick(s.text, /launch configuration (\S+) because it is attached to AutoScalingGroup ?(\S+)?/, ['resourceId', 'usedBy']), usedByType: 'auto-scaling-group' }),
    source: 'https://github.com/hashicorp/terraform/issues/2421',
  },
  {
    id: 'consumed-in-use-scoped',
    category: 'RESOURCE_IN_USE',
    pattern: /\b(?:is|are) (?:currently |still )?in use\b|\bResourceInUse(?:Exception)?\b/,
    resourceTypes: CONSUMED_RESOURCES,
    unless: /already exists/i,
    confidence: 0.85,
    summary: (s) => `${what(s)} is still used by another resource`,
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBSubnetGroup.html',
  },
  {
    id: 'in-use-generic',
    category: 'RESOURCE_IN_USE',
    pattern: /\b(?:is|are) (?:currently |still )?in use\b|\bResourceInUse(?:Exception)?\b/,
    // DynamoDB says "ResourceInUseException: Table already exists" for a name clash.
    unless: /already exists/i,
    confidence: 0.7,
    summary: (s) => `${what(s)} is still in use`,
    source: DELETE_FAILED_KC,
  },

  // ── ALREADY_EXISTS ───────────────────────────────────────────────────────────────────
  {
    id: 'handler-resource-exists',
    category: 'ALREADY_EXISTS',
    pattern: /Resource of type '[^']+' with identifier '.+?' already exists/s,
    confidence: 0.95,
    summary: (s) => `${what(s)}: a resource with this name already exists outside the stack`,
    detail: (s): CfnFacts => {
      const m = /Resource of type '([^']+)' with identifier '(.+?)' already exists/s.exec(s.text);
      return m?.[1] && m[2] ? { type: m[1], name: identifierName(m[2]) } : {};
    },
    source: HANDLER_ERROR_CODES,
  },
  {
    id: 'exists-in-another-stack',
    category: 'ALREADY_EXISTS',
    pattern: /^\s*\S+ already exists in stack arn:\S+/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: the name is taken by a resource another stack owns`,
    detail: (s) => pick(s.text, /^\s*(\S+) already exists in stack (arn:\S+)/, ['name', 'ownerStack']),
    source: 'https://github.com/aws-samples/eb-php-wordpress/issues/25',
  },
  {
    id: 'name-already-exists',
    category: 'ALREADY_EXISTS',
    // The classic S3 wording: just the bucket name. Bucket names are global: it may be someone else's.
    pattern: /^\s*\S+ already exists\.?\s*$/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: the physical name is already taken`,
    detail: (s) => pick(s.text, /^\s*(\S+) already exists/, ['name']),
    source: 'https://github.com/awslabs/aws-api-gateway-developer-portal/issues/543',
  },
  {
    id: 'stack-already-exists',
    category: 'ALREADY_EXISTS',
    pattern: /Stack \[[^\]]+\] already exists/,
    confidence: 0.9,
    summary: () => 'a stack with this name already exists',
    detail: (s) => pick(s.text, /Stack \[([^\]]+)\] already exists/, ['name']),
    source: 'https://github.com/convox/cli/issues/69',
  },
  {
    id: 'already-exists-code',
    category: 'ALREADY_EXISTS',
    pattern: /\b(?:AlreadyExists(?:Exception)?|EntityAlreadyExists|BucketAlreadyExists|BucketAlreadyOwnedByYou|ResourceAlreadyExists(?:Exception)?)\b/,
    // A handler that answers AlreadyExists with no message has been seen reporting a quota
    // (cloudformation-coverage-roadmap#2515): without words, the code alone is not trusted.
    unless: /returned message: "null"/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: a resource with this name already exists`,
    source: HANDLER_ERROR_CODES,
  },
  {
    id: 'already-exists-generic',
    category: 'ALREADY_EXISTS',
    pattern: /\balready exists\b/i,
    unless: /returned message: "null"/,
    confidence: 0.8,
    summary: (s) => `${what(s)}: something with this name already exists`,
    source: 'https://github.com/serverless/serverless/issues/9006',
  },

  // ── STABILIZATION_TIMEOUT ────────────────────────────────────────────────────────────
  {
    id: 'did-not-stabilize',
    category: 'STABILIZATION_TIMEOUT',
    pattern: /\bdid not stabilize\b/,
    confidence: 0.9,
    summary: (s) =>
      /arn:aws[\w-]*:ecs:/.test(s.text)
        ? `${what(s)}: the ECS service never reached a steady state (read its stopped tasks and service events)`
        : `${what(s)} did not reach a ready state before CloudFormation gave up`,
    detail: (s): CfnFacts => {
      const ecs = pick(s.text, /Service (arn:aws[\w-]*:ecs:\S+?) did not stabilize/, ['serviceArn']);
      return ecs.serviceArn ? ecs : pick(s.text, /^\s*(\w+) (\S+) did not stabilize/, ['kind', 'resourceId']);
    },
    source: `${TROUBLESHOOTING}#troubleshooting-resource-did-not-stabilize`,
  },
  {
    id: 'ecs-circuit-breaker',
    category: 'STABILIZATION_TIMEOUT',
    pattern: /ECS Deployment Circuit Breaker was triggered/,
    // The ECS service never reached steady state; the circuit breaker said so before CloudFormation's
    // own wait ran out. The cause is in the service's stopped tasks.
    confidence: 0.9,
    summary: (s) => `${what(s)}: the ECS deployment circuit breaker stopped the deployment, its new tasks kept failing (read the service's stopped tasks)`,
    source: 'https://github.com/aws-cloudformation/rain/issues/458',
  },
  {
    id: 'exceeded-attempts-to-wait',
    category: 'STABILIZATION_TIMEOUT',
    pattern: /Exceeded attempts to wait/,
    confidence: 0.85,
    summary: (s) => `${what(s)}: CloudFormation stopped waiting for the resource to become ready`,
    source: 'https://github.com/aws-quickstart/quickstart-dotnetcore-cicd/issues/21',
  },
  {
    id: 'handler-not-stabilized',
    category: 'STABILIZATION_TIMEOUT',
    pattern: /HandlerErrorCode: NotStabilized\b/,
    confidence: 0.85,
    summary: (s) => `${what(s)} failed its ready-state checks`,
    source: HANDLER_ERROR_CODES,
  },
  {
    id: 'resource-timed-out',
    category: 'STABILIZATION_TIMEOUT',
    pattern: /Resource timed out waiting for (?:completion|creation of physical resource)/,
    confidence: 0.85,
    summary: (s) => `${what(s)} timed out before its handler finished`,
    source: 'https://github.com/aws-cloudformation/cloudformation-cli-java-plugin/issues/210',
  },

  // ── PERMISSIONS ──────────────────────────────────────────────────────────────────────
  {
    id: 'not-authorized',
    category: 'PERMISSIONS',
    pattern: /is not authorized to perform|You are not authorized to perform this operation|\bAccessDenied(?:Exception)?\b|HandlerErrorCode: (?:AccessDenied|InvalidCredentials)\b|no identity-based policy allows/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: IAM denied a call CloudFormation (or its service role) made`,
    detail: (s) => ({
      ...pick(s.text, /is not authorized to perform:? ([\w-]+(?::\w+)?)/, ['action']),
      ...pick(s.text, /^\s*API: ([\w-]+:\w+)/, ['action']),
      ...pick(s.text, /User: (arn:\S+)/, ['principal']),
    }),
    source: `${TROUBLESHOOTING}#troubleshooting-errors-insufficient-iam-permissions`,
  },

  // ── QUOTA_LIMIT ──────────────────────────────────────────────────────────────────────
  {
    id: 'maximum-number-reached',
    category: 'QUOTA_LIMIT',
    pattern: /The maximum number of .+? has been reached/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: an account quota is used up (${pick(s.text, /The maximum number of (.+?) has been reached/, ['q']).q ?? 'quota'})`,
    detail: (s) => ({
      ...pick(s.text, /The maximum number of (.+?) has been reached/, ['quota']),
      ...pick(s.text, /Error Code: (\w+LimitExceeded)/, ['errorCode']),
    }),
    source: `${TROUBLESHOOTING}#troubleshooting-errors-limit-exceeded`,
  },
  {
    id: 'cannot-exceed-quota',
    category: 'QUOTA_LIMIT',
    pattern: /Cannot exceed quota for \w+: \d+/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: an IAM quota is used up (${pick(s.text, /quota for (\w+)/, ['q']).q ?? 'quota'})`,
    detail: (s) => pick(s.text, /Cannot exceed quota for (\w+): (\d+)/, ['quota', 'limit']),
    source: 'https://github.com/aws/aws-cdk/issues/13515',
  },
  {
    id: 'ec2-instance-limit',
    category: 'QUOTA_LIMIT',
    pattern: /You have requested more (?:instances|vCPU capacity)(?: \(\d+\))? than your current (?:instance|vCPU) limit of \d+/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: the EC2 ${/vCPU/.test(s.text) ? 'vCPU' : 'instance'} limit is reached`,
    detail: (s): CfnFacts => {
      const m = /You have requested more (instances|vCPU capacity)(?: \((\d+)\))? than your current (?:instance|vCPU) limit of (\d+)/.exec(s.text);
      if (m === null) return {};
      return {
        quota: m[1] === 'instances' ? 'EC2 instances of this type' : 'vCPUs for the instance family (Running On-Demand instances)',
        ...(m[2] ? { requested: m[2] } : {}),
        ...(m[3] ? { limit: m[3] } : {}),
      };
    },
    source: 'https://github.com/widdix/aws-s3-virusscan/issues/55',
  },
  {
    id: 'quota-error-code',
    category: 'QUOTA_LIMIT',
    pattern: new RegExp(`\\b(?:${Object.keys(QUOTA_CODES).join('|')})\\b`),
    confidence: 0.9,
    summary: (s) => `${what(s)}: an account quota is used up`,
    detail: (s): CfnFacts => {
      const code = Object.keys(QUOTA_CODES).find((c) => new RegExp(`\\b${c}\\b`).test(s.text));
      return code ? { quota: QUOTA_CODES[code] as string, errorCode: code } : {};
    },
    source: `${TROUBLESHOOTING}#troubleshooting-errors-limit-exceeded`,
  },
  {
    id: 'db-instance-quota',
    category: 'QUOTA_LIMIT',
    pattern: /DB Instance quota exceeded/i,
    confidence: 0.9,
    summary: (s) => `${what(s)}: the DB instance quota is used up`,
    detail: () => ({ quota: 'DB instances' }),
    source: 'https://github.com/radius-project/radius/issues/7009',
  },
  {
    id: 'handler-service-limit',
    category: 'QUOTA_LIMIT',
    pattern: /HandlerErrorCode: ServiceLimitExceeded\b/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: a service quota is used up`,
    source: HANDLER_ERROR_CODES,
  },
  {
    id: 'limit-exceeded-generic',
    category: 'QUOTA_LIMIT',
    pattern: /\bLimitExceeded(?:Exception)?\b|\blimit exceeded\b|\bquota exceeded\b/i,
    // EC2's RequestLimitExceeded and "Rate exceeded" are API throttling, not a quota.
    unless: /Request ?limit ?exceeded|Rate exceeded/i,
    confidence: 0.75,
    summary: (s) => `${what(s)}: a limit was exceeded`,
    detail: (s) => ({ ...pick(s.text, /\b(\w*LimitExceeded\w*)\b/, ['errorCode']), ...serviceOf(s.text) }),
    source: `${TROUBLESHOOTING}#troubleshooting-errors-limit-exceeded`,
  },

  // ── THROTTLING ───────────────────────────────────────────────────────────────────────
  {
    id: 'request-limit-exceeded',
    category: 'THROTTLING',
    pattern: /Request limit exceeded|\bRequestLimitExceeded\b/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: the EC2 API throttled CloudFormation's calls (request rate, not a resource quota)`,
    detail: (s) => serviceOf(s.text),
    source: 'https://github.com/cloudfoundry/bosh-aws-cpi-release/issues/61',
  },
  {
    id: 'rate-exceeded',
    category: 'THROTTLING',
    pattern: /\bRate exceeded\b|\bThrottling(?:Exception)?\b|\bTooManyRequests(?:Exception)?\b|\bToo Many Requests\b|HandlerErrorCode: Throttling\b|Status Code: 429\b/i,
    confidence: 0.9,
    summary: (s) => `${what(s)}: an AWS API throttled the calls; a retry with backoff succeeds once the rate drops`,
    detail: (s) => serviceOf(s.text),
    source: 'https://github.com/aws/aws-cdk/issues/9882',
  },

  // ── INVALID_TEMPLATE_OR_PARAM ────────────────────────────────────────────────────────
  {
    id: 'properties-validation-failed',
    category: 'INVALID_TEMPLATE_OR_PARAM',
    pattern: /Properties validation failed for resource|Resource template validation failed for resource|Model validation failed|Encountered unsupported property|Invalid template (?:resource )?property/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: a property in the template is invalid or unsupported`,
    detail: (s) => ({
      ...pick(s.text, /(?:Encountered unsupported property|Invalid template (?:resource )?property) '?([\w.]+)'?/, ['property']),
      ...pick(s.text, /with message: (#\/[^\s:]+)/, ['property']),
    }),
    source: `${TROUBLESHOOTING}#troubleshooting-errors-invalid-value-or-unsupported-resource-property`,
  },
  {
    id: 'template-format-error',
    category: 'INVALID_TEMPLATE_OR_PARAM',
    pattern: /Template format error|Template validation error/,
    confidence: 0.95,
    summary: () => 'the template is invalid: CloudFormation rejected it before creating anything',
    detail: (s) => pick(s.text, /Unresolved resource dependencies \[([^\]]+)\]/, ['unresolved']),
    source: `${TROUBLESHOOTING}#troubleshooting-errors-invalid-value-or-unsupported-resource-property`,
  },
  {
    id: 'parameter-validation-failed',
    category: 'INVALID_TEMPLATE_OR_PARAM',
    pattern: /Parameter validation failed/,
    confidence: 0.95,
    summary: () => 'a parameter value is invalid (for AWS-specific parameter types: the named resource does not exist in this account and Region)',
    detail: (s): CfnFacts => {
      const names = [...new Set([...s.text.matchAll(/parameter name (\w+)/g)].map((m) => m[1] as string))];
      return names.length > 0 ? { parameters: names.join(',') } : {};
    },
    source: `${TROUBLESHOOTING}#troubleshooting-errors-invalid-value-or-unsupported-resource-property`,
  },
  {
    id: 'custom-name-replacement',
    category: 'INVALID_TEMPLATE_OR_PARAM',
    pattern: /CloudFormation cannot update a stack when a custom-named resource requires replacing/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: the change needs a replacement, and a fixed physical name forbids it (rename it in the template)`,
    detail: (s) => pick(s.text, /Rename (\S+) and update/, ['name']),
    source: `${DOCS}/aws-properties-name.html`,
  },
  {
    id: 'validation-error-code',
    category: 'INVALID_TEMPLATE_OR_PARAM',
    pattern: /\bValidationError\b|Error Code: ValidationException\b|\bMalformedPolicyDocument\b/,
    confidence: 0.85,
    summary: (s) => `${what(s)}: the service rejected a property value`,
    detail: (s) => serviceOf(s.text),
    source: `${TROUBLESHOOTING}#troubleshooting-errors-invalid-value-or-unsupported-resource-property`,
  },

  // ── NOT_FOUND ────────────────────────────────────────────────────────────────────────
  {
    id: 'policy-not-attachable',
    category: 'NOT_FOUND',
    pattern: /Policy arn:\S+ does not exist or is not attachable/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: a managed policy ARN in the template does not exist`,
    detail: (s) => pick(s.text, /Policy (arn:\S+) does not exist/, ['missing']),
    source: 'https://github.com/iann0036/amazon-connect-cfn/issues/6',
  },
  {
    id: 'no-such-bucket',
    category: 'NOT_FOUND',
    pattern: /\bNoSuchBucket\b|The specified bucket does not exist/,
    confidence: 0.95,
    summary: (s) => `${what(s)}: an S3 bucket the template points at does not exist (or is in another Region)`,
    source: 'https://github.com/amazon-archives/aws-waf-sample/issues/22',
  },
  {
    id: 'function-not-found',
    category: 'NOT_FOUND',
    pattern: /Function not found: arn:\S+/,
    confidence: 0.9,
    summary: (s) => `${what(s)}: the Lambda function was deleted outside CloudFormation`,
    detail: (s) => pick(s.text, /Function not found: (arn:[^\s(]+?)\.?(?:\s|$)/, ['missing']),
    source: 'https://github.com/serverless/serverless/issues/5185',
  },
  {
    id: 'not-found-code',
    category: 'NOT_FOUND',
    pattern: /\b(?:NoSuchEntity|ResourceNotFoundException|NotFoundException|NoSuchKey)\b|\b\w+\.NotFound\b|HandlerErrorCode: NotFound\b/,
    confidence: 0.85,
    summary: (s) => `${what(s)}: something it refers to does not exist (deleted outside CloudFormation, or a wrong name or Region)`,
    detail: (s) => ({ ...pick(s.text, /\b(\w+\.NotFound)\b/, ['errorCode']), ...serviceOf(s.text) }),
    source: HANDLER_ERROR_CODES,
  },
  {
    id: 'does-not-exist-generic',
    category: 'NOT_FOUND',
    pattern: /\bdoes not exist\b|\bnot found\b/i,
    // A parameter of an AWS-specific type that names nothing is a parameter error, said first.
    unless: /Parameter validation failed|Template (?:format|validation) error|Unresolved resource dependencies/,
    confidence: 0.7,
    summary: (s) => `${what(s)}: something it refers to does not exist`,
    detail: (s) => pick(s.text, /'([^']+)' does not exist/, ['missing']),
    source: `${DOCS}/using-cfn-updating-stacks-continueupdaterollback.html`,
  },
];
