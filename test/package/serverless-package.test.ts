/**
 * What `npm run package` (osls + serverless-esbuild + serverless-step-functions) produces, checked
 * the way a reviewer of the CloudFormation template would: cfn-lint clean, the EventBridge
 * pattern, one least-privilege role per function, the state machine exactly as the ASL file says,
 * and the wiring between them. Packaging runs once, offline, for the dev stage.
 */
import { ACTIONS } from '../../shared/actions/registry';
import { derivedCalls, type DerivedCalls } from './iamFromCode';
import { METRIC, METRICS_NAMESPACE } from '../../shared/metrics';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, type Tags } from 'yaml';

/** CloudFormation templates are untyped JSON; the assertions below narrow them. */
type Json = any;
interface Resource {
  Type: string;
  Properties?: Json;
  DependsOn?: string | string[];
  Metadata?: Json;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, Json>;
  Parameters?: Record<string, Json>;
}
interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: Json;
  Condition?: Json;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = join(root, '.serverless');
const templatePath = join(outDir, 'cloudformation-template-update-stack.json');
const aslPath = join(root, 'statemachines', 'remediation.asl.yaml');

/**
 * The functions, from serverless.yml itself: a function added there is covered by every check
 * below (its role, its bundle, its log group) without an edit here. The CloudFormation short
 * forms (!Ref, !Sub, !GetAtt) only need to parse, not resolve.
 */
const cfnTags: Tags = ['Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Equals', 'Select', 'Split', 'ImportValue', 'Not', 'And', 'Or', 'FindInMap', 'Base64', 'GetAZs', 'Condition'].flatMap((name) =>
  (['scalar', 'seq', 'map'] as const).map((collection) => ({
    tag: `!${name}`,
    ...(collection === 'scalar' ? {} : { collection }),
    resolve: (value: unknown) => ({ [`Fn::${name}`]: value }),
  })) as Tags,
);
const serverlessYml = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { customTags: cfnTags, merge: true }) as {
  functions: Record<string, { handler: string }>;
};
const FUNCTIONS = Object.keys(serverlessYml.functions);
type FunctionKey = string;
const lambdaLogicalId = (key: string) => `${key[0]!.toUpperCase()}${key.slice(1)}LambdaFunction`;
const logGroupLogicalId = (key: string) => `${key[0]!.toUpperCase()}${key.slice(1)}LogGroup`;
/** `functions/ingest/handler.handler` -> `functions/ingest/handler.ts` */
const handlerSource = (key: string) => `${serverlessYml.functions[key]!.handler.replace(/\.[^./]+$/, '')}.ts`;

/**
 * Least privilege, proven. A role grants exactly what its function's bundled code can send
 * (iamFromCode.ts derives it), plus the actions below, which no SDK call in our code names.
 * Each says why; a function absent from the map gets `everyFunction` only.
 */
const RUNTIME_EXTRAS: { everyFunction: Record<string, string>; byFunction: Record<string, Record<string, string>> } = {
  everyFunction: {
    'logs:CreateLogStream': 'the Lambda runtime writes the function logs (its own log group only)',
    'logs:PutLogEvents': 'the Lambda runtime writes the function logs (its own log group only)',
    'xray:PutTraceSegments': 'active tracing: the Lambda runtime sends the trace segments',
    'xray:PutTelemetryRecords': 'active tracing: the Lambda runtime sends the trace segments',
  },
  byFunction: {
    ingest: { 'sqs:SendMessage': 'Lambda delivers a failed async invocation to IngestDeadLetterQueue with the function role' },
    notify: {
      'kms:GenerateDataKey': 'sns:Publish to AlertsTopic, encrypted with AlertsTopicKey: SNS asks KMS with the caller\'s permissions',
      'kms:Decrypt': 'the same publish; and the Slack credential when its secret or parameter uses a customer managed key',
    },
    // The approval request goes out through the notify code path, to the same topic.
    approval: {
      'kms:GenerateDataKey': 'sns:Publish to AlertsTopic, encrypted with AlertsTopicKey: SNS asks KMS with the caller\'s permissions',
      'kms:Decrypt': 'the same publish; and the Slack credential when its secret or parameter uses a customer managed key',
    },
    approvalWebhook: {
      'kms:Decrypt': 'the Slack signing secret, when its secret or parameter uses a customer managed key',
    },
  },
};
const extrasFor = (key: FunctionKey) => ({ ...RUNTIME_EXTRAS.everyFunction, ...(RUNTIME_EXTRAS.byFunction[key] ?? {}) });

/**
 * The only actions a function role may grant on Resource "*": AWS documents no resource type
 * for them (Service Authorization Reference), so "*" is the narrowest valid value.
 */
const STAR_ONLY: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray: no resource types',
  'xray:PutTelemetryRecords': 'X-Ray: no resource types',
  'ecs:DescribeTaskDefinition': 'ECS: no resource type for this action',
  'ecs:ListTasks': 'ECS: its only resource type is container-instance; the role scopes it with the ecs:cluster condition key instead',
  'elasticloadbalancing:DescribeTargetGroups': 'Elastic Load Balancing Describe*: no resource types',
  'ec2:DescribeNetworkInterfaces': 'EC2 Describe*: no resource types',
  'ec2:DescribeSecurityGroups': 'EC2 Describe*: no resource types',
  'cloudformation:DescribeStackDriftDetectionStatus': 'CloudFormation: a drift detection id is not a resource; no resource type',
  'states:SendTaskSuccess': 'Step Functions task-token calls: no resource type (the token names the execution)',
  'states:SendTaskFailure': 'Step Functions task-token calls: no resource type (the token names the execution)',
};

/** A call that changes nothing: reads, drift detection (it reads each resource), and KMS use on behalf of another service. */
const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List|Head|BatchGet|Query|Scan|Filter|Lookup|Simulate|Validate|Estimate|Search|Select|Detect|Decrypt|GenerateDataKey)/;
/** Tag conditions that confine a write to what deploy-medic may change. */
const TAG_CONDITION_KEYS = ['aws:ResourceTag/deploy-medic:enabled', 'aws:ResourceTag/aws:cloudformation:stack-id'];
/**
 * Writes to resources that are not this stack's own, granted without a tag condition, each with
 * why; `condition` is what confines it instead, and is checked.
 */
const WRITES_WITHOUT_TAG_CONDITION: Record<string, { why: string; condition?: Json }> = {
  'ecs:RegisterTaskDefinition': {
    why: 'creates a new revision and changes nothing running; a revision reaches a service only through ecs:UpdateService, which is tag-conditioned (and a create has no resource tags to test)',
  },
  'ecs:TagResource': {
    why: 'tags the revision it creates, in the same call (tag-on-create); never an existing resource',
    condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
  },
  'iam:PassRole': {
    why: "hands the failing revision's own task and execution roles to the new revision; roles are not tagged for deploy-medic, so it is confined to ECS tasks instead",
    condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  },
  'xray:PutTraceSegments': { why: 'telemetry: sends trace data, changes no resource (X-Ray has no resource types to tag)' },
  'xray:PutTelemetryRecords': { why: 'telemetry: sends trace data, changes no resource (X-Ray has no resource types to tag)' },
  'states:SendTaskSuccess': {
    why: "answers the approval an execution of deploy-medic's own Remediation state machine waits on; the task token names the execution and these actions have no resource type to tag",
  },
  'states:SendTaskFailure': {
    why: "denies the approval an execution of deploy-medic's own Remediation state machine waits on; the task token names the execution and these actions have no resource type to tag",
  },
  'ec2:DeleteNetworkInterface': {
    why: 'the ENIs Lambda and ECS create carry no tags; the planner deletes only detached ENIs whose security groups all belong to the failed stack (shared/cleanup, property-tested)',
  },
};

const execFileP = (file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout: number }) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: error && typeof error.code !== 'number' ? `${stderr}\n${error.message}` : stderr });
    });
  });

let template: Template;
const scratch = mkdtempSync(join(tmpdir(), 'medic-package-'));
/** What each function's code sends (esbuild + scan), once per function. */
const derived = new Map<string, Promise<DerivedCalls>>();
const calls = (key: FunctionKey): Promise<DerivedCalls> => {
  if (!derived.has(key)) derived.set(key, derivedCalls(root, handlerSource(key)));
  return derived.get(key)!;
};

beforeAll(async () => {
  const run = await execFileP(process.execPath, [join(root, 'scripts', 'package.mjs'), '--stage', 'dev'], { cwd: root, timeout: 170_000 });
  if (run.code !== 0) throw new Error(`npm run package failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  template = JSON.parse(readFileSync(templatePath, 'utf8')) as Template;
}, 180_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const resource = (logicalId: string): Resource => {
  const found = template.Resources[logicalId];
  if (found === undefined) throw new Error(`no resource ${logicalId} in the template`);
  return found;
};
const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** `Fn::GetAtt: [X, Arn]` or `Fn::Sub: '${X.Arn}'` -> X */
function roleLogicalId(role: Json): string {
  if (Array.isArray(role?.['Fn::GetAtt']) && role['Fn::GetAtt'][1] === 'Arn') return role['Fn::GetAtt'][0];
  const sub = /^\$\{([A-Za-z0-9]+)\.Arn\}$/.exec(typeof role?.['Fn::Sub'] === 'string' ? role['Fn::Sub'] : '');
  if (sub) return sub[1]!;
  throw new Error(`unexpected Role value ${JSON.stringify(role)}`);
}

function roleStatements(roleId: string): Statement[] {
  const role = resource(roleId);
  expect(role.Type).toBe('AWS::IAM::Role');
  return (role.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement as Statement[]);
}

/** Every policy document in the template, with where it lives. */
function policyDocuments(): { where: string; identity: boolean; statements: Statement[] }[] {
  const docs: { where: string; identity: boolean; statements: Statement[] }[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of r.Properties.Policies ?? []) docs.push({ where: `${id}/${p.PolicyName}`, identity: true, statements: asArray(p.PolicyDocument.Statement) });
      docs.push({ where: `${id}/AssumeRolePolicyDocument`, identity: false, statements: asArray(r.Properties.AssumeRolePolicyDocument?.Statement) });
    } else if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      docs.push({ where: id, identity: true, statements: asArray(r.Properties.PolicyDocument.Statement) });
    } else if (r.Properties?.PolicyDocument !== undefined) {
      // Resource policies (the deployment bucket's, a topic policy ...).
      docs.push({ where: id, identity: false, statements: asArray(r.Properties.PolicyDocument.Statement) });
    }
  }
  return docs;
}

/** Names in a zip's central directory, and one entry's bytes. Enough of the format for our zips. */
function readZip(path: string): { names: string[]; read: (name: string) => Buffer } {
  const buf = readFileSync(path);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${path} is not a zip`);
  const entries = new Map<string, { method: number; size: number; local: number }>();
  let offset = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < buf.readUInt16LE(eocd + 10); i += 1) {
    const nameLength = buf.readUInt16LE(offset + 28);
    const name = buf.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.set(name, { method: buf.readUInt16LE(offset + 10), size: buf.readUInt32LE(offset + 20), local: buf.readUInt32LE(offset + 42) });
    offset += 46 + nameLength + buf.readUInt16LE(offset + 30) + buf.readUInt16LE(offset + 32);
  }
  return {
    names: [...entries.keys()],
    read(name) {
      const entry = entries.get(name);
      if (entry === undefined) throw new Error(`${name} not in ${path}`);
      const start = entry.local + 30 + buf.readUInt16LE(entry.local + 26) + buf.readUInt16LE(entry.local + 28);
      const data = buf.subarray(start, start + entry.size);
      return entry.method === 8 ? inflateRawSync(data) : Buffer.from(data);
    },
  };
}

describe('npm run package (osls, offline)', () => {
  it('passes cfn-lint with no errors and no warnings', async () => {
    const lint = await execFileP('cfn-lint', ['--format', 'json', '--', templatePath], { timeout: 120_000 });
    const output = `cfn-lint exit ${lint.code}\n${lint.stdout}\n${lint.stderr}`;
    expect(lint.code, output).toBe(0);
    expect(JSON.parse(lint.stdout || '[]'), output).toEqual([]);
  }, 130_000);

  it('suppresses no cfn-lint rule except the plugin-made duplicate DependsOn (state machines, the HTTP API route)', () => {
    // serverless-step-functions always writes `DependsOn: <role>` beside `RoleArn: !GetAtt <role>.Arn`
    // (W3005, harmless). serverless.yml silences exactly that, on exactly that resource.
    const suppressions = Object.entries(template.Resources)
      .filter(([, r]) => r.Metadata?.['cfn-lint'] !== undefined)
      .map(([id, r]) => [id, r.Metadata['cfn-lint']]);
    expect(suppressions).toEqual([
      ['RemediationStateMachine', { config: { ignore_checks: ['W3005'] } }],
      ['EmergencyRollbackStateMachine', { config: { ignore_checks: ['W3005'] } }],
      ['HttpApiRoutePostSlackInteractions', { config: { ignore_checks: ['W3005'] } }],
    ]);
  });

  it('triggers ingest on exactly five patterns: STOPPED tasks, deployment failed/completed, impaired/placement/steady services, failed stacks, resources that failed to delete', () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties);
    expect(rules.map((r) => r.EventPattern)).toEqual(
      expect.arrayContaining([
        { source: ['aws.ecs'], 'detail-type': ['ECS Task State Change'], detail: { lastStatus: ['STOPPED'] } },
        {
          source: ['aws.ecs'],
          'detail-type': ['ECS Deployment State Change'],
          detail: { eventName: ['SERVICE_DEPLOYMENT_FAILED', 'SERVICE_DEPLOYMENT_COMPLETED'] },
        },
        {
          source: ['aws.ecs'],
          'detail-type': ['ECS Service Action'],
          detail: { eventName: ['SERVICE_TASK_START_IMPAIRED', 'SERVICE_TASK_PLACEMENT_FAILURE', 'SERVICE_STEADY_STATE'] },
        },
        {
          source: ['aws.cloudformation'],
          'detail-type': ['CloudFormation Stack Status Change'],
          detail: {
            'status-details': {
              status: ['CREATE_FAILED', 'ROLLBACK_FAILED', 'ROLLBACK_COMPLETE', 'DELETE_FAILED', 'UPDATE_FAILED', 'UPDATE_ROLLBACK_FAILED', 'IMPORT_ROLLBACK_FAILED'],
            },
          },
        },
        {
          source: ['aws.cloudformation'],
          'detail-type': ['CloudFormation Resource Status Change'],
          detail: { 'status-details': { status: ['DELETE_FAILED'] } },
        },
      ]),
    );
    expect(rules).toHaveLength(5);
    for (const rule of rules) {
      expect(rule.State).toBe('ENABLED');
      expect(rule.Targets).toHaveLength(1);
      expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] });
      // Undeliverable events: retried for an hour, then parked in the DLQ (which alarms).
      expect(rule.Targets[0].RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 });
      expect(rule.Targets[0].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'Arn'] } });
    }
    // One invoke permission per rule, each scoped to its own rule's ARN (`...:rule/<Name>`).
    const permissions = ofType('AWS::Lambda::Permission')
      .map(([, p]) => p.Properties)
      .filter((p) => p.Principal === 'events.amazonaws.com');
    expect(permissions).toHaveLength(5);
    const ruleNameOf = (sourceArn: Json): unknown => sourceArn?.['Fn::Join']?.[1]?.at(-1)?.['Fn::Join']?.[1]?.[1];
    expect(permissions.map((p) => ruleNameOf(p.SourceArn)).sort()).toEqual(rules.map((r) => r.Name).sort());
    for (const permission of permissions) {
      expect(permission).toMatchObject({ Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] } });
    }
  });

  it('defines every function with the runtime, architecture, tracing and stage settings', () => {
    expect(ofType('AWS::Lambda::Function').map(([id]) => id).sort()).toEqual(FUNCTIONS.map(lambdaLogicalId).sort());
    for (const key of FUNCTIONS) {
      const fn = resource(lambdaLogicalId(key)).Properties;
      expect(fn.FunctionName).toBe(`deploy-medic-dev-${key}`);
      expect(fn.Handler).toBe(`functions/${key}/handler.handler`);
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Environment.Variables).toMatchObject({
        STAGE: 'dev',
        MEDIC_MODE: 'observe',
        MEMORY_MULTIPLIER: '2',
        MAX_TASK_MEMORY_MIB: '16384',
        REDEPLOY_MAX_ATTEMPTS: '3',
        FAIL_FAST_FAILED_LAUNCHES: '2',
        MIN_CONFIDENCE_TO_ACT: '0.5',
        VERIFY_DEADLINE_SECONDS: '900',
        APPROVAL_TIMEOUT_SECONDS: '3600',
        POWERTOOLS_SERVICE_NAME: 'deploy-medic',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      expect(resource(logGroupLogicalId(key)).Properties).toMatchObject({ LogGroupName: `/aws/lambda/deploy-medic-dev-${key}`, RetentionInDays: 30 });
    }
  });

  it('wires STATE_MACHINE_ARN to the Remediation state machine and ALERTS_TOPIC_ARN to the alerts topic', () => {
    expect(resource('IngestLambdaFunction').Properties.Environment.Variables.STATE_MACHINE_ARN).toEqual({ Ref: 'RemediationStateMachine' });
    expect(resource('NotifyLambdaFunction').Properties.Environment.Variables.ALERTS_TOPIC_ARN).toEqual({ Ref: 'AlertsTopic' });
    expect(resource('RemediationStateMachine').Type).toBe('AWS::StepFunctions::StateMachine');
    expect(resource('AlertsTopic')).toMatchObject({ Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { Ref: 'AlertsTopicKey' } } });
    expect(template.Outputs?.RemediationStateMachineArn?.Value).toEqual({ Ref: 'RemediationStateMachine' });
    expect(template.Outputs?.AlertsTopicArn?.Value).toEqual({ Ref: 'AlertsTopic' });
    // medic approve / deny find the pending approvals through this output.
    expect(template.Outputs?.LedgerTableName?.Value).toEqual({ Ref: 'LedgerTable' });
  });

  it('exposes the Slack interactivity endpoint: POST /slack/interactions on the HTTP API, to approvalWebhook only', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routes).toEqual(['POST /slack/interactions']);
    const apiPermissions = ofType('AWS::Lambda::Permission')
      .map(([, p]) => p.Properties)
      .filter((p) => p.Principal === 'apigateway.amazonaws.com');
    expect(apiPermissions).toHaveLength(1);
    expect(apiPermissions[0]).toMatchObject({ Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': ['ApprovalWebhookLambdaFunction', 'Arn'] } });
    expect(template.Outputs?.SlackInteractivityUrl?.Value).toEqual({ 'Fn::Sub': 'https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/slack/interactions' });
    const env = resource('ApprovalWebhookLambdaFunction').Properties.Environment.Variables;
    expect(env).toMatchObject({ LEDGER_TABLE: { Ref: 'LedgerTable' }, SLACK_SIGNING_SECRET_ID: '', SLACK_SIGNING_SECRET_PARAMETER: '', APPROVAL_SLACK_USER_IDS: '' });
  });

  describe('Failure handling: dead letters and alarms', () => {
    const ruleArns = () => ofType('AWS::Events::Rule').map(([, r]) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${r.Properties.Name}` }));

    it('keeps dead letters 14 days, encrypted (SSE-SQS, which EventBridge can write to)', () => {
      expect(resource('IngestDeadLetterQueue')).toEqual({
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: 'deploy-medic-dev-ingest-dlq', MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
      });
    });

    it("sends ingest's failed async invocations to the same queue", () => {
      expect(resource('IngestLambdaFunction').Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'Arn'] } });
    });

    it('lets only EventBridge, for exactly our five rules, write to the queue; refuses plain HTTP', () => {
      const policies = ofType('AWS::SQS::QueuePolicy').map(([, p]) => p.Properties);
      expect(policies).toHaveLength(1);
      expect(policies[0].Queues).toEqual([{ Ref: 'IngestDeadLetterQueue' }]);
      const [allow, deny, ...rest] = policies[0].PolicyDocument.Statement as Statement[];
      expect(rest).toEqual([]);
      expect(allow).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'Arn'] },
      });
      expect(Object.keys(allow!.Condition)).toEqual(['ArnEquals']);
      expect(allow!.Condition.ArnEquals['aws:SourceArn']).toHaveLength(5);
      expect(allow!.Condition.ArnEquals['aws:SourceArn']).toEqual(expect.arrayContaining(ruleArns()));
      expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    });

    it('pages the alerts topic at the first dead letter', () => {
      expect(resource('IngestDeadLetterQueueAlarm').Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'AlertsTopic' }],
      });
    });

    it.each(['RemediationStateMachine', 'EmergencyRollbackStateMachine'])('pages the alerts topic when %s fails, times out or is aborted', (machine) => {
      const alarms = ofType('AWS::CloudWatch::Alarm')
        .map(([, a]) => a.Properties)
        .filter((a) => a.Namespace === 'AWS/States' && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'StateMachineArn', Value: { Ref: machine } }]));
      expect(alarms.map((a) => a.MetricName).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
      for (const alarm of alarms) {
        expect(alarm).toMatchObject({ Statistic: 'Sum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', AlarmActions: [{ Ref: 'AlertsTopic' }] });
      }
    });

    it('encrypts the alerts topic with a key CloudWatch may use (the AWS managed aws/sns key would refuse the alarms)', () => {
      const key = resource('AlertsTopicKey');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const statements = key.Properties.KeyPolicy.Statement as Statement[];
      expect(statements.find((s) => s.Sid === 'CloudWatchAlarmsPublish')).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      });
      // Besides the account's own administration, no other principal is named.
      expect(statements.map((s) => JSON.stringify((s as Json).Principal)).sort()).toEqual(
        [JSON.stringify({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }), JSON.stringify({ Service: 'cloudwatch.amazonaws.com' })].sort(),
      );
    });
  });

  describe('IAM', () => {
    it('gives every function a role of its own (no shared IamRoleLambdaExecution)', () => {
      expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
      const roles = FUNCTIONS.map((key) => roleLogicalId(resource(lambdaLogicalId(key)).Properties.Role));
      expect(new Set(roles).size).toBe(FUNCTIONS.length);
      for (const roleId of roles) {
        const role = resource(roleId);
        expect(role.Type).toBe('AWS::IAM::Role');
        // No managed policies - but the drift role's opt-in read policy, attached only when the stage names one.
        if (roleId === 'DetectDriftFunctionRole') {
          expect(role.Properties.ManagedPolicyArns).toEqual({ 'Fn::If': ['HasDriftReadPolicy', [{ Ref: 'DriftReadPolicyArn' }], { Ref: 'AWS::NoValue' }] });
          expect(template.Parameters?.DriftReadPolicyArn).toMatchObject({ Type: 'String', Default: '' });
        } else {
          expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        }
        expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ]);
      }
    });

    it('finds the functions in serverless.yml, and the template has exactly those', () => {
      expect(FUNCTIONS).toEqual(expect.arrayContaining(['ingest', 'diagnose', 'remediate', 'checkDeployment', 'prepareRollback', 'notify']));
      expect(ofType('AWS::Lambda::Function').map(([id]) => id).sort()).toEqual(FUNCTIONS.map(lambdaLogicalId).sort());
    });

    it.each(FUNCTIONS)('grants %s exactly the calls its bundled code sends, plus the documented runtime extras', async (key) => {
      const statements = roleStatements(roleLogicalId(resource(lambdaLogicalId(key)).Properties.Role));
      expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
      const granted = new Set(statements.flatMap((s) => asArray(s.Action)));
      const code = await calls(key);
      // Not vacuous: the handler itself is in the bundle, and every function makes AWS calls.
      expect(code.files).toContain(handlerSource(key));
      expect(code.actions.size, `${key}: no SDK call found in ${code.files.join(', ')}`).toBeGreaterThan(0);
      const expected = new Set([...code.actions.keys(), ...Object.keys(extrasFor(key))]);
      const notGranted = [...expected].filter((a) => !granted.has(a)).map((a) => `${a} (needed by ${code.actions.get(a)?.join('; ') ?? extrasFor(key)[a]})`);
      const unused = [...granted].filter((a) => !expected.has(a));
      expect({ notGranted, unused }).toEqual({ notGranted: [], unused: [] });
      // Logs: its own log group only (created by osls, so no logs:CreateLogGroup either).
      for (const s of statements.filter((st) => asArray(st.Action).some((a) => a.startsWith('logs:')))) {
        expect(s.Resource).toEqual({ 'Fn::GetAtt': [logGroupLogicalId(key), 'Arn'] });
      }
    }, 60_000);

    it('the action registry declares exactly what remediate sends (a new action cannot ship without its permissions)', async () => {
      const declared = [...new Set(Object.values(ACTIONS).flatMap((action) => action.iamActions))].sort();
      // Beside the actions, remediate writes the ledger: caps and loop breaker, audit, markers.
      const ledger = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'];
      expect([...declared, ...ledger].sort()).toEqual([...(await calls('remediate')).actions.keys()].sort());
    }, 60_000);

    it('grants Resource "*" only for actions AWS documents without resource-level permissions', () => {
      const offending: string[] = [];
      for (const key of FUNCTIONS) {
        for (const s of roleStatements(roleLogicalId(resource(lambdaLogicalId(key)).Properties.Role))) {
          if (!asArray(s.Resource).includes('*')) continue;
          for (const action of asArray(s.Action)) if (STAR_ONLY[action] === undefined) offending.push(`${key}: ${action} on "*"`);
        }
      }
      expect(offending).toEqual([]);
    });

    it('confines every write to a resource of this stack, a tag condition, or a documented exception', () => {
      // A stack resource is one the template defines: Ref / GetAtt / ${X.Arn} of a logical id.
      const ownResource = (r: Json) => {
        const id = r?.Ref ?? r?.['Fn::GetAtt']?.[0] ?? /^\$\{([A-Za-z0-9]+)\.Arn\}/.exec(typeof r?.['Fn::Sub'] === 'string' ? r['Fn::Sub'] : '')?.[1];
        return typeof id === 'string' && template.Resources[id] !== undefined;
      };
      const tagConditioned = (s: Statement) =>
        Object.values((s.Condition ?? {}) as Record<string, Record<string, unknown>>).some((test) => Object.keys(test).some((k) => TAG_CONDITION_KEYS.includes(k)));
      const offending: string[] = [];
      const checked: string[] = [];
      for (const key of FUNCTIONS) {
        for (const s of roleStatements(roleLogicalId(resource(lambdaLogicalId(key)).Properties.Role))) {
          for (const action of asArray(s.Action)) {
            if (READ_ONLY.test(action) || asArray(s.Resource).every(ownResource)) continue;
            checked.push(action);
            if (tagConditioned(s)) continue;
            const exception = WRITES_WITHOUT_TAG_CONDITION[action];
            if (exception === undefined) offending.push(`${key}: ${action} on ${JSON.stringify(s.Resource)} without a tag condition`);
            else if (exception.condition !== undefined) expect(s.Condition, `${key}: ${action}`).toEqual(exception.condition);
          }
        }
      }
      expect(offending).toEqual([]);
      // The destructive ones the brief names are among those checked, and tag-conditioned.
      for (const action of ['ecs:UpdateService', 'cloudformation:DeleteStack', 'cloudformation:ContinueUpdateRollback', 'cloudformation:CancelUpdateStack', 'cloudformation:RollbackStack', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress']) {
        expect(checked, action).toContain(action);
        expect(WRITES_WITHOUT_TAG_CONDITION[action], action).toBeUndefined();
      }
    });

    it('a documented exception is no blanket pass: each is granted, and the others are truly writes', () => {
      const granted = new Set(FUNCTIONS.flatMap((key) => roleStatements(roleLogicalId(resource(lambdaLogicalId(key)).Properties.Role)).flatMap((s) => asArray(s.Action))));
      for (const action of [...Object.keys(WRITES_WITHOUT_TAG_CONDITION), ...Object.keys(STAR_ONLY)]) expect(granted, action).toContain(action);
      for (const action of Object.keys(WRITES_WITHOUT_TAG_CONDITION)) expect(READ_ONLY.test(action), action).toBe(false);
    });

    it('scopes every grant to the narrowest resource the action supports', () => {
      const byAction = (key: FunctionKey) => {
        const map = new Map<string, Statement>();
        for (const s of roleStatements(roleLogicalId(resource(lambdaLogicalId(key)).Properties.Role))) {
          for (const action of asArray(s.Action)) map.set(action, s);
        }
        return map;
      };
      const services = { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/*/*' };
      const taskDefinitions = { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/*' };

      expect(byAction('ingest').get('states:StartExecution')?.Resource).toEqual({ Ref: 'RemediationStateMachine' });
      expect(byAction('notify').get('sns:Publish')?.Resource).toEqual({ Ref: 'AlertsTopic' });
      for (const key of ['diagnose', 'remediate', 'checkDeployment'] as const) {
        expect(byAction(key).get('ecs:DescribeServices')?.Resource).toEqual(services);
      }
      // DescribeTaskDefinition has no resource type in the Service Authorization Reference: "*" only.
      expect(byAction('diagnose').get('ecs:DescribeTaskDefinition')?.Resource).toBe('*');

      const remediate = byAction('remediate');
      expect(remediate.get('ecs:DescribeTaskDefinition')?.Resource).toBe('*');
      expect(remediate.get('ecs:RegisterTaskDefinition')?.Resource).toEqual(taskDefinitions);
      expect(remediate.get('ecs:TagResource')).toMatchObject({
        Resource: taskDefinitions,
        Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
      });
      // Opted in and not protected: IAM refuses what shared/policy/scope.ts refuses by tag.
      const notProtected = { StringNotEqualsIgnoreCase: { 'aws:ResourceTag/deploy-medic:protected': 'true' } };
      expect(remediate.get('ecs:UpdateService')).toMatchObject({
        Resource: services,
        Condition: { StringEquals: { 'aws:ResourceTag/deploy-medic:enabled': 'true' }, ...notProtected },
      });
      for (const action of ['cloudformation:DeleteStack', 'cloudformation:ContinueUpdateRollback', 'cloudformation:RollbackStack', 'cloudformation:CancelUpdateStack']) {
        expect(remediate.get(action)?.Condition, action).toMatchObject(notProtected);
      }
      for (const action of ['ec2:DeleteNetworkInterface', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress']) {
        expect(remediate.get(action)?.Condition, action).toMatchObject(notProtected);
      }
      expect(remediate.get('dynamodb:GetItem')?.Resource).toEqual({ 'Fn::GetAtt': ['LedgerTable', 'Arn'] });
      expect(remediate.get('dynamodb:UpdateItem')?.Resource).toEqual({ 'Fn::GetAtt': ['LedgerTable', 'Arn'] });
      // CheckDeployment only looks; the run's end (notify) closes the record and frees the slot.
      expect(byAction('checkDeployment').get('dynamodb:UpdateItem')).toBeUndefined();
      expect(byAction('notify').get('dynamodb:UpdateItem')?.Resource).toEqual({ 'Fn::GetAtt': ['LedgerTable', 'Arn'] });
      expect(remediate.get('iam:PassRole')).toMatchObject({
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*' },
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      });
      const ledger = { 'Fn::GetAtt': ['LedgerTable', 'Arn'] };
      expect(byAction('ingest').get('dynamodb:UpdateItem')?.Resource).toEqual(ledger);
      expect(byAction('ingest').get('dynamodb:GetItem')?.Resource).toEqual(ledger);
      expect(byAction('diagnose').get('dynamodb:GetItem')?.Resource).toEqual(ledger);
      for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']) expect(byAction('approval').get(action)?.Resource, action).toEqual(ledger);
      for (const action of ['dynamodb:GetItem', 'dynamodb:UpdateItem']) expect(byAction('approvalWebhook').get(action)?.Resource, action).toEqual(ledger);
      expect(byAction('approval').get('sns:Publish')?.Resource).toEqual({ Ref: 'AlertsTopic' });
      expect(byAction('diagnose').get('ecs:DescribeTasks')?.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/*/*' });
      expect(byAction('diagnose').get('ecs:ListTasks')).toMatchObject({
        Resource: '*',
        Condition: { ArnLike: { 'ecs:cluster': { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/*' } } },
      });
      for (const action of ['cloudformation:DeleteStack', 'cloudformation:ContinueUpdateRollback', 'cloudformation:RollbackStack']) {
        expect(remediate.get(action), action).toMatchObject({ Condition: { StringEquals: { 'aws:ResourceTag/deploy-medic:enabled': 'true' } } });
      }
      expect(remediate.get('cloudformation:CancelUpdateStack')).toMatchObject({
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/*/*' },
        Condition: { StringEquals: { 'aws:ResourceTag/deploy-medic:enabled': 'true' } },
      });
      expect(resource('LedgerTable')).toMatchObject({
        Type: 'AWS::DynamoDB::Table',
        DeletionPolicy: 'Retain',
        Properties: { BillingMode: 'PAY_PER_REQUEST', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } },
      });
      expect(remediate.get('ec2:RevokeSecurityGroupIngress')).toMatchObject({
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*' },
        Condition: { StringLike: { 'aws:ResourceTag/aws:cloudformation:stack-id': { 'Fn::Sub': 'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/*' } } },
      });
      expect(remediate.get('ec2:DeleteNetworkInterface')?.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*' });
      expect(byAction('ingest').get('sqs:SendMessage')?.Resource).toEqual({ 'Fn::GetAtt': ['IngestDeadLetterQueue', 'Arn'] });
      expect(byAction('notify').get('kms:GenerateDataKey')).toMatchObject({
        Resource: { 'Fn::GetAtt': ['AlertsTopicKey', 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' } } },
      });
    });

    it('has no IAM statement with a wildcard Action', () => {
      const offending: string[] = [];
      let checked = 0;
      for (const doc of policyDocuments()) {
        for (const s of doc.statements) {
          checked += 1;
          if (s.NotAction !== undefined) offending.push(`${doc.where}: NotAction`);
          // A Deny in a resource policy may be broad (the deployment bucket refuses plain HTTP
          // for s3:*): it takes access away. Anything that grants must name its actions.
          if (!doc.identity && s.Effect === 'Deny') continue;
          for (const action of asArray(s.Action)) if (action.includes('*')) offending.push(`${doc.where}: ${action}`);
        }
      }
      expect(checked).toBeGreaterThan(20);
      expect(offending).toEqual([]);
    });
  });

  describe('Remediation state machine', () => {
    /** The ASL file with its `${param:NAME}` values as osls resolves them (the dev stage uses the defaults). */
    const asl = () => {
      const source = parse(readFileSync(aslPath, 'utf8')) as { States: Record<string, Json> };
      const params = (parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as Json).params.default;
      const resolve = (v: Json): Json =>
        typeof v === 'string' && /^\$\{param:(\w+)\}$/.test(v)
          ? params[/^\$\{param:(\w+)\}$/.exec(v)![1]!]
          : Array.isArray(v)
            ? v.map(resolve)
            : v && typeof v === 'object'
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]))
              : v;
      return resolve(source) as { States: Record<string, Json> };
    };
    /** Where a Task names its function: the Resource, or a `lambda:invoke` integration's Parameters.FunctionName. */
    const functionRef = (s: Json): { at: 'Resource' | 'FunctionName'; key: string } | undefined => {
      if (s.Type !== 'Task') return undefined;
      if (Array.isArray(s.Resource?.['Fn::GetAtt'])) return { at: 'Resource', key: s.Resource['Fn::GetAtt'][0] };
      if (Array.isArray(s.Parameters?.FunctionName?.['Fn::GetAtt'])) return { at: 'FunctionName', key: s.Parameters.FunctionName['Fn::GetAtt'][0] };
      return undefined;
    };
    /** ASL function key per Task state, from `Fn::GetAtt: [<key>, Arn]`. */
    const aslTaskFunctions = () =>
      Object.fromEntries(
        Object.entries(asl().States)
          .filter(([, s]) => functionRef(s) !== undefined)
          .map(([name, s]) => [name, functionRef(s)!.key]),
      );
    const functionRefOf = (states: Record<string, Json>, name: string) =>
      functionRef(asl().States[name]!)!.at === 'Resource' ? states[name].Resource : states[name].Parameters.FunctionName;
    const deployed = () => {
      const sm = resource('RemediationStateMachine');
      const sub = sm.Properties.DefinitionString['Fn::Sub'];
      expect(Array.isArray(sub)).toBe(true);
      return { sm, definition: JSON.parse(sub[0]) as { States: Record<string, Json> }, params: sub[1] as Record<string, Json> };
    };

    it('is the Standard workflow named for the stage, with logging and tracing on', () => {
      const { sm } = deployed();
      expect(sm.Properties).toMatchObject({
        StateMachineName: 'deploy-medic-dev-remediation',
        StateMachineType: 'STANDARD',
        RoleArn: { 'Fn::GetAtt': ['RemediationStateMachineRole', 'Arn'] },
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ERROR',
          IncludeExecutionData: false,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['RemediationStateMachineLogGroup', 'Arn'] } } }],
        },
      });
    });

    it('contains every state of statemachines/remediation.asl.yaml, unchanged but for the Task Resources', () => {
      const { definition } = deployed();
      const source = asl();
      expect(Object.keys(definition.States).sort()).toEqual(Object.keys(source.States).sort());
      const tasks = aslTaskFunctions();
      for (const name of Object.keys(tasks)) {
        const at = functionRef(source.States[name])!.at;
        if (at === 'Resource') {
          delete definition.States[name].Resource;
          delete source.States[name].Resource;
        } else {
          delete definition.States[name].Parameters.FunctionName;
          delete source.States[name].Parameters.FunctionName;
        }
      }
      expect(definition).toEqual(source);
    });

    it('resolves each Task Resource to the ARN of the function the ASL names', () => {
      const { definition, params } = deployed();
      const tasks = aslTaskFunctions();
      expect(Object.keys(tasks).length).toBeGreaterThanOrEqual(4);
      for (const [state, key] of Object.entries(tasks)) {
        const ref = functionRefOf(definition.States, state);
        const placeholder = /^\$\{([0-9a-f]+)\}$/.exec(ref);
        expect(placeholder, `${state}: the function reference is ${ref}`).not.toBeNull();
        expect(params[placeholder![1]!], state).toEqual({ 'Fn::GetAtt': [lambdaLogicalId(key), 'Arn'] });
        expect(resource(lambdaLogicalId(key)).Type).toBe('AWS::Lambda::Function');
      }
      expect(JSON.stringify(definition)).not.toContain('Fn::');
    });

    it('may invoke exactly the functions its Task states name', () => {
      const statements = roleStatements('RemediationStateMachineRole');
      const invoke = statements.filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));
      expect(invoke).toHaveLength(1);
      expect(asArray(invoke[0]!.Action)).toEqual(['lambda:InvokeFunction']);
      const functions = [...new Set(Object.values(aslTaskFunctions()))].map(lambdaLogicalId).sort();
      const expected = functions.flatMap((id) => [
        { 'Fn::GetAtt': [id, 'Arn'] },
        { 'Fn::Sub': ['${functionArn}:*', { functionArn: { 'Fn::GetAtt': [id, 'Arn'] } }] },
      ]);
      expect(invoke[0]!.Resource).toEqual(expect.arrayContaining(expected));
      expect(asArray(invoke[0]!.Resource)).toHaveLength(expected.length);
      expect(functions).not.toContain('IngestLambdaFunction');
    });
  });

  describe('bundles', () => {
    const zipOf = (key: FunctionKey) => {
      const s3Key: string = resource(lambdaLogicalId(key)).Properties.Code.S3Key;
      return join(outDir, s3Key.split('/').pop()!);
    };

    it.each(FUNCTIONS)('%s ships one self-contained ESM bundle (SDK included, no node_modules)', (key) => {
      const zip = zipOf(key);
      expect(existsSync(zip)).toBe(true);
      // Lambda takes 50 MiB zipped; ours are ~1 MiB. A jump means something big got bundled.
      expect(statSync(zip).size).toBeLessThan(5 * 1024 * 1024);
      const { names, read } = readZip(zip);
      expect(names.sort()).toEqual([`functions/${key}/handler.mjs`, `functions/${key}/handler.mjs.map`]);
      const code = read(`functions/${key}/handler.mjs`).toString('utf8');
      expect(code.startsWith('import { createRequire')).toBe(true);
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    });

    it('the packaged ingest bundle loads on Node 22 and drops normal life without calling AWS', async () => {
      const { read } = readZip(zipOf('ingest'));
      const bundle = join(scratch, 'ingest.mjs');
      writeFileSync(bundle, read('functions/ingest/handler.mjs'));
      const event = join(root, 'test', 'fixtures', 'events', 'ecs-task-stopped-scaling.json');
      const script = `const { handler } = await import(${JSON.stringify(bundle)});
        const event = JSON.parse((await import('node:fs')).readFileSync(${JSON.stringify(event)}, 'utf8'));
        process.stdout.write(JSON.stringify(await handler(event)) + '\\n');`;
      const env = { PATH: process.env.PATH, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT', STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:x' };
      const run = await execFileP(process.execPath, ['--input-type=module', '-e', script], { cwd: scratch, env, timeout: 30_000 });
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
      expect(result.outcome, run.stdout).toBe('ignored');
    });

    it('the packaged ingest bundle, in a Lambda-like environment, logs JSON lines with the Lambda context through the wrapper', async () => {
      const { read } = readZip(zipOf('ingest'));
      const bundle = join(scratch, 'ingest-logs.mjs');
      writeFileSync(bundle, read('functions/ingest/handler.mjs'));
      const event = join(root, 'test', 'fixtures', 'events', 'ecs-task-stopped-scaling.json');
      const context = { awsRequestId: 'req-1', functionName: 'deploy-medic-dev-ingest', functionVersion: '$LATEST', memoryLimitInMB: '512', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:deploy-medic-dev-ingest' };
      const script = `const { handler } = await import(${JSON.stringify(bundle)});
        const event = JSON.parse((await import('node:fs')).readFileSync(${JSON.stringify(event)}, 'utf8'));
        await handler(event, ${JSON.stringify(context)});`;
      const env = {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_LAMBDA_FUNCTION_NAME: 'deploy-medic-dev-ingest',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', // as Lambda sets it; Powertools reports cold starts only then
        POWERTOOLS_LOG_LEVEL: 'INFO',
        STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:x',
      };
      const run = await execFileP(process.execPath, ['--input-type=module', '-e', script], { cwd: scratch, env, timeout: 30_000 });
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'INFO',
          message: 'not an incident',
          handler: 'ingest',
          function_request_id: 'req-1',
          cold_start: true,
        }),
      ]);
      // Normal life (a scale-in) is not an incident: no correlation id. (Incidents: test/statemachine/correlation.test.ts.)
      expect(lines[0]).not.toHaveProperty('correlation_id');
    });
  });

  describe('observability', () => {
    /** The dashboard body as CloudFormation will hand it to CloudWatch: every ${X} a resource of this template. */
    const dashboardBody = () => {
      const sub = resource('MedicDashboard').Properties.DashboardBody['Fn::Sub'];
      expect(typeof sub).toBe('string');
      const references = [...(sub as string).matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!);
      // `${Resource}` or `${Resource.Attribute}`: the resource must be in this template.
      for (const ref of references.filter((r) => !r.startsWith('AWS::'))) expect(template.Resources, ref).toHaveProperty([ref.split('.')[0]!]);
      const resolved = (sub as string).replaceAll('${AWS::Region}', 'us-east-1').replace(/\$\{([A-Za-z0-9.]+)\}/g, 'resolved-$1');
      return { json: JSON.parse(resolved) as { widgets: Json[] }, references: new Set(references) };
    };
    /** Every metric a widget draws: [namespace, name, ...dimension pairs] rows, and SEARCH expressions. */
    const widgetMetrics = (widgets: Json[]) => widgets.flatMap((w) => (w.properties?.metrics ?? []) as Json[][]);

    it('the dashboard body is valid JSON referencing only resources of this template and metrics deploy-medic emits', () => {
      const { json, references } = dashboardBody();
      const rows = widgetMetrics(json.widgets);
      const named = rows.filter((row) => typeof row[0] === 'string' && row[0] === METRICS_NAMESPACE).map((row) => row[1] as string);
      const searched = rows
        .flatMap((row) => row.map((cell: Json) => cell?.expression).filter((e: unknown): e is string => typeof e === 'string' && e.startsWith('SEARCH(')))
        .map((expression) => /MetricName="([^"]+)"/.exec(expression)?.[1]);
      const used = new Set([...named, ...searched]);
      expect([...used].sort()).toEqual(Object.values(METRIC).sort());
      // Every DeployMedic metric is drawn for this stage only.
      for (const row of rows.filter((r) => r[0] === METRICS_NAMESPACE)) expect(row.slice(2, 4)).toEqual(['stage', 'dev']);
      // Both state machines and every function.
      expect(references).toEqual(new Set(['AWS::Region', 'RemediationStateMachine', 'EmergencyRollbackStateMachine', 'IngestDeadLetterQueue.QueueName', ...FUNCTIONS.map(lambdaLogicalId)]));
      const titles = json.widgets.map((w) => w.properties?.title ?? w.properties?.markdown?.split('\n')[0]);
      expect(titles).toEqual(
        expect.arrayContaining(['Incidents opened by category', 'Remediations by action and outcome', 'Remediation executions', 'Emergency rollback executions', 'Lambda errors', 'Lambda throttles', 'DLQ depth (events ingest could not take)']),
      );
      for (const metric of ['Errors', 'Throttles', 'Duration']) {
        const functions = rows.filter((r) => r[0] === 'AWS/Lambda' && r[1] === metric).map((r) => r[3]);
        expect(functions, metric).toEqual(FUNCTIONS.map((key) => `resolved-${lambdaLogicalId(key)}`));
      }
      for (const stat of ['p50', 'p90']) {
        expect(rows.filter((r) => r[1] === METRIC.timeToDetect || r[1] === METRIC.timeToResolve).map((r) => r.at(-1).stat)).toContain(stat);
      }
    });

    it('draws the dead-letter queue\'s depth', () => {
      const rows = widgetMetrics(dashboardBody().json.widgets);
      expect(rows).toContainEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', 'resolved-IngestDeadLetterQueue.QueueName']);
    });

    it('alarms on Errors and Throttles of every function, to the alerts topic', () => {
      for (const key of FUNCTIONS) {
        for (const metric of ['Errors', 'Throttles']) {
          const id = `${lambdaLogicalId(key).replace('LambdaFunction', '')}${metric}Alarm`;
          expect(resource(id).Properties, id).toMatchObject({
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: lambdaLogicalId(key) } }],
            Statistic: 'Sum',
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            Threshold: 1,
            TreatMissingData: 'notBreaching',
            AlarmActions: [{ Ref: 'AlertsTopic' }],
          });
        }
      }
    });

    it('alarms when failed / (applied + failed) remediations over an hour passes the stage threshold; no data is not a breach', () => {
      const alarm = resource('RemediationFailureRateAlarm').Properties;
      expect(alarm).toMatchObject({ Threshold: '25', ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', AlarmActions: [{ Ref: 'AlertsTopic' }] });
      const byId = Object.fromEntries((alarm.Metrics as Json[]).map((m) => [m.Id, m]));
      for (const outcome of ['failed', 'applied']) {
        expect(byId[outcome].MetricStat).toEqual({
          Metric: { Namespace: METRICS_NAMESPACE, MetricName: METRIC.remediations, Dimensions: [{ Name: 'stage', Value: 'dev' }, { Name: 'outcome', Value: outcome }] },
          Period: 3600,
          Stat: 'Sum',
        });
      }
      expect(byId.rate).toMatchObject({ Expression: '100 * FILL(failed, 0) / (FILL(applied, 0) + FILL(failed, 0))', ReturnData: true });
    });

    it('alarms publish to the alerts topic, encrypted with a key CloudWatch may use (the aws/sns key would drop every alarm)', () => {
      expect(template.Resources.AlarmsTopic).toBeUndefined();
      expect(resource('AlertsTopic').Properties.KmsMasterKeyId).toEqual({ Ref: 'AlertsTopicKey' });
      const statements = resource('AlertsTopicKey').Properties.KeyPolicy.Statement as Json[];
      expect(statements.find((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com')).toMatchObject({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'] });
    });

    it('EMF needs no cloudwatch:PutMetricData: no role grants it', () => {
      const actions = policyDocuments().flatMap((doc) => doc.statements.flatMap((s) => asArray(s.Action as string | string[])));
      expect(actions).not.toContain('cloudwatch:PutMetricData');
    });
  });
});
