/**
 * Fault injection at every AWS call of every action (aws-sdk-client-mock, errors shaped as AWS
 * sends them), run through the real Remediate state of statemachines/remediation.asl.yaml - its
 * own Retry (TransientAwsError, 4 attempts, backoff) and Catch (-> NotifyEscalated) - with the
 * real remediate handler.
 *
 * Behind the mocks is a small stateful account per action (a service and its revisions, a stack
 * and its status, ENIs and security group rules, inside the scope and outside it): a write that
 * AWS refused changes nothing, a write that went through changes it, so a retried action meets
 * the account as its earlier attempt left it.
 *
 * For each action and each call N of its clean run, and each fault:
 *  - transient (ThrottlingException / Throttling / RequestLimitExceeded, InternalFailure 500,
 *    ServiceUnavailable 503, TimeoutError, RequestTimeout, ECONNRESET): the ASL retries and the
 *    action converges - the same end state as a clean run, the same writes, none twice;
 *  - permanent (AccessDeniedException, ValidationError, UnauthorizedOperation ...): the
 *    execution escalates with the error's name and AWS's message in `$.error`;
 *  - throttled on every attempt: escalates with TransientAwsError once the retries are spent;
 *  - always: no write outside the incident's scope (its service, family, stack, the stack's ENIs
 *    and groups - never the ENI, the group or the stack next door).
 */
import {
  CancelUpdateStackCommand,
  CloudFormationClient,
  ContinueUpdateRollbackCommand,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  RollbackStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { runStateMachine } from '../../cli/local/localStateMachine';
import { makeRemediateHandler } from '../../functions/remediate/handler';
import { loadConfig } from '../../shared/config';
import type { WritingPlan } from '../../shared/planning/plan';
import { OPT_IN_TAG } from '../../shared/policy/scope';
import { actionClients } from '../support/actionClients';
import { fixture } from '../support/fixtures';
import { remediateStateOnly } from '../support/remediateStateOnly';
import { createLedgerTable } from '../../cli/local/ledgerTable';
import { localClients } from '../../cli/local/localAws';
import { RemediationLedger } from '../../shared/ledger/guards';

const ACCOUNT = '111122223333';
const td = (family: string, revision: number) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${family}:${revision}`;
const FAILING = td('checkout-api', 7);
const GOOD = td('checkout-api', 6);
const STACK_ID = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/checkout-db/9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93`;
const OTHER_STACK = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/payments-db/1b2c3d4e-f3b1-11ef-8d2a-0e5c7b1f4a93`;
const STACK_SG = 'sg-0db00000000000001';
const STACK_SG_2 = 'sg-0db00000000000002';
const OUTSIDE_SG = 'sg-0app0000000000009';

// ---------------------------------------------------------------- AWS errors, as AWS sends them
type AwsError = Error & { $fault?: 'client' | 'server'; $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number }; code?: string };
const awsError = (name: string, message: string, httpStatusCode: number | undefined, fault?: 'client' | 'server', extra: Record<string, unknown> = {}): AwsError =>
  Object.assign(new Error(message), {
    name,
    ...(fault ? { $fault: fault } : {}),
    $metadata: httpStatusCode === undefined ? { attempts: 3 } : { httpStatusCode, requestId: '7d3e9a41-2c6b-4f80-b5d2-1e8a0c4f6b97', attempts: 3 },
    ...extra,
  });

type Service = 'ECS' | 'CloudFormation' | 'EC2' | 'RDS';
/** Each service's own throttling error: ECS ThrottlingException, CloudFormation Throttling, EC2 RequestLimitExceeded. */
const THROTTLED: Record<Service, () => AwsError> = {
  ECS: () => awsError('ThrottlingException', 'Rate exceeded', 400, 'client'),
  CloudFormation: () => awsError('Throttling', 'Rate exceeded', 400, 'client'),
  EC2: () => awsError('RequestLimitExceeded', 'Request limit exceeded.', 503, 'client'),
  RDS: () => awsError('Throttling', 'Rate exceeded', 400, 'client'),
};
const TRANSIENT: Record<string, (service: Service) => AwsError> = {
  throttled: (service) => THROTTLED[service](),
  InternalFailure: () => awsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500, 'server'),
  ServiceUnavailable: () => awsError('ServiceUnavailable', 'Service Unavailable', 503, 'server'),
  // The SDK's own socket timeout (node-http-handler): no HTTP status at all.
  TimeoutError: () => awsError('TimeoutError', 'Connection timed out after 3000 ms', undefined),
  RequestTimeout: () => awsError('RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.', 400, 'client'),
  // A reset connection surfaces as a plain Error carrying the errno code.
  ECONNRESET: () => awsError('Error', 'read ECONNRESET', undefined, undefined, { code: 'ECONNRESET', errno: -104, syscall: 'read' }),
};
const PERMANENT: Record<Service, () => AwsError> = {
  ECS: () => awsError('AccessDeniedException', `User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy-medic-dev-remediate/deploy-medic-dev-remediate is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/checkout-api because no identity-based policy allows the ecs:UpdateService action`, 400, 'client'),
  CloudFormation: () => awsError('ValidationError', `Stack [${STACK_ID}] cannot be deleted while in status UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`, 400, 'client'),
  EC2: () => awsError('UnauthorizedOperation', 'You are not authorized to perform this operation. Encoded authorization failure message: 4Gx1mXy...', 403, 'client'),
  RDS: () => awsError('AccessDenied', `User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy-medic-dev-remediate/x is not authorized to perform: rds:DescribeDBInstances`, 403, 'client'),
};

// ---------------------------------------------------------------- the accounts behind the mocks
interface Call {
  service: Service;
  command: string;
  input: Record<string, unknown>;
}
type Handler = (input: Record<string, unknown>) => unknown;
interface World {
  handlers: Partial<Record<Service, Record<string, Handler>>>;
  /** What the account looks like now (compared between a clean and a faulted run). */
  snapshot: () => unknown;
  /** Why a write is outside the incident's scope, or undefined when it is inside. */
  outOfScope: (call: Call) => string | undefined;
}
const isWrite = (command: string) => !/^(Describe|Get|List)/.test(command);

function ecsWorld(options: { stack?: boolean } = {}): World {
  const state = { serviceTd: FAILING, deployments: 1, revisions: new Map<string, { tags: unknown[] }>([[FAILING, { tags: [] }], [GOOD, { tags: [] }]]), stackStatus: 'UPDATE_IN_PROGRESS' };
  const taskDefinition = (arn: string) => {
    const out = fixture<{ taskDefinition: Record<string, unknown> }>('api/ecs-describe-task-definition.json');
    const revision = Number(arn.split(':').at(-1));
    return { taskDefinition: { ...out.taskDefinition, taskDefinitionArn: arn, revision }, tags: state.revisions.get(arn)?.tags ?? [] };
  };
  return {
    handlers: {
      ECS: {
        DescribeServices: () => ({
          services: [
            {
              serviceName: 'checkout-api',
              clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`,
              status: 'ACTIVE',
              taskDefinition: state.serviceTd,
              deployments: [{ id: `ecs-svc/${state.deployments}`, status: 'PRIMARY', taskDefinition: state.serviceTd }],
              tags: [{ key: OPT_IN_TAG, value: 'true' }],
            },
          ],
          failures: [],
        }),
        // A bare family answers its latest revision, as ECS does.
        DescribeTaskDefinition: (input) => {
          const wanted = String(input.taskDefinition);
          const latest = () => [...state.revisions.keys()].sort((a, b) => Number(a.split(':').at(-1)) - Number(b.split(':').at(-1))).at(-1)!;
          return taskDefinition(wanted.includes(':') ? wanted : latest());
        },
        RegisterTaskDefinition: (input) => {
          const arn = td(String(input.family), Math.max(...[...state.revisions.keys()].map((a) => Number(a.split(':').at(-1)))) + 1);
          state.revisions.set(arn, { tags: (input.tags as unknown[]) ?? [] });
          return { taskDefinition: { ...input, taskDefinitionArn: arn }, tags: input.tags };
        },
        UpdateService: (input) => {
          if (typeof input.taskDefinition === 'string') state.serviceTd = input.taskDefinition;
          state.deployments++;
          return { service: { serviceName: 'checkout-api', taskDefinition: state.serviceTd, deployments: [{ id: `ecs-svc/${state.deployments}`, status: 'PRIMARY', taskDefinition: state.serviceTd }] } };
        },
      },
      ...(options.stack
        ? {
            CloudFormation: {
              DescribeStacks: () => ({ Stacks: [{ StackId: STACK_ID, StackName: 'checkout-api', StackStatus: state.stackStatus, CreationTime: new Date(), Tags: [{ Key: OPT_IN_TAG, Value: 'true' }] }] }),
              CancelUpdateStack: () => {
                state.stackStatus = 'UPDATE_ROLLBACK_IN_PROGRESS';
                return {};
              },
            },
          }
        : {}),
    },
    snapshot: () => ({ serviceTd: state.serviceTd, revisions: [...state.revisions.keys()].sort(), stackStatus: state.stackStatus }),
    outOfScope: ({ command, input }) => {
      if (command === 'UpdateService' && (input.cluster !== 'prod' || input.service !== 'checkout-api')) return `UpdateService on ${String(input.cluster)}/${String(input.service)}`;
      if (command === 'UpdateService' && input.taskDefinition !== undefined && !String(input.taskDefinition).includes(':task-definition/checkout-api:')) return `UpdateService to ${String(input.taskDefinition)}`;
      if (command === 'RegisterTaskDefinition' && input.family !== 'checkout-api') return `RegisterTaskDefinition of family ${String(input.family)}`;
      if (command === 'CancelUpdateStack' && input.StackName !== 'checkout-api') return `CancelUpdateStack of ${String(input.StackName)}`;
      return undefined;
    },
  };
}

/** A stack in a failed state; for DELETE_FAILED, its blockers: a detached ENI of the stack, a rule in its own other group, and next door an ENI and a rule outside it. */
function stackWorld(initialStatus: string): World {
  const state = {
    status: initialStatus,
    enis: new Set(['eni-0stack000000000001', 'eni-0outside00000000002']),
    rules: new Set([`${STACK_SG_2}:ingress->${STACK_SG}`, `${OUTSIDE_SG}:ingress->${STACK_SG}`]),
    deletes: 0,
  };
  const eni = (id: string, groups: string[]) => ({ NetworkInterfaceId: id, Status: 'available', Description: 'detached', InterfaceType: 'interface', Groups: groups.map((GroupId) => ({ GroupId })), TagSet: [] });
  const group = (id: string) => ({
    GroupId: id,
    IpPermissions: state.rules.has(`${id}:ingress->${STACK_SG}`) ? [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: STACK_SG }] }] : [],
    IpPermissionsEgress: [],
    Tags: [],
  });
  const resources = () => [
    { StackId: STACK_ID, LogicalResourceId: 'DatabaseSecurityGroup', PhysicalResourceId: STACK_SG, ResourceType: 'AWS::EC2::SecurityGroup', ResourceStatus: state.status === 'DELETE_COMPLETE' ? 'DELETE_COMPLETE' : 'DELETE_FAILED', Timestamp: new Date() },
    { StackId: STACK_ID, LogicalResourceId: 'RotationSecurityGroup', PhysicalResourceId: STACK_SG_2, ResourceType: 'AWS::EC2::SecurityGroup', ResourceStatus: 'CREATE_COMPLETE', Timestamp: new Date() },
  ];
  const inScope = new Set([STACK_ID]);
  return {
    handlers: {
      CloudFormation: {
        DescribeStacks: (input) => {
          if (input.StackName !== STACK_ID) throw awsError('ValidationError', `Stack with id ${String(input.StackName)} does not exist`, 400, 'client');
          return { Stacks: [{ StackId: STACK_ID, StackName: 'checkout-db', StackStatus: state.status, CreationTime: new Date(), Tags: [{ Key: OPT_IN_TAG, Value: 'true' }] }] };
        },
        DescribeStackResources: () => ({ StackResources: resources() }),
        DeleteStack: () => {
          state.deletes++;
          state.status = 'DELETE_IN_PROGRESS';
          return {};
        },
        ContinueUpdateRollback: () => ((state.status = 'UPDATE_ROLLBACK_IN_PROGRESS'), {}),
        CancelUpdateStack: () => ((state.status = 'UPDATE_ROLLBACK_IN_PROGRESS'), {}),
        RollbackStack: () => ((state.status = 'UPDATE_ROLLBACK_IN_PROGRESS'), {}),
      },
      EC2: {
        DescribeNetworkInterfaces: () => ({
          NetworkInterfaces: [
            ...(state.enis.has('eni-0stack000000000001') ? [eni('eni-0stack000000000001', [STACK_SG])] : []),
            ...(state.enis.has('eni-0outside00000000002') ? [eni('eni-0outside00000000002', [STACK_SG, OUTSIDE_SG])] : []),
          ],
        }),
        DescribeSecurityGroups: (input) => {
          const filter = (input.Filters as Array<{ Name: string }>)[0]!.Name;
          return { SecurityGroups: filter === 'ip-permission.group-id' ? [STACK_SG_2, OUTSIDE_SG].filter((g) => state.rules.has(`${g}:ingress->${STACK_SG}`)).map(group) : [] };
        },
        DeleteNetworkInterface: (input) => {
          const id = String(input.NetworkInterfaceId);
          if (!state.enis.delete(id)) throw awsError('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`, 400, 'client');
          return {};
        },
        RevokeSecurityGroupIngress: (input) => {
          const rule = `${String(input.GroupId)}:ingress->${STACK_SG}`;
          if (!state.rules.delete(rule)) throw awsError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.', 400, 'client');
          return { Return: true };
        },
      },
    },
    snapshot: () => ({ status: state.status, enis: [...state.enis].sort(), rules: [...state.rules].sort() }),
    outOfScope: ({ command, input }) => {
      if (['DeleteStack', 'ContinueUpdateRollback', 'CancelUpdateStack', 'RollbackStack'].includes(command) && !inScope.has(String(input.StackName))) return `${command} of ${String(input.StackName)}`;
      if (command === 'DeleteNetworkInterface' && input.NetworkInterfaceId !== 'eni-0stack000000000001') return `DeleteNetworkInterface ${String(input.NetworkInterfaceId)}`;
      if (command.startsWith('RevokeSecurityGroup') && input.GroupId !== STACK_SG_2) return `${command} in ${String(input.GroupId)}`;
      return undefined;
    },
  };
}

const stackPlan = { stackId: STACK_ID, stackName: 'checkout-db', reason: 'fault injection' };
const ACTIONS_UNDER_TEST: Array<{ name: string; plan: WritingPlan; world: () => World }> = [
  { name: 'ecs-rollback', plan: { action: 'ecs-rollback', cluster: 'prod', service: 'checkout-api', fromTaskDefinitionArn: FAILING, toTaskDefinitionArn: GOOD, reason: 'fault injection' }, world: () => ecsWorld() },
  {
    name: 'ecs-rollback (stack mid-update: CancelUpdateStack)',
    plan: { action: 'ecs-rollback', cluster: 'prod', service: 'checkout-api', fromTaskDefinitionArn: FAILING, toTaskDefinitionArn: GOOD, stackName: 'checkout-api', reason: 'fault injection' },
    world: () => ecsWorld({ stack: true }),
  },
  { name: 'ecs-redeploy', plan: { action: 'ecs-redeploy', cluster: 'prod', service: 'checkout-api', taskDefinitionArn: FAILING, reason: 'fault injection', retry: { maxAttempts: 3 } }, world: () => ecsWorld() },
  {
    name: 'ecs-resize-memory',
    plan: {
      action: 'ecs-resize-memory',
      cluster: 'prod',
      service: 'checkout-api',
      taskDefinitionArn: FAILING,
      containers: ['checkout-api'],
      change: { containers: [{ name: 'checkout-api', memory: { from: 512, to: 1024 } }], taskMemory: { from: 512, to: 1024 } },
      reason: 'fault injection',
    },
    world: () => ecsWorld(),
  },
  { name: 'cfn-cleanup-delete', plan: { action: 'cfn-cleanup-delete', ...stackPlan, preview: { steps: [], unresolvable: [] } }, world: () => stackWorld('DELETE_FAILED') },
  { name: 'cfn-delete-stack (retaining)', plan: { action: 'cfn-delete-stack', ...stackPlan, retainFailed: true }, world: () => stackWorld('DELETE_FAILED') },
  { name: 'cfn-continue-update-rollback', plan: { action: 'cfn-continue-update-rollback', ...stackPlan, resourcesToSkip: [] }, world: () => stackWorld('UPDATE_ROLLBACK_FAILED') },
  { name: 'cfn-cancel-update', plan: { action: 'cfn-cancel-update', ...stackPlan }, world: () => stackWorld('UPDATE_IN_PROGRESS') },
  { name: 'cfn-rollback-stack', plan: { action: 'cfn-rollback-stack', ...stackPlan }, world: () => stackWorld('UPDATE_FAILED') },
];

// ---------------------------------------------------------------- the mocks, the injector, the Remediate state
const mocks = {
  ECS: mockClient(ECSClient),
  CloudFormation: mockClient(CloudFormationClient),
  EC2: mockClient(EC2Client),
  RDS: mockClient(RDSClient),
};
const COMMANDS = {
  ECS: [DescribeServicesCommand, DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand],
  CloudFormation: [DescribeStacksCommand, DescribeStackResourcesCommand, DeleteStackCommand, ContinueUpdateRollbackCommand, CancelUpdateStackCommand, RollbackStackCommand],
  EC2: [DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, DeleteNetworkInterfaceCommand, RevokeSecurityGroupIngressCommand, RevokeSecurityGroupEgressCommand],
  RDS: [DescribeDBInstancesCommand, DescribeDBClustersCommand],
} as const;
afterEach(() => Object.values(mocks).forEach((m) => m.reset()));

/** `applied`: the call reaches AWS and changes the account, then its answer is lost (a timeout, a reset). */
type Fault = { at: number; error: (service: Service) => AwsError; times?: number; applied?: boolean } | undefined;

/** Wires the world behind the mocks. Call number `fault.at` (and the `times - 1` after it) fails with the error, unapplied. */
function wire(world: World, fault: Fault) {
  const calls: Array<Call & { failed?: string }> = [];
  for (const [service, commands] of Object.entries(COMMANDS) as Array<[Service, ReadonlyArray<(typeof COMMANDS)[Service][number]>]>) {
    for (const Command of commands) {
      const command = Command.name.replace(/Command$/, '');
      const mock = mocks[service] as unknown as { on: (command: unknown) => { callsFake: (fn: (input: Record<string, unknown>) => unknown) => void } };
      mock.on(Command).callsFake(async (input) => {
        const index = calls.length;
        const call: Call & { failed?: string } = { service, command, input };
        calls.push(call);
        const faulted = fault !== undefined && index >= fault.at && index < fault.at + (fault.times ?? 1);
        if (faulted && !fault.applied) {
          const error = fault.error(service);
          call.failed = error.name;
          throw error;
        }
        const handler = world.handlers[service]?.[command];
        if (handler === undefined) throw new Error(`no ${service}.${command} in this account`);
        let out: unknown;
        try {
          out = await handler(input);
        } catch (error) {
          call.failed = (error as Error).name;
          throw error;
        }
        if (faulted) throw fault.error(service);
        return out;
      });
    }
  }
  return calls;
}

const machine = remediateStateOnly();
/**
 * A stack operation whose answer was lost has started: the retry finds the stack DELETE_IN_PROGRESS
 * or UPDATE_ROLLBACK_IN_PROGRESS, refuses to act on a stack not in the state it was planned for,
 * and escalates (RemediationError). Safe - nothing is written twice - but on-call is paged for an
 * operation that is in fact running. Recorded here so a change in either direction is seen.
 */
const EXPECTED_ESCALATIONS_ON_LOST_ANSWER = [
  'cfn-cleanup-delete: TimeoutError after CloudFormation.DeleteStack applied',
  'cfn-cleanup-delete: ECONNRESET after CloudFormation.DeleteStack applied',
  'cfn-continue-update-rollback: TimeoutError after CloudFormation.ContinueUpdateRollback applied',
  'cfn-continue-update-rollback: ECONNRESET after CloudFormation.ContinueUpdateRollback applied',
  'cfn-cancel-update: TimeoutError after CloudFormation.CancelUpdateStack applied',
  'cfn-cancel-update: ECONNRESET after CloudFormation.CancelUpdateStack applied',
  'cfn-rollback-stack: TimeoutError after CloudFormation.RollbackStack applied',
  'cfn-rollback-stack: ECONNRESET after CloudFormation.RollbackStack applied',
];
/**
 * The real Remediate handler, its ledger on moto (it checks the caps before writing). The caps
 * are set wide, and each test gets a fresh ledger (the clock is fixed, so the hourly window never
 * slides): this suite is about faults in the actions, test/integration/guards.test.ts about caps.
 */
let remediate: ReturnType<typeof makeRemediateHandler>;
beforeEach(async () => {
  const { dynamodb } = localClients(inject('motoEndpoint'));
  const ledger = new RemediationLedger(dynamodb, await createLedgerTable(dynamodb, `faults-${Math.random().toString(36).slice(2, 10)}`));
  const config = () => loadConfig({ MEDIC_MODE: 'auto', MAX_CONCURRENT_REMEDIATIONS: '100', MAX_ACTIONS_PER_HOUR: '1000', REMEDIATION_COOLDOWN_SECONDS: '0', MAX_REMEDIATIONS_PER_RESOURCE_PER_DAY: '100' });
  remediate = makeRemediateHandler({ ...actionClients(), ledger, config, now: () => new Date('2025-03-18T14:10:00Z') });
});

/** The incident the plan is about, as ingest would have built it (the guards key on its resource). */
function incidentOf(name: string, plan: { cluster?: string; service?: string; stackId?: string; stackName?: string }) {
  const resource =
    plan.stackName !== undefined
      ? { type: 'cfn-stack', region: 'us-east-1', account: '111122223333', stackId: plan.stackId, stackName: plan.stackName }
      : { type: 'ecs-service', region: 'us-east-1', account: '111122223333', clusterArn: plan.cluster, cluster: plan.cluster, service: plan.service };
  return { key: `fault:${name}`, resource };
}

async function runWith(subject: (typeof ACTIONS_UNDER_TEST)[number], fault: Fault) {
  const world = subject.world();
  const calls = wire(world, fault);
  // `attempt`: InitAttempts always sets it before Remediate in the full machine.
  const input = { incident: incidentOf(subject.name, subject.plan as never), diagnosis: { plan: subject.plan }, mode: 'auto', attempt: { count: 1, waitSeconds: 30 } };
  const run = await runStateMachine(machine, input, { handlers: { remediate } });
  const output = run.output as { outcome: string; error?: { Error: string; Cause: string }; remediation?: { steps: string[] } };
  const writes = calls.filter((c) => isWrite(c.command) && c.failed === undefined);
  return { run, output, calls, writes, world, snapshot: world.snapshot(), outOfScope: calls.filter((c) => isWrite(c.command)).flatMap((c) => world.outOfScope(c) ?? []) };
}
/**
 * Which transient faults to inject at call `at`: all of them when the action makes fewer calls
 * than there are kinds; else each call gets the service's throttling plus one other kind, in
 * turn, so every kind still meets every action while the run stays short.
 */
function transientKindsAt(at: number, calls: number): Array<[string, (service: Service) => AwsError]> {
  const kinds = Object.entries(TRANSIENT);
  if (calls < kinds.length - 1) return kinds;
  return [kinds[0]!, kinds[1 + (at % (kinds.length - 1))]!];
}

/** A write, without what changes on every call (client request tokens carry the time). */
const writeKey = (c: Call) => `${c.service}.${c.command} ${JSON.stringify({ ...c.input, ClientRequestToken: undefined })}`;

/** How each action fares when a write's answer is lost, reported at the end. */
const LOST_ANSWER_OUTCOMES = new Map<string, string>();

describe('Faults: every AWS call of every action', () => {
  afterAll(() => {
    const escalated = [...LOST_ANSWER_OUTCOMES].filter(([, outcome]) => outcome === 'escalated').map(([where]) => where);
    // Known and accepted (see the README): these escalate rather than converge; none writes twice.
    expect(escalated).toEqual(EXPECTED_ESCALATIONS_ON_LOST_ANSWER);
  });

  describe.each(ACTIONS_UNDER_TEST)('Action: $name', (subject) => {
    it('converges after a transient fault at any call, escalates with a permanent one, and never writes outside its scope', async () => {
      const clean = await runWith(subject, undefined);
      expect(clean.output.outcome).toBe('applied');
      expect(clean.writes.length).toBeGreaterThan(0);
      expect(clean.outOfScope).toEqual([]);

      for (let at = 0; at < clean.calls.length; at++) {
        const where = `call ${at} (${clean.calls[at]!.service}.${clean.calls[at]!.command})`;
        for (const [kind, error] of transientKindsAt(at, clean.calls.length)) {
          const faulted = await runWith(subject, { at, error });
          expect(faulted.output.outcome, `${kind} at ${where}`).toBe('applied');
          expect(faulted.run.retries.Remediate, `${kind} at ${where}`).toBe(1);
          expect(faulted.snapshot, `${kind} at ${where}`).toEqual(clean.snapshot);
          // The same writes as a clean run, none of them twice (a refused write changed nothing).
          expect(faulted.writes.map(writeKey), `${kind} at ${where}`).toEqual(clean.writes.map(writeKey));
          expect(faulted.outOfScope, `${kind} at ${where}`).toEqual([]);
        }
        const service = clean.calls[at]!.service;
        const permanent = await runWith(subject, { at, error: () => PERMANENT[service]() });
        expect(permanent.output.outcome, `permanent at ${where}`).toBe('escalated');
        expect(permanent.run.retries.Remediate ?? 0, `permanent at ${where}`).toBe(0);
        expect(permanent.output.error?.Error, `permanent at ${where}`).toBe(PERMANENT[service]().name);
        expect(permanent.output.error?.Cause, `permanent at ${where}`).toContain(PERMANENT[service]().message);
        // Only what the clean run wrote before that call.
        expect(permanent.writes.map(writeKey), `permanent at ${where}`).toEqual(clean.writes.filter((w) => clean.calls.indexOf(w) < at).map(writeKey));
        expect(permanent.outOfScope, `permanent at ${where}`).toEqual([]);
      }
    });

    it('a write applied whose answer is lost (timeout, reset): the retry converges to the clean end state or escalates; nothing done twice, nothing outside scope', async () => {
      const clean = await runWith(subject, undefined);
      for (const [at, call] of clean.calls.entries()) {
        if (!isWrite(call.command)) continue;
        for (const kind of ['TimeoutError', 'ECONNRESET']) {
          const lost = await runWith(subject, { at, error: TRANSIENT[kind]!, applied: true });
          const where = `${kind} after ${call.service}.${call.command} applied`;
          expect(lost.outOfScope, where).toEqual([]);
          expect(['applied', 'escalated'], where).toContain(lost.output.outcome);
          if (lost.output.outcome === 'applied') expect(lost.snapshot, where).toEqual(clean.snapshot);
          else expect(lost.output.error?.Error, where).toBe('RemediationError');
          LOST_ANSWER_OUTCOMES.set(`${subject.name}: ${where}`, lost.output.outcome);
          // Nothing that creates something new is done twice (a second revision, a second rollback).
          const creates = lost.calls.filter((c) => ['RegisterTaskDefinition', 'CancelUpdateStack', 'ContinueUpdateRollback', 'RollbackStack'].includes(c.command));
          expect(creates.length, where).toBeLessThanOrEqual(1);
          // Nor a second remediation on top of the first: a service updated directly while its stack rolls it back.
          if (lost.calls.some((c) => c.command === 'CancelUpdateStack')) expect(lost.calls.filter((c) => c.command === 'UpdateService'), where).toEqual([]);
        }
      }
    });

    it('throttled on every attempt: escalates with TransientAwsError once the ASL retries are spent, having written nothing', async () => {
      const throttled = await runWith(subject, { at: 0, error: TRANSIENT.throttled!, times: 1_000 });
      expect(throttled.output.outcome).toBe('escalated');
      expect(throttled.output.error?.Error).toBe('TransientAwsError');
      expect(throttled.output.error?.Cause).toMatch(/failed transiently \((ThrottlingException|Throttling|RequestLimitExceeded)\): Rate exceeded|Request limit exceeded\./);
      expect(throttled.run.retries.Remediate).toBe(4);
      expect(throttled.writes).toEqual([]);
      expect(throttled.snapshot).toEqual(subject.world().snapshot());
    });
  });

  it('the scope judge catches a write next door (planted: an ENI outside the stack deleted)', () => {
    const world = stackWorld('DELETE_FAILED');
    expect(world.outOfScope({ service: 'EC2', command: 'DeleteNetworkInterface', input: { NetworkInterfaceId: 'eni-0outside00000000002' } })).toBe('DeleteNetworkInterface eni-0outside00000000002');
    expect(world.outOfScope({ service: 'CloudFormation', command: 'DeleteStack', input: { StackName: OTHER_STACK } })).toBe(`DeleteStack of ${OTHER_STACK}`);
    expect(ecsWorld().outOfScope({ service: 'ECS', command: 'UpdateService', input: { cluster: 'prod', service: 'payments-api', taskDefinition: GOOD } })).toBe('UpdateService on prod/payments-api');
  });
});
