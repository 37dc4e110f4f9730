/**
 * A crash in the middle of cfn-cleanup-delete, against moto_server: EC2 is moto's (the ENIs and
 * security group rules are really deleted and revoked), the stack's delete is answered by the
 * CloudFormation simulator over moto's real EC2 state (moto has no DELETE_FAILED).
 *
 * The account: stack `checkout-db` failed to delete because its DatabaseSecurityGroup is held by
 *  - two detached ENIs whose only group is the stack's (orphans: deleted),
 *  - a rule in a group carrying the stack's id tag (the stack's own: revoked),
 *  - next door, outside the stack: a detached ENI that is also in another team's group, and a
 *    rule in that team's group (never touched: reported, so the stack stays DELETE_FAILED).
 *
 * The crash: a client wrapper lets the first N writes through to moto, then the process dies
 * (every later call throws). For every N, a re-run of the action must end where an uninterrupted
 * run ends - nothing deleted twice, nothing outside the scope touched, the same stack state.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { describe, expect, inject, it } from 'vitest';
import { CloudFormationSimulator } from '../../cli/local/cloudFormationSimulator';
import { LOCAL_ACCOUNT, LOCAL_REGION, localClients } from '../../cli/local/localAws';
import { runAction } from '../../shared/actions/registry';
import type { ActionClients } from '../../shared/actions/types';
import { STACK_ID_TAG } from '../../shared/cleanup/planStackCleanup';
import type { CfnCleanupDeletePlan } from '../../shared/planning/plan';

const unique = () => Math.random().toString(36).slice(2, 8);
const isWrite = (command: string) => !/^(Describe|Get|List)/.test(command);

interface Written {
  call: string;
  input: Record<string, unknown>;
  ok: boolean;
}

/** Records every write; once `crashAfter` writes went through, the process is dead: every call throws. */
function instrument<T extends { middlewareStack: { add: (...args: never[]) => void } }>(client: T, service: string, log: Written[], crash: { after: number; writes: number }): T {
  (client.middlewareStack as unknown as { add: (mw: unknown, options: unknown) => void }).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
      const command = (context.commandName ?? '').replace(/Command$/, '');
      if (crash.writes >= crash.after) throw Object.assign(new Error(`the process died after ${crash.after} write(s)`), { name: 'Runtime.ExitError' });
      if (!isWrite(command)) return next(args);
      const entry: Written = { call: `${service}.${command}`, input: args.input, ok: false };
      log.push(entry);
      const out = await next(args);
      entry.ok = true;
      crash.writes++;
      return out;
    },
    { step: 'initialize', name: `crash-${service}`, priority: 'high' },
  );
  return client;
}

/** The stack, its blockers and the neighbours, in moto; the stack's failed delete in the simulator. */
async function seed(endpoint: string) {
  const aws = localClients(endpoint);
  const ec2 = aws.ec2;
  const name = `checkout-db-${unique()}`;
  const stackId = `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${name}/9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93`;
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!.VpcId!;
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.1.0/24', AvailabilityZone: `${LOCAL_REGION}a` }))).Subnet!.SubnetId!;
  const group = async (label: string, tags: Array<{ Key: string; Value: string }>) =>
    (await ec2.send(new CreateSecurityGroupCommand({ GroupName: `${name}-${label}`, Description: label, VpcId: vpcId, TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }] }))).GroupId!;
  const stackTags = (logicalId: string) => [
    { Key: STACK_ID_TAG, Value: stackId },
    { Key: 'aws:cloudformation:logical-id', Value: logicalId },
  ];
  const databaseSg = await group('DatabaseSecurityGroup', stackTags('DatabaseSecurityGroup'));
  const rotationSg = await group('RotationSecurityGroup', stackTags('RotationSecurityGroup'));
  const teamSg = await group('payments-app', [{ Key: 'team', Value: 'payments' }]);
  const allowFrom = (groupId: string) =>
    ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: databaseSg }] }] }));
  await allowFrom(rotationSg);
  await allowFrom(teamSg);
  const eni = async (groups: string[], description: string) => (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: groups, Description: description }))).NetworkInterface!.NetworkInterfaceId!;
  const orphans = [await eni([databaseSg], 'AWS Lambda VPC ENI-checkout-db-rotation-4f2a9c1e'), await eni([databaseSg], 'AWS Lambda VPC ENI-checkout-db-rotation-7b1d0e22')];
  const neighbour = await eni([databaseSg, teamSg], 'payments batch worker');

  const simulator = new CloudFormationSimulator(ec2, aws.rds);
  await simulator.addStack({
    stackId,
    stackName: name,
    tags: [{ Key: 'deploy-medic:enabled', Value: 'true' }],
    resources: [{ logicalId: 'DatabaseSecurityGroup', type: 'AWS::EC2::SecurityGroup', physicalId: databaseSg }],
  });
  const plan: CfnCleanupDeletePlan = { action: 'cfn-cleanup-delete', stackId, stackName: name, reason: 'crash test', preview: { steps: [], unresolvable: [] }, retry: { maxAttempts: 2 } };
  return { endpoint, simulator, plan, ids: { databaseSg, rotationSg, teamSg, orphans, neighbour } };
}
type Seeded = Awaited<ReturnType<typeof seed>>;

/** Fresh clients on the same account, instrumented; CloudFormation answered by the simulator. */
function clients(seeded: Seeded, log: Written[], crash: { after: number; writes: number }): ActionClients {
  const aws = localClients(seeded.endpoint);
  return {
    ecs: aws.ecs,
    ec2: instrument(aws.ec2, 'EC2', log, crash),
    rds: instrument(aws.rds, 'RDS', log, crash),
    s3: instrument(aws.s3, 'S3', log, crash),
    // Instrumented first, so the crash sits in front of the simulator's answer.
    cloudformation: seeded.simulator.attach(instrument(aws.cloudformation, 'CloudFormation', log, crash)),
  };
}

async function endState(seeded: Seeded, ec2: EC2Client) {
  const { ids, plan } = seeded;
  const enis = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'network-interface-id', Values: [...ids.orphans, ids.neighbour] }] }));
  const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [ids.databaseSg, ids.rotationSg, ids.teamSg] }));
  const referencing = (groupId: string) =>
    (groups.SecurityGroups ?? []).find((g) => g.GroupId === groupId)?.IpPermissions?.some((p) => p.UserIdGroupPairs?.some((pair) => pair.GroupId === ids.databaseSg)) ?? false;
  const stacks = await seeded.simulator.attach(localClients(seeded.endpoint).cloudformation).send(new DescribeStacksCommand({ StackName: plan.stackId }));
  const remaining = new Set((enis.NetworkInterfaces ?? []).map((e) => e.NetworkInterfaceId));
  return {
    orphansLeft: ids.orphans.filter((id) => remaining.has(id)).length,
    neighbourEni: remaining.has(ids.neighbour),
    rotationRule: referencing(ids.rotationSg),
    teamRule: referencing(ids.teamSg),
    groups: (groups.SecurityGroups ?? []).length,
    stackStatus: stacks.Stacks?.[0]?.StackStatus,
  };
}

/** Writes that touched something outside the stack, or the same thing twice successfully. */
function judge(seeded: Seeded, writes: Written[]): string[] {
  const { ids, plan } = seeded;
  const problems: string[] = [];
  const done = new Map<string, number>();
  for (const w of writes) {
    const target = String(w.input.NetworkInterfaceId ?? w.input.GroupId ?? w.input.StackName);
    if (w.call === 'EC2.DeleteNetworkInterface' && !ids.orphans.includes(target)) problems.push(`deleted ${target}, not the stack's orphan`);
    if (w.call.startsWith('EC2.RevokeSecurityGroup') && target !== ids.rotationSg) problems.push(`revoked a rule in ${target}`);
    if (w.call === 'CloudFormation.DeleteStack' && target !== plan.stackId) problems.push(`deleted stack ${target}`);
    if (!['EC2.DeleteNetworkInterface', 'EC2.RevokeSecurityGroupIngress', 'CloudFormation.DeleteStack'].includes(w.call)) problems.push(`unexpected write ${w.call}`);
    if (w.ok && w.call !== 'CloudFormation.DeleteStack') done.set(`${w.call} ${target}`, (done.get(`${w.call} ${target}`) ?? 0) + 1);
  }
  for (const [what, times] of done) if (times > 1) problems.push(`${what} done ${times} times`);
  return problems;
}

describe('Faults: a crash between two cleanup steps (cfn-cleanup-delete, moto)', () => {
  it('for every crash point, a re-run ends where an uninterrupted run ends: nothing deleted twice, nothing outside the stack touched', async () => {
    const endpoint = inject('motoEndpoint');
    const uninterrupted = await seed(endpoint);
    const cleanLog: Written[] = [];
    const outcome = await runAction(uninterrupted.plan, clients(uninterrupted, cleanLog, { after: Infinity, writes: 0 }), { incidentKey: 'crash', mode: 'auto' });
    expect(outcome.applied).toBe(true);
    expect(cleanLog.map((w) => w.call)).toEqual(['EC2.DeleteNetworkInterface', 'EC2.DeleteNetworkInterface', 'EC2.RevokeSecurityGroupIngress', 'CloudFormation.DeleteStack']);
    expect(judge(uninterrupted, cleanLog)).toEqual([]);
    const expected = await endState(uninterrupted, localClients(endpoint).ec2);
    // The stack's orphans are gone, its own rule revoked; the neighbours are untouched, so the stack stays blocked.
    expect(expected).toEqual({ orphansLeft: 0, neighbourEni: true, rotationRule: false, teamRule: true, groups: 3, stackStatus: 'DELETE_FAILED' });

    // The crash points run side by side: each on its own stack, groups and ENIs.
    await Promise.all(cleanLog.map(async (_, crashAfter) => {
      const seeded = await seed(endpoint);
      const log: Written[] = [];
      await expect(runAction(seeded.plan, clients(seeded, log, { after: crashAfter, writes: 0 }), { incidentKey: 'crash', mode: 'auto' }), `crash after ${crashAfter}`).rejects.toThrow(
        `the process died after ${crashAfter} write(s)`,
      );
      expect(log.filter((w) => w.ok).length, `crash after ${crashAfter}`).toBe(crashAfter);
      // The re-run (the next attempt of the state machine, or on-call re-driving it).
      const rerun = await runAction(seeded.plan, clients(seeded, log, { after: Infinity, writes: 0 }), { incidentKey: 'crash', mode: 'auto' });
      expect(rerun.applied, `crash after ${crashAfter}`).toBe(true);
      expect(judge(seeded, log), `crash after ${crashAfter}`).toEqual([]);
      expect(await endState(seeded, localClients(endpoint).ec2), `crash after ${crashAfter}`).toEqual(expected);
    }));
  });

  it('the judge can fail: a write to the neighbouring ENI, or an orphan deleted twice, is reported', async () => {
    const seeded = await seed(inject('motoEndpoint'));
    const { neighbour, orphans } = seeded.ids;
    expect(
      judge(seeded, [
        { call: 'EC2.DeleteNetworkInterface', input: { NetworkInterfaceId: neighbour }, ok: true },
        { call: 'EC2.DeleteNetworkInterface', input: { NetworkInterfaceId: orphans[0] }, ok: true },
        { call: 'EC2.DeleteNetworkInterface', input: { NetworkInterfaceId: orphans[0] }, ok: true },
      ]),
    ).toEqual([`deleted ${neighbour}, not the stack's orphan`, `EC2.DeleteNetworkInterface ${orphans[0]} done 2 times`]);
  });
});
