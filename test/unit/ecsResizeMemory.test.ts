import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DERIVED_FROM_TAG, INCIDENT_TAG } from '../../shared/actions/ecsResizeMemory';
import { runAction } from '../../shared/actions/registry';
import { RemediationError, TransientAwsError } from '../../shared/errors';
import type { EcsResizeMemoryPlan } from '../../shared/planning/plan';
import { actionClients } from '../support/actionClients';
import { fixture } from '../support/fixtures';

const KEY = 'ecs:us-east-1:111122223333:prod/checkout-api@checkout-api:7';
const FAILING = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
const NEW = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';

const plan: EcsResizeMemoryPlan = {
  action: 'ecs-resize-memory',
  reason: 'raise memory x2 (cap 16384 MiB)',
  cluster: 'prod',
  service: 'checkout-api',
  taskDefinitionArn: FAILING,
  containers: ['checkout-api'],
  change: { taskMemory: { from: 512, to: 1024 }, containers: [{ name: 'checkout-api', memory: { from: 512, to: 1024 } }] },
};

// Recorded API shapes (test/fixtures/api); timestamps stay epoch numbers, which this code never reads.
const describeServices = () => fixture<DescribeServicesCommandOutput>('api/ecs-describe-services.json');
const describeTaskDefinition = () => fixture<DescribeTaskDefinitionCommandOutput>('api/ecs-describe-task-definition.json');

describe('Action: ecs-resize-memory', () => {
  const ecsMock = mockClient(ECSClient);
  const ecs = new ECSClient({ region: 'us-east-1' });
  const clients = { ...actionClients(), ecs };
  const fixedNow = () => new Date('2025-03-14T09:30:00Z');
  afterEach(() => ecsMock.reset());

  describe('observe mode', () => {
    it('explains what it would do and sends nothing to AWS', async () => {
      const outcome = await runAction(plan, clients, { incidentKey: KEY, mode: 'observe' });
      expect(outcome).toEqual({
        action: 'ecs-resize-memory',
        applied: false,
        dryRun: true,
        steps: [
          'would register checkout-api:8-or-later from checkout-api:7 with task memory 512->1024 MiB, container checkout-api memory 512->1024 MiB',
          'would update service prod/checkout-api to the new revision',
        ],
      });
      expect(ecsMock.calls()).toHaveLength(0);
    });
  });

  describe('auto mode', () => {
    it('registers a copy of the failing revision with only the sizes changed, tagged with the incident, then updates the service', async () => {
      ecsMock.on(DescribeServicesCommand).resolves(describeServices());
      ecsMock.on(DescribeTaskDefinitionCommand).resolves(describeTaskDefinition());
      ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW, cpu: '256', memory: '1024' } });
      ecsMock.on(UpdateServiceCommand).resolves({});

      const outcome = await runAction(plan, clients, { incidentKey: KEY, mode: 'auto', now: fixedNow });

      const original = describeTaskDefinition().taskDefinition!;
      const container = original.containerDefinitions![0]!;
      expect(ecsMock).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, {
        family: 'checkout-api',
        taskRoleArn: original.taskRoleArn,
        executionRoleArn: original.executionRoleArn,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '1024',
        containerDefinitions: [{ ...container, memory: 1024 }],
        tags: expect.arrayContaining([
          { key: INCIDENT_TAG, value: KEY },
          { key: DERIVED_FROM_TAG, value: 'checkout-api:7' },
        ]),
      });
      // Read-only fields of the old revision must not be sent back: AWS rejects them.
      const sent = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input as unknown as Record<string, unknown>;
      for (const readOnly of ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy']) {
        expect(sent).not.toHaveProperty(readOnly);
      }
      expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { cluster: 'prod', service: 'checkout-api', taskDefinition: NEW });
      expect(outcome).toMatchObject({
        applied: true,
        dryRun: false,
        appliedAt: '2025-03-14T09:30:00.000Z',
        before: { taskDefinitionArn: FAILING, memory: '512' },
        after: { taskDefinitionArn: NEW, memory: '1024' },
      });
    });

    it('on a first try (the state machine vouches for it), does not look for a revision an earlier try registered', async () => {
      ecsMock.on(DescribeServicesCommand).resolves(describeServices());
      ecsMock.on(DescribeTaskDefinitionCommand).resolves(describeTaskDefinition());
      ecsMock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW, cpu: '256', memory: '1024' } });
      ecsMock.on(UpdateServiceCommand).resolves({});

      const outcome = await runAction(plan, clients, { incidentKey: KEY, mode: 'auto', firstTry: true });

      expect(outcome.after).toMatchObject({ taskDefinitionArn: NEW });
      // Only the failing revision is read (no carried copy here); never the family's newest.
      expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand).map((call) => call.args[0].input.taskDefinition)).toEqual([FAILING]);
      expect(ecsMock).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 1);
    });

    it('on a retry, finds the revision an earlier try registered (then failed on UpdateService) and moves the service to it, registering none', async () => {
      ecsMock.on(DescribeServicesCommand).resolves(describeServices());
      ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: FAILING }).resolves(describeTaskDefinition());
      ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: 'checkout-api' }).resolves({
        taskDefinition: { taskDefinitionArn: NEW, cpu: '256', memory: '1024' },
        tags: [
          { key: INCIDENT_TAG, value: KEY },
          { key: DERIVED_FROM_TAG, value: 'checkout-api:7' },
        ],
      });
      ecsMock.on(UpdateServiceCommand).resolves({});

      const outcome = await runAction(plan, clients, { incidentKey: KEY, mode: 'auto' });

      expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
      expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { cluster: 'prod', service: 'checkout-api', taskDefinition: NEW });
      expect(outcome).toMatchObject({ applied: true, after: { taskDefinitionArn: NEW, memory: '1024' } });
    });

    it('is idempotent: a retry that finds the service on a revision made for this incident writes nothing', async () => {
      const services = describeServices();
      services.services![0]!.taskDefinition = NEW;
      // The deployment our earlier try's UpdateService started (its answer was lost).
      services.services![0]!.deployments = [{ id: 'ecs-svc/8830150327461185204', status: 'PRIMARY', taskDefinition: NEW, rolloutState: 'IN_PROGRESS' }];
      ecsMock.on(DescribeServicesCommand).resolves(services);
      ecsMock
        .on(DescribeTaskDefinitionCommand, { taskDefinition: NEW })
        .resolves({ taskDefinition: { taskDefinitionArn: NEW, memory: '1024' }, tags: [{ key: INCIDENT_TAG, value: KEY }] });

      const outcome = await runAction(plan, clients, { incidentKey: KEY, mode: 'auto' });

      expect(outcome.applied).toBe(false);
      expect(outcome.steps).toEqual([`already applied: service runs ${NEW}, registered for this incident`]);
      // Reported, so Remediate still writes the caused-by-us marker for it.
      expect(outcome.after?.deploymentId).toBe('ecs-svc/8830150327461185204');
      expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
      expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    });

    it('refuses to override a revision someone else deployed meanwhile', async () => {
      const services = describeServices();
      services.services![0]!.taskDefinition = NEW;
      ecsMock.on(DescribeServicesCommand).resolves(services);
      ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: NEW }).resolves({ taskDefinition: { taskDefinitionArn: NEW }, tags: [] });

      await expect(runAction(plan, clients, { incidentKey: KEY, mode: 'auto' })).rejects.toThrowError(RemediationError);
      expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    });

    it('refuses when the sizes moved since the plan was made', async () => {
      ecsMock.on(DescribeServicesCommand).resolves(describeServices());
      const td = describeTaskDefinition();
      td.taskDefinition!.memory = '2048';
      ecsMock.on(DescribeTaskDefinitionCommand).resolves(td);

      await expect(runAction(plan, clients, { incidentKey: KEY, mode: 'auto' })).rejects.toThrowError('task memory is 2048, plan expected 512');
      expect(ecsMock).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
    });

    it('names a throttled call as transient, so the state machine retries it', async () => {
      ecsMock.on(DescribeServicesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
      await expect(runAction(plan, clients, { incidentKey: KEY, mode: 'auto' })).rejects.toThrowError(TransientAwsError);
    });

    it('does not treat a client error as transient', async () => {
      ecsMock.on(DescribeServicesCommand).rejects(Object.assign(new Error('Service not found.'), { name: 'ServiceNotFoundException', $metadata: { httpStatusCode: 400 } }));
      await expect(runAction(plan, clients, { incidentKey: KEY, mode: 'auto' })).rejects.toThrowError(expect.objectContaining({ name: 'ServiceNotFoundException' }));
    });
  });
});
