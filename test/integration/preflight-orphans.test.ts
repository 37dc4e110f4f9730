/**
 * `medic preflight` against moto_server, as CI runs it (a child process, AWS_ENDPOINT_URL
 * pointing at moto, dummy credentials), in the account a failed first deploy of the orders
 * service left behind: its VPC, subnet and security group — with an ENI nobody deleted — and
 * its DB subnet group, all still tagged with a stack that no longer exists; a bucket and a log
 * group with the names the template wants; one image pushed, the other not.
 *
 * The test uses its own region (eu-south-2), so the shared moto server's other tests do not
 * change the quota numbers, and a unique stack name.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client, type Tag } from '@aws-sdk/client-ec2';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { CreateDBSubnetGroupCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { localClientConfig } from '../../cli/local/localAws';

const run = promisify(execFile);
const REGION = 'eu-south-2';
const ACCOUNT = '123456789012'; // moto's
const STACK = `orders-${randomUUID().slice(0, 8)}`;
const OLD_STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK}/0e7d6c5b-0a1b-11f0-8a2b-06c1f4e5d3a1`;
const TEMPLATE = 'test/fixtures/templates/orders-service.yaml';

const endpoint = inject('motoEndpoint');
const config = { ...localClientConfig(endpoint), region: REGION };
/** What CloudFormation puts on every resource it creates. */
const cfnTags = (logicalId: string): Tag[] => [
  { Key: 'aws:cloudformation:stack-name', Value: STACK },
  { Key: 'aws:cloudformation:stack-id', Value: OLD_STACK_ID },
  { Key: 'aws:cloudformation:logical-id', Value: logicalId },
];
const manifest = (n: number) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: `sha256:${String(n).repeat(64).slice(0, 64)}` },
    layers: [],
  });

async function medic(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/medic.mjs', 'preflight', ...args], {
      env: {
        ...env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        // moto answers some calls with HTTP 500 (SimulatePrincipalPolicy): no point retrying them.
        AWS_MAX_ATTEMPTS: '1',
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const seeded = { vpcId: '', subnetId: '', groupId: '', eniId: '' };

beforeAll(async () => {
  const ec2 = new EC2Client(config);
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: cfnTags('Vpc') }] }));
  seeded.vpcId = vpc.Vpc!.VpcId!;
  const subnet = await ec2.send(
    new CreateSubnetCommand({ VpcId: seeded.vpcId, CidrBlock: '10.20.1.0/24', TagSpecifications: [{ ResourceType: 'subnet', Tags: cfnTags('PrivateSubnetA') }] }),
  );
  seeded.subnetId = subnet.Subnet!.SubnetId!;
  const group = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${STACK}-app`,
      Description: 'orders API tasks',
      VpcId: seeded.vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: cfnTags('AppSecurityGroup') }],
    }),
  );
  seeded.groupId = group.GroupId!;
  // An interface nobody attached to anything any more: it keeps the group from being deleted.
  const eni = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: seeded.subnetId, Groups: [seeded.groupId], Description: 'orders outbox relay' }));
  seeded.eniId = eni.NetworkInterface!.NetworkInterfaceId!;

  await new RDSClient(config).send(
    new CreateDBSubnetGroupCommand({
      DBSubnetGroupName: `${STACK}-db`,
      DBSubnetGroupDescription: 'orders database subnets',
      SubnetIds: [seeded.subnetId],
      Tags: cfnTags('DatabaseSubnetGroup'),
    }),
  );
  // S3 refuses aws:* tags from callers (moto too): the bucket is just there, with the template's name.
  await new S3Client(config).send(new CreateBucketCommand({ Bucket: `${STACK}-assets-${ACCOUNT}`, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await new CloudWatchLogsClient(config).send(new CreateLogGroupCommand({ logGroupName: `/ecs/${STACK}/api` }));

  const ecr = new ECRClient(config);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: `${STACK}/api` }));
  await ecr.send(new PutImageCommand({ repositoryName: `${STACK}/api`, imageTag: '1.4.2', imageManifest: manifest(1) }));
  await ecr.send(new CreateRepositoryCommand({ repositoryName: `${STACK}/outbox-worker` }));
  await ecr.send(new PutImageCommand({ repositoryName: `${STACK}/outbox-worker`, imageTag: '1.4.1', imageManifest: manifest(2) }));
});

describe('medic preflight against moto: what a failed first deploy left behind', () => {
  it('finds the orphans, the name clashes and the missing image, and exits 1', async () => {
    const { code, stdout, stderr } = await medic('--stack', STACK, '--template', TEMPLATE, '--region', REGION, '--json');
    expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
    const report = JSON.parse(stdout);
    const { vpcId, subnetId, groupId, eniId } = seeded;
    const gone = `(${OLD_STACK_ID}), which no longer exists`;
    const api = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${STACK}/api:1.4.2`;
    const worker = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${STACK}/outbox-worker:1.4.2`;

    expect(report).toEqual({
      stack: STACK,
      account: ACCOUNT,
      findings: [
        {
          id: 'credentials.caller',
          severity: 'info',
          resource: `arn:aws:sts::${ACCOUNT}:user/moto`,
          message: `deploying stack ${STACK} to account ${ACCOUNT} in ${REGION} as arn:aws:sts::${ACCOUNT}:user/moto`,
          fix: '',
        },
        { id: 'stack-state.new', severity: 'info', resource: STACK, message: `stack ${STACK} does not exist in ${REGION}: the deploy creates it`, fix: '' },
        {
          id: 'orphans.available-eni',
          severity: 'warning',
          resource: eniId,
          message: `network interface ${eniId} "orders outbox relay" in ${subnetId} is available (attached to nothing) and is in security group ${groupId}, which stack ${STACK} left behind`,
          fix: `aws ec2 delete-network-interface --network-interface-id ${eniId} --region ${REGION}`,
        },
        {
          id: 'orphans.db-subnet-group',
          severity: 'warning',
          resource: `${STACK}-db`,
          message: `DB subnet group ${STACK}-db in ${vpcId} was created as DatabaseSubnetGroup by stack ${STACK} ${gone}`,
          fix: `aws rds delete-db-subnet-group --db-subnet-group-name ${STACK}-db --region ${REGION}`,
        },
        {
          id: 'orphans.security-group',
          severity: 'warning',
          resource: groupId,
          message: `security group ${groupId} "${STACK}-app" in ${vpcId} was created as AppSecurityGroup by stack ${STACK} ${gone}`,
          fix: `aws ec2 delete-security-group --group-id ${groupId} --region ${REGION} (after its network interfaces above)`,
        },
        {
          id: 'orphans.subnet',
          severity: 'warning',
          resource: subnetId,
          message: `subnet ${subnetId} (10.20.1.0/24) in ${vpcId} was created as PrivateSubnetA by stack ${STACK} ${gone}`,
          fix: `aws ec2 delete-subnet --subnet-id ${subnetId} --region ${REGION}`,
        },
        {
          id: 'orphans.vpc',
          severity: 'warning',
          resource: vpcId,
          message: `VPC ${vpcId} (10.20.0.0/16) was created as Vpc by stack ${STACK} ${gone}; it counts against the VPCs-per-Region quota`,
          fix: `aws ec2 delete-vpc --vpc-id ${vpcId} --region ${REGION} (after what is left in it: subnets, security groups, internet gateways)`,
        },
        {
          id: 'name-clash.not-checked',
          severity: 'info',
          resource: 'OrdersTable',
          message: 'TableName of OrdersTable (AWS::DynamoDB::Table) is !Ref OrdersTableName, known only at deploy time: not checked',
          fix: '',
        },
        {
          id: 'name-clash.exists',
          severity: 'blocking',
          resource: 'DatabaseSubnetGroup',
          message: `DB subnet group "${STACK}-db" already exists, outside stack ${STACK}: the create of DatabaseSubnetGroup would fail with ALREADY_EXISTS`,
          fix: `rename it in the template (or drop DBSubnetGroupName and let CloudFormation name it), import the existing one into the stack (a change set of type IMPORT), or delete it if nothing uses it: aws rds delete-db-subnet-group --db-subnet-group-name ${STACK}-db --region ${REGION}`,
        },
        {
          id: 'name-clash.exists',
          severity: 'blocking',
          resource: 'AssetsBucket',
          message: `S3 bucket "${STACK}-assets-${ACCOUNT}" already exists (in ${REGION}), outside stack ${STACK}: the create of AssetsBucket would fail with ALREADY_EXISTS`,
          fix: `rename it in the template (or drop BucketName and let CloudFormation name it), import the existing one into the stack (a change set of type IMPORT), or delete it if nothing uses it: aws s3 rb s3://${STACK}-assets-${ACCOUNT} --region ${REGION}`,
        },
        {
          id: 'name-clash.exists',
          severity: 'blocking',
          resource: 'ApiLogGroup',
          message: `log group "/ecs/${STACK}/api" already exists, outside stack ${STACK}: the create of ApiLogGroup would fail with ALREADY_EXISTS`,
          fix: `rename it in the template (or drop LogGroupName and let CloudFormation name it), import the existing one into the stack (a change set of type IMPORT), or delete it if nothing uses it: aws logs delete-log-group --log-group-name /ecs/${STACK}/api --region ${REGION}`,
        },
        {
          id: 'name-clash.free',
          severity: 'info',
          message: `physical names free: AppSecurityGroup (${STACK}-app, in VPC Vpc, which this template creates)`,
          fix: '',
        },
        // moto 5.2.1 has no policy simulator (HTTP 500): reported as not checked, never as allowed.
        {
          id: 'permissions.not-checked',
          severity: 'info',
          resource: `arn:aws:iam::${ACCOUNT}:user/moto`,
          message: `could not check the permissions of arn:aws:iam::${ACCOUNT}:user/moto: iam:SimulatePrincipalPolicy failed (HTTP 500 from the service)`,
          fix: `allow iam:SimulatePrincipalPolicy on arn:aws:iam::${ACCOUNT}:user/moto for the CI role to have them checked`,
        },
        // The default VPC and the orphaned one; moto knows the vpc quotas, not the rds ones.
        {
          id: 'quotas.L-F678F1CE',
          severity: 'info',
          resource: 'Vpc',
          message: "VPCs per Region: 2 in use + 1 from the template = 3 of 5 (your account's quota, Service Quotas vpc/L-F678F1CE)",
          fix: '',
        },
        {
          id: 'quotas.L-E79EC296',
          severity: 'info',
          resource: 'AppSecurityGroup, DatabaseSecurityGroup',
          message: "VPC security groups per Region: 3 in use + 3 from the template = 6 of 2500 (your account's quota, Service Quotas vpc/L-E79EC296)",
          fix: '',
        },
        {
          id: 'quotas.L-7B6409FD',
          severity: 'info',
          resource: 'Database',
          message:
            'DB instances: 0 in use + 1 from the template = 1 of 40 (AWS default 40, not read from your account (GetServiceQuota: NoSuchResourceException, GetAWSDefaultServiceQuota: HTTP 500); your account may have more)',
          fix: '',
        },
        { id: 'ecr-image.found', severity: 'info', resource: 'ApiTaskDefinition/api', message: expect.stringMatching(new RegExp(`^image ${api.replaceAll('.', '\\.')} exists \\(sha256:[a-f0-9]{64}, pushed \\d{4}-`)), fix: '' },
        {
          id: 'ecr-image.missing',
          severity: 'blocking',
          resource: 'ApiTaskDefinition/outbox-worker',
          message: `ECR repository ${STACK}/outbox-worker (registry ${ACCOUNT}, ${REGION}) has no image 1.4.2: tasks of ApiTaskDefinition/outbox-worker would stop with CannotPullContainerError while CloudFormation waits for the service to stabilize`,
          fix: `push it before deploying (docker push ${worker}), or fix the image reference in the template`,
        },
      ],
      summary: { blocking: 4, warning: 5, info: 9, verdict: 'blocked', region: REGION },
    });
  });

  it('prints the same findings as one line each, then the summary', async () => {
    const { code, stdout } = await medic('--stack', STACK, '--template', TEMPLATE, '--region', REGION);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(19);
    expect(lines[2]).toBe(
      `WARNING  orphans.available-eni [${seeded.eniId}]: network interface ${seeded.eniId} "orders outbox relay" in ${seeded.subnetId} is available (attached to nothing) and is in security group ${seeded.groupId}, which stack ${STACK} left behind -- fix: aws ec2 delete-network-interface --network-interface-id ${seeded.eniId} --region ${REGION}`,
    );
    expect(lines.at(-1)).toBe(`preflight ${STACK} in ${ACCOUNT}/${REGION}: 4 blocking, 5 warnings, 9 info - blocked: fix the blocking findings before deploying`);
  });

  it('another stack name in the same account: nothing of this one is its orphan', async () => {
    const { stdout } = await medic('--stack', `${STACK}-other`, '--region', REGION, '--json');
    const report = JSON.parse(stdout);
    expect(report.findings.filter((f: { id: string }) => f.id.startsWith('orphans.'))).toEqual([
      {
        id: 'orphans.none',
        severity: 'info',
        message: `no security groups, network interfaces, subnets, VPCs, DB subnet groups, S3 buckets tagged aws:cloudformation:stack-name=${STACK}-other outside the current stack in ${REGION}`,
        fix: '',
      },
    ]);
    // Without --template, the template checks say they were skipped; nothing blocks.
    expect(report.findings.filter((f: { id: string }) => f.id.endsWith('.skipped')).map((f: { id: string }) => f.id)).toEqual(['name-clash.skipped', 'quotas.skipped', 'ecr-image.skipped']);
    expect(report.summary.verdict).toBe('clear');
  });
});
