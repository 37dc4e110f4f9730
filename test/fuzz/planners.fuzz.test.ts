/**
 * Properties of the planners and of the mode switch, over generated diagnoses and facts:
 *
 *  - an ECS plan (and its fallback) writes only to the incident's own cluster/service; it
 *    starts from the failing revision; a rollback target is one this service is recorded to
 *    have run well (the ledger's last known good, or one of its own deployments), never the
 *    failing one, and of the same family whenever the service only ever ran that family;
 *    nothing is written to a service that is gone, not opted in, or below the confidence bar;
 *  - a CloudFormation plan (and its fallback) targets only the incident's stack; it skips only
 *    resources proven gone; human-only causes and stacks not opted in get no writing plan;
 *  - every retry budget is at most the configured one (ECS: REDEPLOY_MAX_ATTEMPTS);
 *  - a plan chain holds at most one memory resize: Remediate skips the resize's "registered
 *    earlier?" read on attempt 1, and a fallback starts again at attempt 1;
 *  - runAction in mode `observe` or `approve` sends zero commands, for every plan kind (the
 *    clients throw on any send), and says what it would do.
 *
 * What the cleanup planner may delete is checked in test/unit/planStackCleanup.test.ts
 * (5,000 generated blocker graphs); it is not repeated here.
 */
import type { Deployment, Service } from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIONS, runAction } from '../../shared/actions/registry';
import type { ActionClients } from '../../shared/actions/types';
import { taskDefinitionRef } from '../../shared/arn';
import type { BlockedResource, StackScope } from '../../shared/cleanup/types';
import { loadConfig, type MedicConfig } from '../../shared/config';
import type { ClassificationVariant } from '../../shared/diagnosis/types';
import type { Plan, WritingPlan } from '../../shared/planning/plan';
import { type CfnPlanInput, planCfnRemediation } from '../../shared/planning/planCfnRemediation';
import { type EcsPlanInput, planEcsRemediation, STACK_NAME_TAG } from '../../shared/planning/planEcsRemediation';
import { isOptedIn, OPT_IN_TAG } from '../../shared/policy/scope';
import { CFN_CATEGORIES, ECS_CATEGORIES } from '../../shared/taxonomy';

const RUNS = 3_000;
const REGION = 'us-east-1';
const ACCOUNT = '111122223333';

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const tdArn = (family: string, revision: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;
const family = fc.constantFrom('checkout-api', 'payments-api', 'checkout-api-v2');
const revision = fc.integer({ min: 1, max: 40 });

const configArb: fc.Arbitrary<MedicConfig> = fc
  .record({
    attempts: fc.integer({ min: 1, max: 10 }),
    minConfidence: fc.double({ min: 0, max: 1, noNaN: true }),
    multiplier: fc.constantFrom('1.5', '2', '4'),
  })
  .map(({ attempts, minConfidence, multiplier }) =>
    loadConfig({ MEDIC_MODE: 'auto', REDEPLOY_MAX_ATTEMPTS: String(attempts), MIN_CONFIDENCE_TO_ACT: String(minConfidence), MEMORY_MULTIPLIER: multiplier }),
  );

/** A failing revision and the facts around it; `foreign` allows revisions of other families in the facts. */
const ecsInputArb: fc.Arbitrary<EcsPlanInput> = fc
  .record({
    cluster: name,
    service: name,
    family,
    revision,
    foreign: fc.boolean(),
    category: fc.constantFrom(...ECS_CATEGORIES),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    variant: fc.option(fc.constantFrom<ClassificationVariant>('transient', 'permanent', 'memory', 'cpu', 'ports', 'fargate-capacity', 'quota'), { nil: undefined }),
    containers: fc.array(fc.constantFrom('app', 'sidecar', 'envoy'), { maxLength: 2 }),
    online: fc.constantFrom('offline', 'gone', 'service'),
    status: fc.constantFrom('ACTIVE', 'ACTIVE', 'ACTIVE', 'DRAINING', 'INACTIVE'),
    runsFailing: fc.boolean(),
    optedIn: fc.boolean(),
    stackName: fc.option(name, { nil: undefined }),
    deployments: fc.array(
      fc.record({ status: fc.constantFrom('PRIMARY', 'ACTIVE', 'INACTIVE'), rolloutState: fc.constantFrom('COMPLETED', 'IN_PROGRESS', 'FAILED'), revision, otherFamily: fc.boolean() }),
      { maxLength: 4 },
    ),
    lastKnownGood: fc.option(fc.record({ revision, otherFamily: fc.boolean() }), { nil: null }),
    sizing: fc.record({
      fargate: fc.boolean(),
      cpu: fc.constantFrom(256, 512, 1024, undefined),
      memory: fc.constantFrom(512, 1024, 2048, 16384, undefined),
      appMemory: fc.option(fc.integer({ min: 64, max: 16384 }), { nil: undefined }),
    }),
    config: configArb,
  })
  .map((g): EcsPlanInput => {
    const failing = tdArn(g.family, g.revision);
    const other = (otherFamily: boolean) => (g.foreign && otherFamily ? 'legacy-worker' : g.family);
    const deployments: Deployment[] = g.deployments.map((d, i) => ({ id: `ecs-svc/${i}`, status: d.status, rolloutState: d.rolloutState as Deployment['rolloutState'], taskDefinition: tdArn(other(d.otherFamily), d.revision) }));
    const service: Service = {
      serviceName: g.service,
      status: g.status,
      taskDefinition: g.runsFailing ? failing : tdArn(g.family, g.revision + 1),
      deployments,
      tags: [...(g.optedIn ? [{ key: OPT_IN_TAG, value: 'true' }] : []), ...(g.stackName ? [{ key: STACK_NAME_TAG, value: g.stackName }] : [])],
    };
    return {
      cluster: g.cluster,
      service: g.service,
      taskDefinitionArn: failing,
      category: g.category,
      confidence: g.confidence,
      variant: g.variant,
      containers: g.containers,
      facts:
        g.online === 'offline'
          ? {}
          : g.online === 'gone'
            ? { service: null, lastKnownGood: null }
            : {
                service,
                lastKnownGood: g.lastKnownGood && { taskDefinitionArn: tdArn(other(g.lastKnownGood.otherFamily), g.lastKnownGood.revision), recordedAt: '2025-03-14T02:00:04Z', source: 'SERVICE_STEADY_STATE' },
              },
      sizing: () => ({ fargate: g.sizing.fargate, cpu: g.sizing.cpu, memory: g.sizing.memory, containers: [{ name: 'app', memory: g.sizing.appMemory }, { name: 'sidecar', memory: 128 }] }),
      config: g.config,
    };
  });

const isWriting = (plan: Plan): plan is WritingPlan => plan.action in ACTIONS;
const fallbackOf = (plan: Plan): Plan | undefined => ('fallback' in plan ? plan.fallback : undefined);
const attemptsOf = (plan: Plan): number | undefined => ('retry' in plan ? plan.retry?.maxAttempts : undefined);
const chain = (plan: Plan): Plan[] => {
  const fallback = fallbackOf(plan);
  return [plan, ...(fallback ? chain(fallback) : [])];
};

/** Everything wrong with an ECS plan for this input (empty: it keeps the contract). */
export function ecsScopeViolations(input: EcsPlanInput, plan: Plan): string[] {
  const problems: string[] = [];
  const { service, lastKnownGood } = input.facts;
  const failingFamily = taskDefinitionRef(input.taskDefinitionArn).family;
  const known = new Set([...(lastKnownGood ? [lastKnownGood.taskDefinitionArn] : []), ...(service?.deployments ?? []).flatMap((d) => (d.taskDefinition ? [d.taskDefinition] : []))]);
  const onlyOneFamily = [...known].every((arn) => taskDefinitionRef(arn).family === failingFamily);
  // A second resize would start at attempt 1 after the first may have registered its revision, and
  // attempt 1 skips the look for one (functions/remediate/handler.ts isFirstTry).
  if (chain(plan).filter((step) => step.action === 'ecs-resize-memory').length > 1) problems.push('two memory resizes in one plan chain');
  for (const step of chain(plan)) {
    const attempts = attemptsOf(step);
    if (attempts !== undefined && (attempts < 1 || attempts > input.config.remediation.redeployMaxAttempts)) problems.push(`${step.action}: ${attempts} attempts, budget ${input.config.remediation.redeployMaxAttempts}`);
    if (!isWriting(step)) continue;
    if (!('cluster' in step)) {
      problems.push(`${step.action} is not an ECS action`);
      continue;
    }
    if (step.cluster !== input.cluster || step.service !== input.service) problems.push(`${step.action} targets ${step.cluster}/${step.service}`);
    if (service === null || (service !== undefined && service.status !== 'ACTIVE')) problems.push(`${step.action} on a service that is gone`);
    if (service && !isOptedIn(service.tags)) problems.push(`${step.action} on a service not opted in`);
    if (service?.taskDefinition !== undefined && service.taskDefinition !== input.taskDefinitionArn) problems.push(`${step.action} on a service that moved on`);
    if (input.confidence < input.config.remediation.minConfidenceToAct) problems.push(`${step.action} at confidence ${input.confidence}`);
    switch (step.action) {
      case 'ecs-resize-memory':
      case 'ecs-redeploy':
        if (step.taskDefinitionArn !== input.taskDefinitionArn) problems.push(`${step.action} from ${step.taskDefinitionArn}`);
        break;
      case 'ecs-rollback':
        if (step.fromTaskDefinitionArn !== input.taskDefinitionArn) problems.push(`rollback from ${step.fromTaskDefinitionArn}`);
        if (step.toTaskDefinitionArn !== undefined) {
          if (step.toTaskDefinitionArn === input.taskDefinitionArn) problems.push('rollback to the failing revision');
          if (!known.has(step.toTaskDefinitionArn)) problems.push(`rollback to ${step.toTaskDefinitionArn}, which this service is not recorded to have run`);
          if (onlyOneFamily && taskDefinitionRef(step.toTaskDefinitionArn).family !== failingFamily) problems.push(`rollback to another family: ${step.toTaskDefinitionArn}`);
        } else if (service !== undefined) problems.push('online rollback without a target');
        break;
      default:
        problems.push(`${(step as Plan).action} is not an ECS action`);
    }
  }
  return problems;
}

const STACK = (stackName: string, uuid: string) => `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/${uuid}`;

const cfnInputArb: fc.Arbitrary<CfnPlanInput> = fc
  .record({
    stackName: name,
    uuid: fc.uuid(),
    status: fc.oneof(fc.constantFrom('DELETE_FAILED', 'ROLLBACK_FAILED', 'UPDATE_ROLLBACK_FAILED', 'ROLLBACK_COMPLETE', 'CREATE_FAILED', 'UPDATE_FAILED', 'IMPORT_ROLLBACK_FAILED', 'DELETE_COMPLETE'), fc.string({ maxLength: 12 })),
    category: fc.constantFrom(...CFN_CATEGORIES),
    optedIn: fc.boolean(),
    resources: fc.array(fc.record({ logicalId: fc.constantFrom('DatabaseSecurityGroup', 'DatabaseSubnetGroup', 'AppRole', 'Queue'), physicalId: fc.constantFrom('sg-0db1', 'db-subnets', 'role-1', 'q-1') }), { maxLength: 4 }),
    failedRollback: fc.array(fc.record({ logicalId: fc.constantFrom('CheckoutApiService', 'AppRole', 'Queue'), category: fc.constantFrom(...CFN_CATEGORIES) }), { maxLength: 3 }),
    eniStatus: fc.constantFrom('available', 'in-use'),
    eniOwner: fc.constantFrom('lambda', 'elb', 'unknown' as const),
    quota: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    config: configArb,
  })
  .map((g): CfnPlanInput => {
    const stackId = STACK(g.stackName, g.uuid);
    const scope: StackScope = { stackId, stackName: g.stackName, resources: g.resources.map((r) => ({ ...r, type: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED' })) };
    const blocked: BlockedResource[] = g.resources.map((r) => ({
      logicalId: r.logicalId,
      physicalId: r.physicalId,
      type: 'AWS::EC2::SecurityGroup',
      blockers: [{ kind: 'eni', eni: { id: `eni-${r.physicalId}`, status: g.eniStatus, owner: g.eniOwner, description: '', groupIds: [r.physicalId], tags: {} } }],
    }));
    return { stackId, stackName: g.stackName, status: g.status, category: g.category, verdict: g.optedIn ? { writable: true as const } : { writable: false as const, why: 'not-opted-in' as const, reason: `stack ${g.stackName} is not opted in (tag deploy-medic:enabled=true)` }, scope, blocked, failedRollback: g.failedRollback, quota: g.quota, config: g.config };
  });

const HUMAN_ONLY = new Set(['PERMISSIONS', 'INVALID_TEMPLATE_OR_PARAM', 'QUOTA_LIMIT']);
/** CloudFormation retry budgets are the planner's own constants: 6 while Lambda ENIs are released, else at most 4. */
const CFN_MAX_ATTEMPTS = 6;

export function cfnScopeViolations(input: CfnPlanInput, plan: Plan): string[] {
  const problems: string[] = [];
  for (const step of chain(plan)) {
    const attempts = attemptsOf(step);
    if (attempts !== undefined && (attempts < 1 || attempts > CFN_MAX_ATTEMPTS)) problems.push(`${step.action}: ${attempts} attempts`);
    if (!isWriting(step)) continue;
    if (!('stackId' in step)) {
      problems.push(`${step.action} is not a CloudFormation action`);
      continue;
    }
    if (step.stackId !== input.stackId || step.stackName !== input.stackName) problems.push(`${step.action} targets ${step.stackName} (${step.stackId})`);
    if (!input.verdict.writable) problems.push(`${step.action} on a stack not opted in`);
    if (HUMAN_ONLY.has(input.category)) problems.push(`${step.action} for ${input.category}, which only a human can fix`);
    if (step.action === 'cfn-continue-update-rollback') {
      const gone = new Set(input.failedRollback.filter((r) => r.category === 'NOT_FOUND').map((r) => r.logicalId));
      for (const skipped of step.resourcesToSkip) if (!gone.has(skipped)) problems.push(`skips ${skipped}, not proven gone`);
    }
    if (step.action === 'cfn-cancel-update' || step.action === 'cfn-rollback-stack') problems.push(`${step.action} is for emergencies only, never planned from a failure`);
  }
  return problems;
}

/** One plan of every writing kind, for the mode switch. */
const writingPlanArb: fc.Arbitrary<WritingPlan> = fc.oneof(
  ecsInputArb.map(planEcsRemediation).filter(isWriting),
  cfnInputArb.map(planCfnRemediation).filter(isWriting),
  fc.record({ stackName: name, uuid: fc.uuid(), action: fc.constantFrom('cfn-cancel-update' as const, 'cfn-rollback-stack' as const) }).map(({ stackName, uuid, action }) => ({ action, stackId: STACK(stackName, uuid), stackName, reason: 'emergency rollback' })),
  fc.record({ stackName: name, uuid: fc.uuid(), retainFailed: fc.boolean() }).map(({ stackName, uuid, retainFailed }) => ({ action: 'cfn-delete-stack' as const, stackId: STACK(stackName, uuid), stackName, retainFailed, reason: 'generated' })),
  fc.record({ cluster: name, service: name, family, revision }).map(({ cluster, service, family: f, revision: r }) => ({ action: 'ecs-redeploy' as const, cluster, service, taskDefinitionArn: tdArn(f, r), reason: 'generated', retry: { maxAttempts: 3 } })),
);

/** Clients that fail the test on any call, and remember it. */
function throwingClients(sent: string[]): ActionClients {
  const client = (service: string) => ({
    send: (command: { constructor: { name: string } }) => {
      sent.push(`${service}.${command.constructor.name}`);
      throw new Error(`${service}.${command.constructor.name} sent in a mode that must not call AWS`);
    },
  });
  return { ecs: client('ECS'), cloudformation: client('CloudFormation'), ec2: client('EC2'), rds: client('RDS'), s3: client('S3') } as never;
}

describe('Properties: planners and the mode switch', () => {
  it(`ECS: ${RUNS} generated incidents - only the incident's service, from the failing revision, to a revision it ran well, within the attempt budget`, () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(ecsInputArb, (input) => {
        const plan = planEcsRemediation(input);
        seen.add(plan.action);
        expect(ecsScopeViolations(input, plan)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    // The generator reaches every kind of ECS plan, so the property is not vacuous.
    expect([...seen].sort()).toEqual(['ecs-redeploy', 'ecs-resize-memory', 'ecs-rollback', 'none', 'notify-only']);
  });

  it(`CloudFormation: ${RUNS} generated failed stacks - only the incident's stack, skipping only what is gone, never for a human-only cause`, () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(cfnInputArb, (input) => {
        const plan = planCfnRemediation(input);
        seen.add(plan.action);
        expect(cfnScopeViolations(input, plan)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    expect([...seen].sort()).toEqual(['cfn-cleanup-delete', 'cfn-continue-update-rollback', 'cfn-delete-stack', 'notify-only']);
  });

  it.each(['observe', 'approve'] as const)(`runAction in mode %s sends zero commands for every plan kind (${RUNS / 3} generated plans)`, async (mode) => {
    const kinds = new Set<string>();
    await fc.assert(
      fc.asyncProperty(writingPlanArb, async (plan) => {
        kinds.add(plan.action);
        const sent: string[] = [];
        const outcome = await runAction(plan, throwingClients(sent), { incidentKey: 'fuzz', mode });
        expect(sent).toEqual([]);
        expect(outcome).toMatchObject({ action: plan.action, applied: false, dryRun: true });
        expect(outcome.steps.length).toBeGreaterThan(0);
        for (const step of outcome.steps) expect(step).toMatch(/^would /);
      }),
      { numRuns: RUNS / 3 },
    );
    expect([...kinds].sort()).toEqual(Object.keys(ACTIONS).sort());
  });

  describe('the properties can fail (planted bugs)', () => {
    it('a plan aimed at another service, or rolling back to a revision of somewhere else, is caught', () => {
      const [input] = fc.sample(ecsInputArb.filter((i) => planEcsRemediation(i).action === 'ecs-rollback' && i.facts.service !== undefined), { numRuns: 1, seed: 7 });
      const plan = planEcsRemediation(input!) as Extract<Plan, { action: 'ecs-rollback' }>;
      expect(ecsScopeViolations(input!, plan)).toEqual([]);
      expect(ecsScopeViolations(input!, { ...plan, service: 'someone-else' })).toEqual([expect.stringContaining('targets')]);
      expect(ecsScopeViolations(input!, { ...plan, toTaskDefinitionArn: tdArn('other-team-api', 3) })).toContain(`rollback to ${tdArn('other-team-api', 3)}, which this service is not recorded to have run`);
      expect(ecsScopeViolations(input!, { ...plan, retry: { maxAttempts: input!.config.remediation.redeployMaxAttempts + 1 } })).toEqual([expect.stringContaining('attempts, budget')]);
    });

    it('a memory resize falling back to another memory resize is caught', () => {
      const [input] = fc.sample(ecsInputArb.filter((i) => planEcsRemediation(i).action === 'ecs-resize-memory'), { numRuns: 1, seed: 7 });
      const plan = planEcsRemediation(input!);
      expect(ecsScopeViolations(input!, plan)).toEqual([]);
      expect(ecsScopeViolations(input!, { ...plan, fallback: plan } as Plan)).toEqual(['two memory resizes in one plan chain']);
    });

    it('a CloudFormation plan for another stack, or skipping a resource that still exists, is caught', () => {
      const [input] = fc.sample(cfnInputArb.filter((i) => i.verdict.writable && i.status === 'DELETE_FAILED' && !HUMAN_ONLY.has(i.category) && i.category !== 'THROTTLING'), { numRuns: 1, seed: 7 });
      const plan = planCfnRemediation(input!);
      expect(plan.action).toBe('cfn-cleanup-delete');
      expect(cfnScopeViolations(input!, plan)).toEqual([]);
      const other = STACK('other-stack', '00000000-0000-4000-8000-000000000000');
      expect(cfnScopeViolations(input!, { ...plan, fallback: { ...(fallbackOf(plan) as WritingPlan & { stackId: string }), stackId: other } } as Plan)).toEqual([expect.stringContaining(other)]);
      expect(cfnScopeViolations(input!, { action: 'cfn-continue-update-rollback', stackId: input!.stackId, stackName: input!.stackName, resourcesToSkip: ['AppRole'], reason: 'planted' })).toContain('skips AppRole, not proven gone');
    });

    it('the same clients do see the calls in mode auto, so "zero commands" is measured, not assumed', async () => {
      const plan: WritingPlan = { action: 'cfn-delete-stack', stackId: STACK('checkout-db', '9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93'), stackName: 'checkout-db', retainFailed: true, reason: 'planted' };
      const sent: string[] = [];
      await expect(runAction(plan, throwingClients(sent), { incidentKey: 'fuzz', mode: 'auto' })).rejects.toThrow(/must not call AWS/);
      expect(sent.length).toBe(1);
    });
  });
});
