/**
 * Check: quotas. For resource types with well-known account quotas, current usage plus what
 * the template adds (minus what the stack already has) against the quota — your account's
 * value from Service Quotas, or AWS's default, labelled as such, when Service Quotas cannot
 * be read. Over the quota the create fails (QUOTA_LIMIT) after CloudFormation has already
 * created half the stack; near it, the next deploy will.
 */
import {
  paginateDescribeInternetGateways,
  paginateDescribeSecurityGroups,
  paginateDescribeVpcs,
  DescribeAddressesCommand,
} from '@aws-sdk/client-ec2';
import { paginateDescribeDBInstances } from '@aws-sdk/client-rds';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { describeError, shortError } from '../awsErrors';
import { resourcesOfType } from '../template';
import type { Finding, PreflightCheck, PreflightContext } from '../types';

/** Share of the quota from which a deploy is "near the limit". */
export const NEAR_LIMIT = 0.8;

export interface QuotaSpec {
  /** The template resource type that uses the quota. */
  type: string;
  /** AWS's name for the quota. */
  name: string;
  serviceCode: string;
  quotaCode: string;
  /** AWS's default value, used (and labelled) only when Service Quotas cannot be read. */
  defaultValue: number;
  /** Current usage in the region. */
  usage(context: PreflightContext): Promise<number>;
  /** Other template resources that also consume it (each new VPC brings a default security group). */
  alsoCountedFrom?: string;
  iamActions: readonly string[];
}

async function count<T>(pages: AsyncIterable<T>, pick: (page: T) => unknown[] | undefined): Promise<number> {
  let n = 0;
  for await (const page of pages) n += pick(page)?.length ?? 0;
  return n;
}

export const QUOTAS: readonly QuotaSpec[] = [
  {
    type: 'AWS::EC2::VPC',
    name: 'VPCs per Region',
    serviceCode: 'vpc',
    quotaCode: 'L-F678F1CE',
    defaultValue: 5,
    usage: (c) => count(paginateDescribeVpcs({ client: c.clients.ec2 }, {}), (p) => p.Vpcs),
    iamActions: ['ec2:DescribeVpcs'],
  },
  {
    type: 'AWS::EC2::InternetGateway',
    name: 'Internet gateways per Region',
    serviceCode: 'vpc',
    quotaCode: 'L-A4707A72',
    defaultValue: 5,
    usage: (c) => count(paginateDescribeInternetGateways({ client: c.clients.ec2 }, {}), (p) => p.InternetGateways),
    iamActions: ['ec2:DescribeInternetGateways'],
  },
  {
    type: 'AWS::EC2::SecurityGroup',
    name: 'VPC security groups per Region',
    serviceCode: 'vpc',
    quotaCode: 'L-E79EC296',
    defaultValue: 2500,
    usage: (c) => count(paginateDescribeSecurityGroups({ client: c.clients.ec2 }, {}), (p) => p.SecurityGroups),
    alsoCountedFrom: 'AWS::EC2::VPC',
    iamActions: ['ec2:DescribeSecurityGroups'],
  },
  {
    type: 'AWS::EC2::EIP',
    name: 'EC2-VPC Elastic IPs',
    serviceCode: 'ec2',
    quotaCode: 'L-0263D0A3',
    defaultValue: 5,
    usage: async (c) => (await c.clients.ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: 'domain', Values: ['vpc'] }] }))).Addresses?.length ?? 0,
    iamActions: ['ec2:DescribeAddresses'],
  },
  {
    type: 'AWS::RDS::DBInstance',
    name: 'DB instances',
    serviceCode: 'rds',
    quotaCode: 'L-7B6409FD',
    defaultValue: 40,
    usage: (c) => count(paginateDescribeDBInstances({ client: c.clients.rds }, {}), (p) => p.DBInstances),
    iamActions: ['rds:DescribeDBInstances'],
  },
];

interface QuotaValue {
  value: number;
  source: string;
}

/** Your account's value; else AWS's default from Service Quotas; else the built-in default, labelled. */
async function quotaValue(spec: QuotaSpec, context: PreflightContext): Promise<QuotaValue> {
  const sq = context.clients.serviceQuotas;
  const ref = `${spec.serviceCode}/${spec.quotaCode}`;
  let why: string;
  try {
    const out = await sq.send(new GetServiceQuotaCommand({ ServiceCode: spec.serviceCode, QuotaCode: spec.quotaCode }));
    if (out.Quota?.Value !== undefined) return { value: out.Quota.Value, source: `your account's quota, Service Quotas ${ref}` };
    why = 'GetServiceQuota returned no value';
  } catch (error) {
    why = `GetServiceQuota: ${shortError(error)}`;
  }
  try {
    const out = await sq.send(new GetAWSDefaultServiceQuotaCommand({ ServiceCode: spec.serviceCode, QuotaCode: spec.quotaCode }));
    if (out.Quota?.Value !== undefined) return { value: out.Quota.Value, source: `AWS default from Service Quotas ${ref} (${why}); your account may have more` };
  } catch (error) {
    why += `, GetAWSDefaultServiceQuota: ${shortError(error)}`;
  }
  return { value: spec.defaultValue, source: `AWS default ${spec.defaultValue}, not read from your account (${why}); your account may have more` };
}

export const quotasCheck: PreflightCheck = {
  name: 'quotas',
  summary: 'Usage + what the template adds against account quotas (VPCs, internet gateways, security groups, Elastic IPs, DB instances)',
  iamActions: [
    'servicequotas:GetServiceQuota',
    'servicequotas:GetAWSDefaultServiceQuota',
    'cloudformation:DescribeStacks',
    'cloudformation:ListStackResources',
    ...new Set(QUOTAS.flatMap((q) => q.iamActions)),
  ],
  needsTemplate: true,

  async run(context) {
    const template = context.template!;
    const inStack = await context.stackResources();
    const added = (type: string) => Math.max(0, resourcesOfType(template, type).length - inStack.filter((r) => r.ResourceType === type).length);

    const relevant = QUOTAS.filter((q) => resourcesOfType(template, q.type).length > 0);
    if (relevant.length === 0) {
      return [{ id: 'quotas.none', severity: 'info', message: `the template creates none of the types with a tracked quota (${QUOTAS.map((q) => q.type).join(', ')})`, fix: '' }];
    }
    return Promise.all(
      relevant.map(async (spec): Promise<Finding> => {
        const adds = added(spec.type) + (spec.alsoCountedFrom ? added(spec.alsoCountedFrom) : 0);
        const resource = resourcesOfType(template, spec.type).map((r) => r.logicalId).join(', ');
        let used: number;
        try {
          used = await spec.usage(context);
        } catch (error) {
          return { id: 'quotas.could-not-check', severity: 'info', resource, message: `${spec.name}: could not count current usage (${describeError(error)})`, fix: '' };
        }
        const quota = await quotaValue(spec, context);
        const after = used + adds;
        const line = `${spec.name}: ${used} in use + ${adds} from the template = ${after} of ${quota.value} (${quota.source})`;
        const increase = `aws service-quotas request-service-quota-increase --service-code ${spec.serviceCode} --quota-code ${spec.quotaCode} --desired-value ${Math.max(after, Math.ceil(quota.value * 1.5))} --region ${context.region}`;
        const id = `quotas.${spec.quotaCode}`;
        // Already over with nothing added (a lowered quota): the deploy creates nothing that counts.
        if (adds > 0 && after > quota.value) {
          return { id, severity: 'blocking', resource, message: `${line}: over the quota, the create would fail (QUOTA_LIMIT)`, fix: `delete unused ones (see orphans), or ${increase}` };
        }
        if (adds > 0 && after >= quota.value * NEAR_LIMIT) {
          return { id, severity: 'warning', resource, message: `${line}: near the limit`, fix: `before the next one: ${increase}` };
        }
        return { id, severity: 'info', resource, message: line, fix: '' };
      }),
    );
  },
};
