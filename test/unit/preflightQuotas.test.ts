import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAddressesCommand, DescribeSecurityGroupsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quotasCheck } from '../../shared/preflight/checks/quotas';
import { createPreflightClients } from '../../shared/preflight/clients';
import { createPreflightContext } from '../../shared/preflight/context';
import { parseTemplate } from '../../shared/preflight/template';
import { fixture } from '../support/fixtures';

const cfn = mockClient(CloudFormationClient);
const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
const sq = mockClient(ServiceQuotasClient);
afterEach(() => [cfn, ec2, rds, sq].forEach((m) => m.reset()));

const R = 'eu-west-1';
const err = (name: string, httpStatusCode = 400) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
const missing = Object.assign(err('ValidationError'), { message: 'Stack with id orders-prod does not exist' });
const run = (yaml: string) =>
  quotasCheck.run(createPreflightContext({ stackName: 'orders-prod', region: R, template: parseTemplate(`Resources:\n${yaml}`), clients: createPreflightClients({ region: R }) }));
const vpcs = (n: number) => ({ Vpcs: Array.from({ length: n }, (_, i) => ({ VpcId: `vpc-${i}` })) });
const VPC = '  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: { CidrBlock: 10.20.0.0/16 }\n';
const INCREASE = `aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-F678F1CE`;

beforeEach(() => {
  cfn.on(DescribeStacksCommand).rejects(missing);
  sq.on(GetServiceQuotaCommand, { ServiceCode: 'vpc', QuotaCode: 'L-F678F1CE' }).resolves(fixture('api/preflight-get-service-quota-vpcs.json'));
});

describe('Check: quotas', () => {
  it('well under the quota: one info line with the numbers and where the quota came from', async () => {
    ec2.on(DescribeVpcsCommand).resolves(vpcs(2));
    expect(await run(VPC)).toEqual([
      { id: 'quotas.L-F678F1CE', severity: 'info', resource: 'Vpc', message: "VPCs per Region: 2 in use + 1 from the template = 3 of 5 (your account's quota, Service Quotas vpc/L-F678F1CE)", fix: '' },
    ]);
    expect(sq).toHaveReceivedCommandWith(GetServiceQuotaCommand, { ServiceCode: 'vpc', QuotaCode: 'L-F678F1CE' });
  });

  it('reaching the quota is a warning, with the increase request to file before the next one', async () => {
    ec2.on(DescribeVpcsCommand).resolves(vpcs(4));
    expect(await run(VPC)).toEqual([
      {
        id: 'quotas.L-F678F1CE',
        severity: 'warning',
        resource: 'Vpc',
        message: "VPCs per Region: 4 in use + 1 from the template = 5 of 5 (your account's quota, Service Quotas vpc/L-F678F1CE): near the limit",
        fix: `before the next one: ${INCREASE} --desired-value 8 --region ${R}`,
      },
    ]);
  });

  it('going over it blocks: the create would fail with QUOTA_LIMIT', async () => {
    ec2.on(DescribeVpcsCommand).resolves(vpcs(5));
    expect(await run(VPC)).toEqual([
      {
        id: 'quotas.L-F678F1CE',
        severity: 'blocking',
        resource: 'Vpc',
        message: "VPCs per Region: 5 in use + 1 from the template = 6 of 5 (your account's quota, Service Quotas vpc/L-F678F1CE): over the quota, the create would fail (QUOTA_LIMIT)",
        fix: `delete unused ones (see orphans), or ${INCREASE} --desired-value 8 --region ${R}`,
      },
    ]);
  });

  it('already over the quota with nothing added does not block this deploy', async () => {
    cfn.on(DescribeStacksCommand).resolves(fixture('api/preflight-describe-stacks-update-rollback-failed.json'));
    cfn.on(ListStackResourcesCommand).resolves(fixture('api/preflight-list-stack-resources-update-rollback-failed.json'));
    ec2.on(DescribeVpcsCommand).resolves(vpcs(6));
    expect(await run(VPC)).toMatchObject([{ severity: 'info', message: "VPCs per Region: 6 in use + 0 from the template = 6 of 5 (your account's quota, Service Quotas vpc/L-F678F1CE)" }]);
  });

  it("falls back to AWS's default from Service Quotas, then to the built-in default, and labels each", async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: 'eipalloc-1' }] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    sq.on(GetServiceQuotaCommand, { ServiceCode: 'ec2' }).rejects(err('NoSuchResourceException'));
    sq.on(GetAWSDefaultServiceQuotaCommand, { ServiceCode: 'ec2' }).resolves({ Quota: { QuotaCode: 'L-0263D0A3', Value: 5 } });
    sq.on(GetServiceQuotaCommand, { ServiceCode: 'rds' }).rejects(err('AccessDeniedException'));
    sq.on(GetAWSDefaultServiceQuotaCommand, { ServiceCode: 'rds' }).rejects(err('InternalFailure', 500));
    const findings = await run('  NatEip:\n    Type: AWS::EC2::EIP\n  Database:\n    Type: AWS::RDS::DBInstance\n');
    expect(findings.map((f) => f.message)).toEqual([
      'EC2-VPC Elastic IPs: 1 in use + 1 from the template = 2 of 5 (AWS default from Service Quotas ec2/L-0263D0A3 (GetServiceQuota: NoSuchResourceException); your account may have more)',
      'DB instances: 0 in use + 1 from the template = 1 of 40 (AWS default 40, not read from your account (GetServiceQuota: AccessDeniedException, GetAWSDefaultServiceQuota: HTTP 500); your account may have more)',
    ]);
    expect(ec2).toHaveReceivedCommandWith(DescribeAddressesCommand, { Filters: [{ Name: 'domain', Values: ['vpc'] }] });
  });

  it('an update counts only what the stack does not have yet; a new VPC brings a default security group', async () => {
    cfn.on(DescribeStacksCommand).resolves(fixture('api/preflight-describe-stacks-update-rollback-failed.json'));
    cfn.on(ListStackResourcesCommand).resolves(fixture('api/preflight-list-stack-resources-update-rollback-failed.json'));
    ec2.on(DescribeVpcsCommand).resolves(vpcs(3));
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-1' }, { GroupId: 'sg-2' }] });
    sq.on(GetServiceQuotaCommand, { QuotaCode: 'L-E79EC296' }).resolves({ Quota: { Value: 2500 } });
    const findings = await run(`${VPC}  AppSecurityGroup:\n    Type: AWS::EC2::SecurityGroup\n`);
    expect(findings.map((f) => f.message)).toEqual([
      // The stack already has its VPC: nothing added.
      "VPCs per Region: 3 in use + 0 from the template = 3 of 5 (your account's quota, Service Quotas vpc/L-F678F1CE)",
      "VPC security groups per Region: 2 in use + 1 from the template = 3 of 2500 (your account's quota, Service Quotas vpc/L-E79EC296)",
    ]);
  });

  it('usage that cannot be counted is "could not check", not a pass', async () => {
    ec2.on(DescribeVpcsCommand).rejects(err('UnauthorizedOperation', 403));
    expect(await run(VPC)).toEqual([
      { id: 'quotas.could-not-check', severity: 'info', resource: 'Vpc', message: 'VPCs per Region: could not count current usage (UnauthorizedOperation)', fix: '' },
    ]);
  });

  it('a template without quota-tracked types says which types are tracked', async () => {
    expect(await run('  Bucket:\n    Type: AWS::S3::Bucket\n')).toEqual([
      {
        id: 'quotas.none',
        severity: 'info',
        message: 'the template creates none of the types with a tracked quota (AWS::EC2::VPC, AWS::EC2::InternetGateway, AWS::EC2::SecurityGroup, AWS::EC2::EIP, AWS::RDS::DBInstance)',
        fix: '',
      },
    ]);
  });
});
