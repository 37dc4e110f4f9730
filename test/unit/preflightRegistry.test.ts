/**
 * The registry as a whole (the Cloud Custodian test): every check declares read-only IAM
 * actions that cover every call it makes, docs/preflight.md describes every check and carries
 * the generated policy, and the runner never crashes and never passes what it did not check.
 */
import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { DescribeDBSubnetGroupsCommand, RDSClient } from '@aws-sdk/client-rds';
import { HeadBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPreflightClients } from '../../shared/preflight/clients';
import { createPreflightContext } from '../../shared/preflight/context';
import { PREFLIGHT_CHECKS, preflightIamPolicy, runPreflight } from '../../shared/preflight/registry';
import { renderReport } from '../../shared/preflight/render';
import { parseTemplate } from '../../shared/preflight/template';
import type { PreflightCheck } from '../../shared/preflight/types';
import { fixture } from '../support/fixtures';

/** Each mocked client, with the IAM prefix of its service. */
// `any`: one list over thirteen client types.
const MOCKS: Array<[string, AwsStub<any, any, any>]> = [
  ['sts', mockClient(STSClient)],
  ['cloudformation', mockClient(CloudFormationClient)],
  ['ec2', mockClient(EC2Client)],
  ['rds', mockClient(RDSClient)],
  ['s3', mockClient(S3Client)],
  ['iam', mockClient(IAMClient)],
  ['servicequotas', mockClient(ServiceQuotasClient)],
  ['dynamodb', mockClient(DynamoDBClient)],
  ['ecs', mockClient(ECSClient)],
  ['sns', mockClient(SNSClient)],
  ['elasticloadbalancing', mockClient(ElasticLoadBalancingV2Client)],
  ['ecr', mockClient(ECRClient)],
  ['logs', mockClient(CloudWatchLogsClient)],
];
const mock = (prefix: string) => MOCKS.find(([p]) => p === prefix)![1];
afterEach(() => MOCKS.forEach(([, m]) => m.reset()));

/** Calls whose IAM action is not `prefix:Operation`. */
const IAM_ACTION_OF: Record<string, string | null> = {
  'sts:GetCallerIdentity': null, // needs no permission
  's3:HeadBucket': 's3:ListBucket',
  's3:ListBuckets': 's3:ListAllMyBuckets',
};
const READ_ONLY = /^[a-z0-9-]+:(Describe|List|Get|Head|Simulate)[A-Za-z]*$/;

const R = 'eu-west-1';
const OLD_STACK = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/orders-prod/0e7d6c5b-0a1b-11f0-8a2b-06c1f4e5d3a1';
const template = () => parseTemplate(readFileSync('test/fixtures/templates/orders-service.yaml', 'utf8'));
const context = (withTemplate = true) =>
  createPreflightContext({ stackName: 'orders-prod', region: R, ...(withTemplate ? { template: template() } : {}), clients: createPreflightClients({ region: R }) });

/** An account where every check goes down its longest path: a stack, orphans, taken names. */
function busyAccount() {
  MOCKS.forEach(([, m]) => m.onAnyCommand().resolves({}));
  const tags = [
    { Key: 'aws:cloudformation:stack-name', Value: 'orders-prod' },
    { Key: 'aws:cloudformation:stack-id', Value: OLD_STACK },
  ];
  mock('sts').on(GetCallerIdentityCommand).resolves(fixture('api/preflight-get-caller-identity-assumed-role.json'));
  mock('cloudformation').on(DescribeStacksCommand).resolves(fixture('api/preflight-describe-stacks-update-rollback-failed.json'));
  mock('cloudformation').on(ListStackResourcesCommand).resolves(fixture('api/preflight-list-stack-resources-update-rollback-failed.json'));
  mock('ec2').on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'orders-prod-app', Tags: tags }] });
  mock('ec2').on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1', Status: 'available', Groups: [{ GroupId: 'sg-1' }] }] });
  mock('rds').on(DescribeDBSubnetGroupsCommand).resolves({ DBSubnetGroups: [{ DBSubnetGroupName: 'orders-prod-db', DBSubnetGroupArn: 'arn:aws:rds:eu-west-1:111122223333:subgrp:orders-prod-db' }] });
  mock('s3').on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'orders-prod-assets-111122223333' }] });
  mock('s3').on(HeadBucketCommand).resolves({ BucketRegion: R });
  mock('iam').on(GetRoleCommand).resolves({ Role: { Arn: 'arn:aws:iam::111122223333:role/ci-deploy' } as never });
  mock('iam').on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [], IsTruncated: false });
  mock('servicequotas').on(GetServiceQuotaCommand).rejects(Object.assign(new Error('no'), { name: 'NoSuchResourceException' }));
}

const check = (name: string, overrides: Partial<PreflightCheck> = {}): PreflightCheck => ({
  name,
  summary: name,
  iamActions: [],
  needsTemplate: false,
  run: async () => [{ id: `${name}.ok`, severity: 'info', message: 'ok', fix: '' }],
  ...overrides,
});

describe('Preflight registry', () => {
  it('every check has a unique kebab-case name, a summary, and only read-only IAM actions', () => {
    const names = PREFLIGHT_CHECKS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of PREFLIGHT_CHECKS) {
      expect(c.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(c.summary.length).toBeGreaterThan(20);
      for (const action of c.iamActions) expect(action, `${c.name} declares ${action}`).toMatch(READ_ONLY);
    }
    expect(names).toEqual(['credentials', 'stack-state', 'orphans', 'name-clash', 'permissions', 'quotas', 'ecr-image']);
  });

  it.each(PREFLIGHT_CHECKS.map((c) => [c.name, c] as const))('%s only reads, and declares every IAM action it uses', async (_, c) => {
    busyAccount();
    await c.run(context());
    const used = MOCKS.flatMap(([prefix, m]) =>
      m.calls().map((call) => `${prefix}:${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`),
    );
    expect(used.length).toBeGreaterThan(0);
    for (const call of used) {
      expect(call, 'a write call').toMatch(READ_ONLY);
      const action = call in IAM_ACTION_OF ? IAM_ACTION_OF[call] : call;
      if (action !== null) expect(c.iamActions, `${c.name} calls ${call}`).toContain(action);
    }
  });

  describe('docs/preflight.md', () => {
    const docs = readFileSync('docs/preflight.md', 'utf8');

    it('describes every check under its name', () => {
      for (const c of PREFLIGHT_CHECKS) expect(docs).toContain(`### \`${c.name}\``);
    });

    it('carries exactly the IAM policy the registry generates', () => {
      const block = /## IAM policy for CI[\s\S]*?```json\n([\s\S]*?)```/.exec(docs)?.[1];
      expect(block, 'a ```json block under "## IAM policy for CI"').toBeDefined();
      expect(JSON.parse(block!)).toEqual(preflightIamPolicy());
    });
  });

  describe('runPreflight', () => {
    beforeEach(() => mock('sts').on(GetCallerIdentityCommand).resolves(fixture('api/preflight-get-caller-identity-assumed-role.json')));

    it('a check that throws becomes "could not check", and the others still run', async () => {
      const report = await runPreflight(context(), [
        check('alpha', { run: async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })) }),
        check('beta'),
      ]);
      expect(report).toEqual({
        stack: 'orders-prod',
        account: '111122223333',
        findings: [
          { id: 'alpha.could-not-check', severity: 'info', message: 'could not check: ThrottlingException: Rate exceeded', fix: '' },
          { id: 'beta.ok', severity: 'info', message: 'ok', fix: '' },
        ],
        summary: { blocking: 0, warning: 0, info: 2, verdict: 'clear', region: R },
      });
    });

    it('a check that needs the template says it was skipped without one', async () => {
      const report = await runPreflight(context(false), [check('gamma', { needsTemplate: true })]);
      expect(report.findings).toEqual([{ id: 'gamma.skipped', severity: 'info', message: 'not checked: needs --template FILE', fix: '' }]);
    });

    it('when the credentials gate blocks, nothing else runs, and the verdict is blocked', async () => {
      mock('sts').on(GetCallerIdentityCommand).rejects(Object.assign(new Error('The security token included in the request is invalid.'), { name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } }));
      let ran = false;
      const report = await runPreflight(context(), [
        PREFLIGHT_CHECKS[0]!,
        check('delta', { run: async () => ((ran = true), []) }),
      ]);
      expect(ran).toBe(false);
      expect(report).toEqual({
        stack: 'orders-prod',
        account: null,
        findings: [
          {
            id: 'credentials.unavailable',
            severity: 'blocking',
            message: 'no working AWS credentials: STS GetCallerIdentity failed (InvalidClientTokenId: The security token included in the request is invalid.)',
            fix: 'give the CI job credentials for the target account (GitHub Actions: aws-actions/configure-aws-credentials with role-to-assume), or check AWS_PROFILE / AWS_ACCESS_KEY_ID',
          },
          { id: 'delta.skipped', severity: 'info', message: 'not checked: credentials failed', fix: '' },
        ],
        summary: { blocking: 1, warning: 0, info: 1, verdict: 'blocked', region: R },
      });
      expect(renderReport(report).split('\n')).toEqual([
        'BLOCKING credentials.unavailable: no working AWS credentials: STS GetCallerIdentity failed (InvalidClientTokenId: The security token included in the request is invalid.) -- fix: give the CI job credentials for the target account (GitHub Actions: aws-actions/configure-aws-credentials with role-to-assume), or check AWS_PROFILE / AWS_ACCESS_KEY_ID',
        'INFO     delta.skipped: not checked: credentials failed',
        'preflight orders-prod in unknown account/eu-west-1: 1 blocking, 0 warnings, 1 info - blocked: fix the blocking findings before deploying',
        '',
      ]);
    });

    it('credentials that work: who and where, and a warning for root', async () => {
      mock('sts').on(GetCallerIdentityCommand).resolves({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:root', UserId: '111122223333' });
      const report = await runPreflight(context(), [PREFLIGHT_CHECKS[0]!]);
      expect(report.findings).toEqual([
        { id: 'credentials.caller', severity: 'info', resource: 'arn:aws:iam::111122223333:root', message: 'deploying stack orders-prod to account 111122223333 in eu-west-1 as arn:aws:iam::111122223333:root', fix: '' },
        {
          id: 'credentials.root',
          severity: 'warning',
          resource: 'arn:aws:iam::111122223333:root',
          message: 'CI is using the root user of account 111122223333: every action is allowed and nothing is attributable',
          fix: 'deploy with a dedicated IAM role (for GitHub Actions: an OIDC role assumed with aws-actions/configure-aws-credentials) and delete the root access keys',
        },
      ]);
      expect(report.summary.verdict).toBe('clear');
    });
  });
});
