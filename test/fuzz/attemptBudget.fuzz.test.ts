/**
 * Attempts never above budget, on the real ASL: statemachines/remediation.asl.yaml executed by
 * aws-local-stepfunctions, with stub task handlers - Diagnose returns a generated plan (from
 * the real planners, with a generated REDEPLOY_MAX_ATTEMPTS), Remediate counts its calls and
 * sometimes fails transiently (TransientAwsError: the ASL Retry re-invokes it), CheckDeployment
 * answers a generated sequence of verify outcomes (FAILED, DEADLINE_EXCEEDED, IN_PROGRESS,
 * STEADY, SUPERSEDED).
 *
 * Property, 150 runs (each is a full execution, so fewer than the pure properties):
 *  - the plan is applied at most plan.retry.maxAttempts times (REDEPLOY_MAX_ATTEMPTS for an
 *    ECS redeploy), then its fallback at most its own budget (1 for a rollback or a delete):
 *    total applied Remediate calls <= budget(plan) + budget(fallback);
 *  - the execution always ends: resolved when a look is STEADY, else escalated; a SUPERSEDED
 *    look escalates at once, with no further remediation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AslDefinition, type LoadedStateMachine, loadStateMachine, runStateMachine } from '../../cli/local/localStateMachine';
import { loadConfig } from '../../shared/config';
import { TransientAwsError } from '../../shared/errors';
import type { Plan, WritingPlan } from '../../shared/planning/plan';
import { planCfnRemediation } from '../../shared/planning/planCfnRemediation';
import { planEcsRemediation } from '../../shared/planning/planEcsRemediation';

const RUNS = 150;
const machine = () => loadStateMachine('statemachines/remediation.asl.yaml');
const STACK_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-db/9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93';
const FAILING = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
const GOOD = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6';
/** A broken machine could loop for ever; the stub stops it well past any budget. */
const RUNAWAY = 40;

type VerifyStatus = 'STEADY' | 'IN_PROGRESS' | 'FAILED' | 'DEADLINE_EXCEEDED' | 'SUPERSEDED';

/** Plans from the real planners: ECS redeploy (then rollback or notify), rollback, resize; CloudFormation cleanup (then delete), delete, continue rollback. */
const planArb: fc.Arbitrary<{ plan: WritingPlan; redeployMaxAttempts: number }> = fc
  .record({
    redeployMaxAttempts: fc.integer({ min: 1, max: 6 }),
    ecs: fc.constantFrom('IMAGE_PULL', 'NETWORK', 'CAPACITY_PLACEMENT', 'APP_CRASH', 'OOM', 'cfn'),
    cfnStatus: fc.constantFrom('DELETE_FAILED', 'ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED'),
    cfnCategory: fc.constantFrom('DEPENDENCY_VIOLATION', 'THROTTLING', 'STABILIZATION_TIMEOUT'),
    lambdaEni: fc.boolean(),
  })
  .map(({ redeployMaxAttempts, ecs, cfnStatus, cfnCategory, lambdaEni }) => {
    const config = loadConfig({ MEDIC_MODE: 'auto', REDEPLOY_MAX_ATTEMPTS: String(redeployMaxAttempts) });
    const plan: Plan =
      ecs === 'cfn'
        ? planCfnRemediation({
            stackId: STACK_ID,
            stackName: 'checkout-db',
            status: cfnStatus,
            category: cfnCategory as never,
            verdict: { writable: true },
            scope: { stackId: STACK_ID, stackName: 'checkout-db', resources: [{ logicalId: 'DatabaseSecurityGroup', physicalId: 'sg-1', type: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED' }] },
            blocked: [
              {
                logicalId: 'DatabaseSecurityGroup',
                physicalId: 'sg-1',
                type: 'AWS::EC2::SecurityGroup',
                blockers: [{ kind: 'eni', eni: { id: 'eni-1', status: lambdaEni ? 'in-use' : 'available', owner: 'lambda', description: '', groupIds: ['sg-1'], tags: {} } }],
              },
            ],
            failedRollback: [],
            config,
          })
        : planEcsRemediation({
            cluster: 'prod',
            service: 'checkout-api',
            taskDefinitionArn: FAILING,
            category: ecs as never,
            confidence: 0.9,
            variant: ecs === 'IMAGE_PULL' ? 'transient' : undefined,
            containers: ['checkout-api'],
            facts: {},
            sizing: () => ({ fargate: true, cpu: 256, memory: 512, containers: [{ name: 'checkout-api', memory: 512 }] }),
            config,
          });
    if (plan.action === 'ecs-rollback') plan.toTaskDefinitionArn = GOOD;
    if (plan.action === 'ecs-redeploy' && plan.fallback?.action === 'ecs-rollback') plan.fallback.toTaskDefinitionArn = GOOD;
    return { plan: plan as WritingPlan, redeployMaxAttempts };
  });

const attemptsOf = (plan: Plan | undefined): number => (plan === undefined || plan.action === 'none' || plan.action === 'notify-only' ? 0 : (plan.retry?.maxAttempts ?? 1));
const fallbackOf = (plan: Plan): Plan | undefined => ('fallback' in plan ? plan.fallback : undefined);
/** What the plan may cost at most: its attempts, then its fallback's, and so on. */
const budgetOf = (plan: Plan | undefined): number => (plan === undefined ? 0 : attemptsOf(plan) + budgetOf(fallbackOf(plan)));

const scenarioArb = fc.record({
  planned: planArb,
  looks: fc.array(fc.constantFrom<VerifyStatus>('FAILED', 'FAILED', 'DEADLINE_EXCEEDED', 'IN_PROGRESS', 'STEADY', 'SUPERSEDED'), { maxLength: 16 }),
  /** Remediate calls that fail transiently (the ASL retries them; they are not attempts). */
  transientFaults: fc.array(fc.boolean(), { maxLength: 16 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

interface Tally {
  applied: Array<WritingPlan['action']>;
  invocations: number;
  looks: VerifyStatus[];
}

async function execute(definition: LoadedStateMachine, scenario: Scenario) {
  const tally: Tally = { applied: [], invocations: 0, looks: [] };
  const { plan } = scenario.planned;
  let look = 0;
  let fault = 0;
  const run = await runStateMachine(definition, { incident: { key: 'fuzz' }, event: {}, mode: 'auto', triage: { category: 'UNKNOWN', plan: { action: 'notify-only', reason: 'triage' } } }, {
    handlers: {
      // The Diagnose contract includes the resolved mode (the ASL copies it to $.mode).
      diagnose: () => ({ category: 'UNKNOWN', confidence: 0.9, summary: 'generated', evidence: [], plan, runbook: 'docs/runbooks/UNKNOWN.md', mode: 'auto' }),
      notify: () => ({ slack: null }),
      // After a continued rollback is steady: drift detection, done at the first look.
      detectDrift: () => ({ status: 'DETECTION_COMPLETE', drifted: [] }),
      remediate: (input: { diagnosis: { plan: WritingPlan } }) => {
        tally.invocations++;
        if (tally.invocations > RUNAWAY) throw Object.assign(new Error('runaway: remediated past any budget'), { name: 'Runaway' });
        // Never two in a row, so an attempt is retried by the ASL at most once (its Retry allows 4).
        if (scenario.transientFaults[fault++] === true && scenario.transientFaults[fault - 2] !== true) throw new TransientAwsError('UpdateService failed transiently (ThrottlingException): Rate exceeded');
        tally.applied.push(input.diagnosis.plan.action);
        return { action: input.diagnosis.plan.action, applied: true, dryRun: false, steps: ['applied'], verifyDeadline: new Date(Date.now() + 60_000).toISOString() };
      },
      checkDeployment: () => {
        // After the generated looks, a rollout that keeps failing: the worst case for the budget.
        const status = scenario.looks[look++] ?? 'FAILED';
        tally.looks.push(status);
        return { status, detail: `generated look ${look}`, checkedAt: new Date().toISOString() };
      },
    },
  });
  return { run, tally };
}

function budgetViolations(scenario: Scenario, result: Awaited<ReturnType<typeof execute>>): string[] {
  const { plan, redeployMaxAttempts } = scenario.planned;
  const { run, tally } = result;
  const problems: string[] = [];
  const budget = budgetOf(plan);
  if (tally.applied.length > budget) problems.push(`applied ${tally.applied.length} times, budget ${budget} (${plan.action}${fallbackOf(plan) ? ` then ${fallbackOf(plan)!.action}` : ''})`);
  const redeploys = tally.applied.filter((a) => a === 'ecs-redeploy').length;
  if (redeploys > redeployMaxAttempts) problems.push(`${redeploys} redeploys, REDEPLOY_MAX_ATTEMPTS ${redeployMaxAttempts}`);
  const own = tally.applied.filter((a) => a === plan.action).length;
  if (own > attemptsOf(plan)) problems.push(`${own} attempts of ${plan.action}, its budget ${attemptsOf(plan)}`);
  const outcome = (run.output as { outcome?: string } | undefined)?.outcome;
  const first = tally.looks.findIndex((s) => s === 'STEADY' || s === 'SUPERSEDED');
  if (run.status !== 'SUCCEEDED') problems.push(`execution ${run.status}: ${run.error?.name} ${run.error?.message}`);
  else if (tally.looks.includes('STEADY') && tally.looks[first] === 'STEADY' && outcome !== 'resolved') problems.push(`a STEADY look ended ${outcome}`);
  else if (!tally.looks.includes('STEADY') && outcome !== 'escalated') problems.push(`never steady, yet ${outcome}`);
  if (first !== -1 && first !== tally.looks.length - 1) problems.push(`kept looking after ${tally.looks[first]}`);
  return problems;
}

describe('Property: attempts never above budget (the real remediation ASL)', () => {
  it(`${RUNS} generated plans and verify sequences: applied attempts <= budget (REDEPLOY_MAX_ATTEMPTS, +1 fallback), every execution ends`, async () => {
    const definition = machine();
    const seen = { maxApplied: 0, fallbacks: 0, retried: 0 };
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const result = await execute(definition, scenario);
        seen.maxApplied = Math.max(seen.maxApplied, result.tally.applied.length);
        if (result.run.visited.includes('UseFallback')) seen.fallbacks++;
        if (result.run.retries.Remediate) seen.retried++;
        expect(budgetViolations(scenario, result)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    // The runs reach the interesting corners: fallbacks, ASL retries, budgets spent in full.
    expect(seen.fallbacks).toBeGreaterThan(0);
    expect(seen.retried).toBeGreaterThan(0);
    expect(seen.maxApplied).toBeGreaterThanOrEqual(4);
  });

  it('the worst case exactly: a redeploy that never becomes steady is applied REDEPLOY_MAX_ATTEMPTS times, then the rollback once', async () => {
    const [planned] = fc.sample(planArb.filter((p) => p.plan.action === 'ecs-redeploy' && p.plan.fallback?.action === 'ecs-rollback' && p.redeployMaxAttempts === 3), { numRuns: 1, seed: 3 });
    const { tally, run } = await execute(machine(), { planned: planned!, looks: [], transientFaults: [] });
    expect(tally.applied).toEqual(['ecs-redeploy', 'ecs-redeploy', 'ecs-redeploy', 'ecs-rollback']);
    expect(run.output).toMatchObject({ outcome: 'escalated' });
  });

  it('the property can fail: an off-by-one in CanRetry (<= instead of <) is caught', async () => {
    const broken = machine();
    const canRetry = (broken.definition as AslDefinition).States.CanRetry as unknown as { Choices: Array<{ And?: Array<Record<string, unknown>> }> };
    const attempt = canRetry.Choices[0]!.And![1]!;
    delete attempt.NumericLessThanPath;
    attempt.NumericLessThanEqualsPath = '$.diagnosis.plan.retry.maxAttempts';
    const run = await fc.check(
      fc.asyncProperty(scenarioArb, async (scenario) => budgetViolations(scenario, await execute(broken, scenario)).length === 0),
      { numRuns: 40, seed: 11 },
    );
    expect(run.failed).toBe(true);
  });
});
