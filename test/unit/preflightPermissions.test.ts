import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand, type SimulatePrincipalPolicyCommandInput } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { permissionsCheck } from '../../shared/preflight/checks/permissions';
import { createPreflightClients } from '../../shared/preflight/clients';
import { createPreflightContext } from '../../shared/preflight/context';
import { neededActions } from '../../shared/preflight/createActions';
import { parseTemplate } from '../../shared/preflight/template';
import { fixture } from '../support/fixtures';

const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);
const iam = mockClient(IAMClient);
afterEach(() => [sts, cfn, iam].forEach((m) => m.reset()));

const R = 'eu-west-1';
const ROLE = 'arn:aws:iam::111122223333:role/ci/ci-deploy';
const STACK_ARN = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/orders-prod/*';
const missing = Object.assign(new Error('Stack with id orders-prod does not exist'), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
const pseudo = { stackName: 'orders-prod', region: R, accountId: '111122223333', partition: 'aws' };

const template = parseTemplate(`
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: { CidrBlock: 10.20.0.0/16 }
  AppSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: app, VpcId: !Ref Vpc }
  AssetsBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '\${AWS::StackName}-assets-\${AWS::AccountId}'
  TaskExecutionRole:
    Type: AWS::IAM::Role
    Properties: { AssumeRolePolicyDocument: {} }
  ApiTaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ExecutionRoleArn: !GetAtt TaskExecutionRole.Arn
      ContainerDefinitions: []
  Migrate:
    Type: Custom::DatabaseMigration
    Properties: { ServiceToken: arn:aws:lambda:eu-west-1:111122223333:function:migrate }
`);
const context = (t = template) => createPreflightContext({ stackName: 'orders-prod', region: R, template: t, clients: createPreflightClients({ region: R }) });
/** The simulator's answer: every action allowed except those listed. */
const simulator = (deny: Record<string, string> = {}) =>
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => ({
    EvaluationResults: input.ActionNames!.map((a) => ({
      EvalActionName: a,
      EvalResourceName: input.ResourceArns![0],
      EvalDecision: deny[a] ?? 'allowed',
      MatchedStatements: deny[a] === 'explicitDeny' ? [{ SourcePolicyId: 'deny-network-changes', SourcePolicyType: 'IAM Policy' }] : [],
    })),
    IsTruncated: false,
  }));

beforeEach(() => {
  sts.on(GetCallerIdentityCommand).resolves(fixture('api/preflight-get-caller-identity-assumed-role.json'));
  iam.on(GetRoleCommand, { RoleName: 'ci-deploy' }).resolves({ Role: { Arn: ROLE, RoleName: 'ci-deploy', Path: '/ci/' } as never });
  cfn.on(DescribeStacksCommand).rejects(missing);
});

describe('Check: permissions', () => {
  describe('neededActions', () => {
    it('maps resource types to create actions, on the resource ARN when the name is known', () => {
      expect(neededActions(template, pseudo)).toEqual({
        needed: [
          { action: 'ec2:CreateVpc', resourceArn: '*', neededBy: 'Vpc' },
          { action: 'ec2:CreateSecurityGroup', resourceArn: '*', neededBy: 'AppSecurityGroup' },
          { action: 's3:CreateBucket', resourceArn: 'arn:aws:s3:::orders-prod-assets-111122223333', neededBy: 'AssetsBucket' },
          { action: 'iam:CreateRole', resourceArn: '*', neededBy: 'TaskExecutionRole' },
          { action: 'ecs:RegisterTaskDefinition', resourceArn: '*', neededBy: 'ApiTaskDefinition' },
          // An unnamed role is named STACK-LogicalId-RANDOM.
          { action: 'iam:PassRole', resourceArn: 'arn:aws:iam::111122223333:role/orders-prod-TaskExecutionRole-*', neededBy: 'ApiTaskDefinition' },
        ],
        unmapped: ['Custom::DatabaseMigration'],
      });
    });
  });

  it('simulates the assumed role (its real ARN, path included) and warns on each denied action', async () => {
    simulator({ 'ec2:CreateSecurityGroup': 'explicitDeny', 'iam:PassRole': 'implicitDeny' });
    const findings = await permissionsCheck.run(context());
    expect(findings).toEqual([
      {
        id: 'permissions.denied',
        severity: 'warning',
        resource: 'AppSecurityGroup',
        message: `${ROLE} may not ec2:CreateSecurityGroup on * (explicitDeny by deny-network-changes), needed by AppSecurityGroup; simulated on resource * because the name is generated at deploy time, so a policy scoped to specific ARNs shows as denied here`,
        fix: `allow ec2:CreateSecurityGroup on * in a policy of ${ROLE}, and remove the explicit deny in deny-network-changes`,
      },
      {
        id: 'permissions.denied',
        severity: 'warning',
        resource: 'ApiTaskDefinition',
        message: `${ROLE} may not iam:PassRole on arn:aws:iam::111122223333:role/orders-prod-TaskExecutionRole-* (implicitDeny), needed by ApiTaskDefinition`,
        fix: `allow iam:PassRole on arn:aws:iam::111122223333:role/orders-prod-TaskExecutionRole-* in a policy of ${ROLE}`,
      },
      { id: 'permissions.simulated', severity: 'info', message: `5 of 7 actions allowed for ${ROLE} (IAM policy simulator)`, fix: '' },
      { id: 'permissions.unmapped', severity: 'info', message: 'create permissions not simulated for Custom::DatabaseMigration (no action map for these types)', fix: '' },
    ]);
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, {
      PolicySourceArn: ROLE,
      ActionNames: ['cloudformation:CreateStack'],
      ResourceArns: [STACK_ARN],
      ContextEntries: [{ ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string', ContextKeyValues: [R] }],
    });
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, { PolicySourceArn: ROLE, ActionNames: ['s3:CreateBucket'], ResourceArns: ['arn:aws:s3:::orders-prod-assets-111122223333'] });
  });

  it('reads a recorded simulator answer: allowed and explicitDeny', async () => {
    simulator();
    iam.on(SimulatePrincipalPolicyCommand, { ResourceArns: ['*'] }).resolves(fixture('api/preflight-simulate-principal-policy.json'));
    const t = parseTemplate('Resources:\n  Vpc: {Type: AWS::EC2::VPC}\n  Sg: {Type: AWS::EC2::SecurityGroup}\n');
    const findings = await permissionsCheck.run(context(t));
    expect(findings.filter((f) => f.id === 'permissions.denied').map((f) => f.message)).toEqual([
      `${ROLE} may not ec2:CreateSecurityGroup on * (explicitDeny by deny-network-changes), needed by Sg; simulated on resource * because the name is generated at deploy time, so a policy scoped to specific ARNs shows as denied here`,
    ]);
  });

  it('an existing stack with a service role: the caller needs UpdateStack and PassRole, the role needs the create actions', async () => {
    const SERVICE_ROLE = 'arn:aws:iam::111122223333:role/cfn-orders-deployer';
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'orders-prod', StackStatus: 'UPDATE_COMPLETE', RoleARN: SERVICE_ROLE, CreationTime: new Date() }] });
    simulator({ 's3:CreateBucket': 'implicitDeny' });
    const findings = await permissionsCheck.run(context());
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, { PolicySourceArn: ROLE, ActionNames: ['cloudformation:UpdateStack'] });
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, { PolicySourceArn: ROLE, ActionNames: ['iam:PassRole'], ResourceArns: [SERVICE_ROLE] });
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, { PolicySourceArn: SERVICE_ROLE, ActionNames: ['s3:CreateBucket'] });
    expect(iam).not.toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, { PolicySourceArn: ROLE, ActionNames: ['s3:CreateBucket'] });
    expect(findings.filter((f) => f.severity === 'warning').map((f) => f.message)).toEqual([
      `the stack's service role ${SERVICE_ROLE} may not s3:CreateBucket on arn:aws:s3:::orders-prod-assets-111122223333 (implicitDeny), needed by AssetsBucket`,
    ]);
  });

  it('when the simulator itself is denied: could not check, never a pass', async () => {
    iam.on(SimulatePrincipalPolicyCommand).rejects(
      Object.assign(new Error(`User: arn:aws:sts::111122223333:assumed-role/ci-deploy/GitHubActions is not authorized to perform: iam:SimulatePrincipalPolicy on resource: ${ROLE}`), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const findings = await permissionsCheck.run(context());
    expect(findings[0]).toEqual({
      id: 'permissions.not-checked',
      severity: 'info',
      resource: ROLE,
      message: `could not check the permissions of ${ROLE}: iam:SimulatePrincipalPolicy failed (AccessDenied: User: arn:aws:sts::111122223333:assumed-role/ci-deploy/GitHubActions is not authorized to perform: iam:SimulatePrincipalPolicy on resource: ${ROLE})`,
      fix: `allow iam:SimulatePrincipalPolicy on ${ROLE} for the CI role to have them checked`,
    });
    expect(findings.some((f) => f.id === 'permissions.simulated')).toBe(false);
  });

  it('without iam:GetRole, the assumed role maps to a path-less role ARN, and says so', async () => {
    iam.on(GetRoleCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    simulator();
    const findings = await permissionsCheck.run(context());
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, { PolicySourceArn: 'arn:aws:iam::111122223333:role/ci-deploy' });
    expect(findings.find((f) => f.id === 'permissions.simulated')!.message).toBe(
      '7 of 7 actions allowed for arn:aws:iam::111122223333:role/ci-deploy (role path unknown (no iam:GetRole): assumed /) (IAM policy simulator)',
    );
  });

  it('an IAM user is simulated as itself; root cannot be simulated', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/ci', UserId: 'AIDAEXAMPLE' });
    simulator();
    await permissionsCheck.run(context());
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, { PolicySourceArn: 'arn:aws:iam::111122223333:user/ci' });

    iam.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:root', UserId: '111122223333' });
    expect(await permissionsCheck.run(context())).toEqual([
      {
        id: 'permissions.not-checked',
        severity: 'info',
        resource: 'arn:aws:iam::111122223333:root',
        message: 'could not check permissions: the caller is the root user, which the simulator cannot evaluate (and which may do everything)',
        fix: '',
      },
    ]);
    expect(iam).not.toHaveReceivedCommand(SimulatePrincipalPolicyCommand);
  });

  it('without a template, only the permission to start the deploy is checked, and it says so', async () => {
    simulator();
    const findings = await permissionsCheck.run(createPreflightContext({ stackName: 'orders-prod', region: R, clients: createPreflightClients({ region: R }) }));
    expect(findings.map((f) => f.id)).toEqual(['permissions.simulated', 'permissions.no-template']);
  });
});
