/**
 * Shapes of `medic preflight`: a finding, a check, the context a check runs in, the report.
 *
 * A check is one registered entry (the Cloud Custodian shape): its name, what it looks at,
 * the IAM actions it needs (the CI policy in docs/preflight.md is generated from them) and
 * `run(context)`, which returns findings and never writes to AWS.
 */
import type { Stack, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import type { PreflightClients } from './clients';
import type { Template } from './template';

/**
 * - `blocking`: the deploy would fail (or cannot even start); CI should stop here.
 * - `warning`: the deploy may go through, but something needs a human (orphans, a denied action).
 * - `info`: what was checked, and what could not be checked and why (never a silent pass).
 */
export type Severity = 'blocking' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['blocking', 'warning', 'info'];

export interface Finding {
  /** `<check>.<what>`, stable: CI can grep or filter on it (`name-clash.exists`). */
  id: string;
  severity: Severity;
  /** The AWS resource or template resource the finding is about: `sg-0abc`, `AssetsBucket`. */
  resource?: string;
  message: string;
  /** The exact command or change that resolves it; empty when there is nothing to do. */
  fix: string;
}

/** Who CI is about to deploy as (STS GetCallerIdentity). */
export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
  /** `aws`, `aws-cn`, `aws-us-gov`: from the ARN, for building other ARNs. */
  partition: string;
}

export interface PreflightContext {
  stackName: string;
  region: string;
  /** The parsed `--template`; undefined when none was given. */
  template?: Template;
  clients: PreflightClients;
  /** STS GetCallerIdentity, called once. Rejects when there are no working credentials. */
  identity(): Promise<CallerIdentity>;
  /** DescribeStacks NAME, called once; undefined when no stack of that name exists. */
  stack(): Promise<Stack | undefined>;
  /** ListStackResources of the current stack, called once; [] when there is no stack. */
  stackResources(): Promise<StackResourceSummary[]>;
}

export interface PreflightCheck {
  /** Kebab-case; the prefix of every finding id the check produces. */
  name: string;
  /** One line for docs and `--help`. */
  summary: string;
  /** Exactly the IAM actions `run` needs (read-only; sts:GetCallerIdentity needs none). */
  iamActions: readonly string[];
  /** True when the check reads the template: without `--template` it is skipped, and says so. */
  needsTemplate: boolean;
  /**
   * True for the credentials check: when it reports a blocking finding, nothing after it runs
   * (every other check would only fail the same way).
   */
  gate?: boolean;
  run(context: PreflightContext): Promise<Finding[]>;
}

export interface PreflightSummary {
  blocking: number;
  warning: number;
  info: number;
  /** `blocked` when any finding is blocking: the CLI exits 1. */
  verdict: 'clear' | 'blocked';
  region: string;
}

export interface PreflightReport {
  stack: string;
  /** The account the credentials point at; null when they do not work. */
  account: string | null;
  findings: Finding[];
  summary: PreflightSummary;
}
