/**
 * The preflight registry: every check `medic preflight` runs, in the order its findings
 * are printed. Adding a check is one module in ./checks plus one entry here; the registry
 * test checks that each entry declares read-only IAM actions, and that docs/preflight.md
 * describes it and carries the policy {@link preflightIamPolicy} generates.
 */
import { describeError } from './awsErrors';
import { credentialsCheck } from './checks/credentials';
import { ecrImagesCheck } from './checks/ecrImages';
import { nameClashesCheck } from './checks/nameClashes';
import { orphansCheck } from './checks/orphans';
import { permissionsCheck } from './checks/permissions';
import { quotasCheck } from './checks/quotas';
import { stackStateCheck } from './checks/stackState';
import type { Finding, PreflightCheck, PreflightContext, PreflightReport } from './types';

export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  credentialsCheck,
  stackStateCheck,
  orphansCheck,
  nameClashesCheck,
  permissionsCheck,
  quotasCheck,
  ecrImagesCheck,
];

/** A check that throws says what it could not check; it never crashes the run, and never passes. */
async function runOne(check: PreflightCheck, context: PreflightContext): Promise<Finding[]> {
  if (check.needsTemplate && context.template === undefined) {
    return [{ id: `${check.name}.skipped`, severity: 'info', message: `not checked: needs --template FILE`, fix: '' }];
  }
  try {
    return await check.run(context);
  } catch (error) {
    return [{ id: `${check.name}.could-not-check`, severity: 'info', message: `could not check: ${describeError(error)}`, fix: '' }];
  }
}

/**
 * Runs the checks (gates first, then the rest concurrently) and summarizes. Read-only:
 * the checks only describe, list, get and simulate.
 *
 * @example
 * const report = await runPreflight(createPreflightContext({ stackName: 'orders', region: 'eu-west-1', template, clients }));
 * report.summary; // { blocking: 1, warning: 2, info: 6, verdict: 'blocked', region: 'eu-west-1' }
 */
export async function runPreflight(context: PreflightContext, checks: readonly PreflightCheck[] = PREFLIGHT_CHECKS): Promise<PreflightReport> {
  const results = new Map<PreflightCheck, Finding[]>();
  let stoppedBy: PreflightCheck | undefined;
  for (const gate of checks.filter((c) => c.gate)) {
    const findings = await runOne(gate, context);
    results.set(gate, findings);
    if (findings.some((f) => f.severity === 'blocking')) {
      stoppedBy = gate;
      break;
    }
  }
  const rest = checks.filter((c) => !results.has(c));
  const ran = await Promise.all(
    rest.map(async (check): Promise<Finding[]> =>
      stoppedBy
        ? [{ id: `${check.name}.skipped`, severity: 'info', message: `not checked: ${stoppedBy.name} failed`, fix: '' }]
        : runOne(check, context),
    ),
  );
  rest.forEach((check, i) => results.set(check, ran[i]!));

  const findings = checks.flatMap((c) => results.get(c) ?? []);
  const tally = (severity: Finding['severity']) => findings.filter((f) => f.severity === severity).length;
  let account: string | null = null;
  if (!stoppedBy) {
    try {
      account = (await context.identity()).account;
    } catch {
      account = null;
    }
  }
  const blocking = tally('blocking');
  return {
    stack: context.stackName,
    account,
    findings,
    summary: { blocking, warning: tally('warning'), info: tally('info'), verdict: blocking > 0 ? 'blocked' : 'clear', region: context.region },
  };
}

/**
 * The IAM policy CI needs to run every check: the union of what the checks declare.
 *
 * @example
 * JSON.stringify(preflightIamPolicy(), null, 2); // paste into the CI role, see docs/preflight.md
 */
export function preflightIamPolicy(checks: readonly PreflightCheck[] = PREFLIGHT_CHECKS) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'MedicPreflightReadOnly',
        Effect: 'Allow',
        Action: [...new Set(checks.flatMap((c) => c.iamActions))].sort(),
        Resource: '*',
      },
    ],
  };
}
