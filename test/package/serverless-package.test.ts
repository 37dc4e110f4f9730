/**
 * What `npm run package` (osls + serverless-esbuild + serverless-step-functions) produces, checked
 * the way a reviewer of the CloudFormation template would: cfn-lint clean, the EventBridge
 * pattern, one least-privilege role per function, the state machine exactly as the ASL file says,
 * and the wiring between them. Packaging runs once, offline, for the dev stage.
 */
import { ACTIONS } from '../../shared/actions/registry';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

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

/** serverless.yml function key -> what osls names its Lambda resource. */
const FUNCTIONS = ['ingest', 'diagnose', 'remediate', 'checkDeployment', 'detectDrift', 'prepareRollback', 'notify'] as const;
type FunctionKey = (typeof FUNCTIONS)[number];
const lambdaLogicalId = (key: string) => `${key[0]!.toUpperCase()}${key.slice(1)}LambdaFunction`;
const logGroupLogicalId = (key: string) => `${key[0]!.toUpperCase()}${key.slice(1)}LogGroup`;

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const XRAY = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
/** Exactly the calls each handler makes (see functions/<key>/handler.ts and the modules they use). */
/**
 * What each role must grant. The remediate role's ECS/CloudFormation/IAM actions are not
 * listed here: they are the union of what the registered actions declare (shared/actions),
 * so a new action cannot ship without its permissions, nor a permission outlive its action.
 */
const REMEDIATE_ACTIONS = [...new Set(Object.values(ACTIONS).flatMap((action) => action.iamActions))];
const EXPECTED_ACTIONS: Record<FunctionKey, string[]> = {
  ingest: [...LOGS, ...XRAY, 'states:StartExecution', 'ecs:DescribeServices', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
  diagnose: [
    ...LOGS,
    ...XRAY,
    'ecs:DescribeServices',
    'ecs:DescribeTaskDefinition',
    'ecs:ListTasks',
    'ecs:DescribeTasks',
    'elasticloadbalancing:DescribeTargetGroups',
    'dynamodb:GetItem',
    'cloudformation:DescribeStacks',
    'cloudformation:DescribeStackResources',
    'cloudformation:DescribeStackEvents',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSecurityGroups',
    'rds:DescribeDBInstances',
    'rds:DescribeDBClusters',
    's3:ListBucket',
  ],
  // The ledger: caps and loop breaker (GetItem + a transaction of Updates), audit, markers.
  remediate: [...LOGS, ...XRAY, ...REMEDIATE_ACTIONS, 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
  // Frees the concurrency slot and marks the incident resolved once the change is steady.
  checkDeployment: [...LOGS, ...XRAY, 'ecs:DescribeServices', 'cloudformation:DescribeStacks', 'dynamodb:UpdateItem'],
  detectDrift: [
    ...LOGS,
    ...XRAY,
    'cloudformation:DetectStackDrift',
    'cloudformation:DetectStackResourceDrift',
    'cloudformation:DescribeStackResourceDrifts',
    'cloudformation:DescribeStackDriftDetectionStatus',
  ],
  prepareRollback: [...LOGS, ...XRAY, 'ecs:DescribeServices', 'ecs:DescribeTaskDefinition', 'cloudformation:DescribeStacks', 'dynamodb:GetItem'],
  notify: [...LOGS, ...XRAY, 'sns:Publish', 'secretsmanager:GetSecretValue', 'ssm:GetParameter', 'kms:Decrypt', 's3:PutObject'],
};

const execFileP = (file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout: number }) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: error && typeof error.code !== 'number' ? `${stderr}\n${error.message}` : stderr });
    });
  });

let template: Template;
let packageSeconds = 0;
const scratch = mkdtempSync(join(tmpdir(), 'medic-package-'));

beforeAll(async () => {
  const started = performance.now();
  const run = await execFileP(process.execPath, [join(root, 'scripts', 'package.mjs'), '--stage', 'dev'], { cwd: root, timeout: 170_000 });
  packageSeconds = (performance.now() - started) / 1000;
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
  it('packages well within the time budget', () => {
    // Two cores, cold: about 10 s today. The budget is 2 minutes; fail long before that.
    expect(packageSeconds).toBeLessThan(90);
  });

  it('passes cfn-lint with no errors and no warnings', async () => {
    const lint = await execFileP('cfn-lint', ['--format', 'json', '--', templatePath], { timeout: 120_000 });
    const output = `cfn-lint exit ${lint.code}\n${lint.stdout}\n${lint.stderr}`;
    expect(lint.code, output).toBe(0);
    expect(JSON.parse(lint.stdout || '[]'), output).toEqual([]);
  }, 130_000);

  it('suppresses no cfn-lint rule except the plugin-made duplicate DependsOn on the state machine', () => {
    // serverless-step-functions always writes `DependsOn: <role>` beside `RoleArn: !GetAtt <role>.Arn`
    // (W3005, harmless). serverless.yml silences exactly that, on exactly that resource.
    const suppressions = Object.entries(template.Resources)
      .filter(([, r]) => r.Metadata?.['cfn-lint'] !== undefined)
      .map(([id, r]) => [id, r.Metadata['cfn-lint']]);
    expect(suppressions).toEqual([
      ['RemediationStateMachine', { config: { ignore_checks: ['W3005'] } }],
      ['EmergencyRollbackStateMachine', { config: { ignore_checks: ['W3005'] } }],
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
    expect(resource('AlertsTopic')).toMatchObject({ Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: 'alias/aws/sns' } });
    expect(template.Outputs?.RemediationStateMachineArn?.Value).toEqual({ Ref: 'RemediationStateMachine' });
    expect(template.Outputs?.AlertsTopicArn?.Value).toEqual({ Ref: 'AlertsTopic' });
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

    it.each(FUNCTIONS)('grants %s exactly the calls its handler makes', (key) => {
      const statements = roleStatements(roleLogicalId(resource(lambdaLogicalId(key)).Properties.Role));
      expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
      const granted = statements.flatMap((s) => asArray(s.Action));
      expect([...granted].sort()).toEqual([...EXPECTED_ACTIONS[key]].sort());
      // Logs: its own log group only (created by osls, so no logs:CreateLogGroup either).
      for (const s of statements.filter((st) => asArray(st.Action).some((a) => a.startsWith('logs:')))) {
        expect(s.Resource).toEqual({ 'Fn::GetAtt': [logGroupLogicalId(key), 'Arn'] });
      }
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
        expect(remediate.get(action)?.Condition, action).toEqual(notProtected);
      }
      expect(remediate.get('dynamodb:GetItem')?.Resource).toEqual({ 'Fn::GetAtt': ['LedgerTable', 'Arn'] });
      expect(remediate.get('dynamodb:UpdateItem')?.Resource).toEqual({ 'Fn::GetAtt': ['LedgerTable', 'Arn'] });
      expect(byAction('checkDeployment').get('dynamodb:UpdateItem')?.Resource).toEqual({ 'Fn::GetAtt': ['LedgerTable', 'Arn'] });
      expect(remediate.get('iam:PassRole')).toMatchObject({
        Resource: '*',
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      });
      const ledger = { 'Fn::GetAtt': ['LedgerTable', 'Arn'] };
      expect(byAction('ingest').get('dynamodb:UpdateItem')?.Resource).toEqual(ledger);
      expect(byAction('ingest').get('dynamodb:GetItem')?.Resource).toEqual(ledger);
      expect(byAction('diagnose').get('dynamodb:GetItem')?.Resource).toEqual(ledger);
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
      // Only these actions may have Resource "*", because they support no narrower one.
      const starOnly = new Set([
        ...XRAY,
        'ecs:DescribeTaskDefinition',
        'iam:PassRole',
        'ecs:ListTasks',
        'elasticloadbalancing:DescribeTargetGroups',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSecurityGroups',
        // A drift detection id is not a resource.
        'cloudformation:DescribeStackDriftDetectionStatus',
      ]);
      for (const key of FUNCTIONS) {
        for (const [action, s] of byAction(key)) {
          if (asArray(s.Resource).includes('*')) expect(starOnly, `${key}: ${action} on "*"`).toContain(action);
        }
      }
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
    const asl = () => parse(readFileSync(aslPath, 'utf8')) as { States: Record<string, Json> };
    /** ASL function key per Task state, from `Fn::GetAtt: [<key>, Arn]`. */
    const aslTaskFunctions = () =>
      Object.fromEntries(
        Object.entries(asl().States)
          .filter(([, s]) => s.Type === 'Task' && Array.isArray(s.Resource?.['Fn::GetAtt']))
          .map(([name, s]) => [name, s.Resource['Fn::GetAtt'][0] as string]),
      );
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
          IncludeExecutionData: true,
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
        delete definition.States[name].Resource;
        delete source.States[name].Resource;
      }
      expect(definition).toEqual(source);
    });

    it('resolves each Task Resource to the ARN of the function the ASL names', () => {
      const { definition, params } = deployed();
      const tasks = aslTaskFunctions();
      expect(Object.keys(tasks).length).toBeGreaterThanOrEqual(4);
      for (const [state, key] of Object.entries(tasks)) {
        const placeholder = /^\$\{([0-9a-f]+)\}$/.exec(definition.States[state].Resource);
        expect(placeholder, `${state}.Resource is ${definition.States[state].Resource}`).not.toBeNull();
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
  });
});
