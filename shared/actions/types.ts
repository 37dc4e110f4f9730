import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Mode } from '../config';
import type { Plan } from '../planning/plan';
import type { CarriedFacts } from '../runState';

/** SDK clients an action may use; injected so tests and the demo can point them anywhere. */
export interface ActionClients {
  ecs: ECSClient;
  cloudformation: CloudFormationClient;
  ec2: EC2Client;
  rds: RDSClient;
  s3: S3Client;
}

export interface ActionContext {
  incidentKey: string;
  mode: Mode;
  /** `MEDIC_PROTECTED` patterns: actions that re-plan (stack cleanup) skip what they match. */
  protectedResources?: readonly string[];
  /** Clock, injectable so the verify deadline is testable. */
  now?: () => Date;
  /** What the Diagnose step read and passed along, so an action need not read it again. */
  known?: CarriedFacts;
  /**
   * The state machine vouches that no earlier try of this plan ran in this execution, so there is
   * nothing half done to look for (functions/remediate/handler.ts isFirstTry). Absent: assume there
   * may have been one.
   */
  firstTry?: true;
}

/** What an action did (or, in observe mode, would have done): the audit record of one step. */
export interface ActionOutcome {
  action: Plan['action'];
  /** True when AWS was changed. Always false in observe mode. */
  applied: boolean;
  dryRun: boolean;
  /** One line per step: what it did, what it would do, or why it skipped. */
  steps: string[];
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  appliedAt?: string;
}

/**
 * A registered remediation action (the Cloud Custodian shape): its name is the plan's
 * `action`, it declares the IAM actions it needs (checked against serverless.yml), it can
 * explain itself without touching AWS, and it applies a plan idempotently.
 */
export interface ActionDefinition<P extends Plan = Plan> {
  name: P['action'];
  description: string;
  /** Exactly the IAM actions `apply` calls. */
  iamActions: readonly string[];
  /** What `apply` would do, one line per step, without calling AWS. */
  describe(plan: P): string[];
  apply(plan: P, clients: ActionClients, context: ActionContext): Promise<ActionOutcome>;
}
