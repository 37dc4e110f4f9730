/**
 * The shape of the Remediation state machine's state (its execution input, grown by each
 * state's ResultPath). Handlers take slices of it; the ASL is the one place that wires them.
 */
import type { Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import type { ActionOutcome } from './actions/types';
import type { ApprovalRunState } from './approval/approvalNote';
import type { Mode } from './config';
import type { Diagnosis } from './diagnosis/types';
import type { Incident } from './incident';
import type { GuardName } from './policy/admission';
import type { DeploymentCheck } from './verify/evaluateDeployment';
import type { DriftReport } from './verify/stackDrift';

/** Execution input, written by the ingest Lambda. */
export interface RemediationInput {
  incident: Incident;
  /** The EventBridge event that opened the incident, exactly as delivered. */
  event: unknown;
  /** The mode at detection time: one execution never changes mode half-way. */
  mode: Mode;
  /** The offline diagnosis made at ingest; the fallback if the online Diagnose step fails. */
  triage: Diagnosis;
}

/** Why a writing action was not admitted (shared/policy/admission.ts): nothing was written. */
export interface Refusal {
  guard: GuardName;
  kind: 'blast-radius-cap' | 'loop-breaker';
  /** The setting's value (a count, or seconds for the cooldown). */
  limit: number;
  /** The configuration setting that sets it: MAX_CONCURRENT_REMEDIATIONS ... */
  setting: string;
  reason: string;
}

export interface RemediationResult extends ActionOutcome {
  /** Present when a cap or the loop breaker refused the action: the state machine escalates. */
  refused?: Refusal;
  /** The execution holding a concurrency slot for this change: CheckDeployment frees it once steady. */
  slotHolder?: string;
  /** When the applied change must be steady by, ISO-8601. */
  verifyDeadline?: string;
  /** The revision the Verify loop waits for. */
  targetTaskDefinitionArn?: string;
  /** The deployment our UpdateService started, when ECS named it. */
  targetDeploymentId?: string;
  /** Instead of a target: steady on any revision but this one (CloudFormation picks the revision). */
  awayFromTaskDefinitionArn?: string;
  /** For stacks: the status the remediation drives the stack to (DELETE_COMPLETE, UPDATE_ROLLBACK_COMPLETE). */
  targetStackStatus?: string;
}

/**
 * Facts the Diagnose step read that a later step needs exactly as read, passed along in the
 * state instead of read twice. Only what a plan's action uses, and only when small: the
 * state of a Standard execution is limited to 256 KB, and it is kept in the execution history.
 */
export interface CarriedFacts {
  /** The failing revision as DescribeTaskDefinition returned it (a revision never changes): ecs-resize-memory copies it. */
  failingTaskDefinition?: { taskDefinition: TaskDefinition; tags: Tag[] };
}

/** The Diagnose step's result: the diagnosis, and what it read for the steps after it. Notifications drop `carried`. */
export type DiagnoseOutput = Diagnosis & { carried?: CarriedFacts };

export interface RunState extends RemediationInput, ApprovalRunState {
  diagnosis: DiagnoseOutput;
  /** Approve mode: the dry run of the plan (what on-call approves), before anything is written. */
  proposal?: ActionOutcome;
  remediation?: RemediationResult;
  verification?: DeploymentCheck;
  /** After a continued update rollback: does the stack still match its template? */
  drift?: DriftReport;
  /** Drift detection itself failed (Step Functions Catch output); the stack is recovered all the same. */
  driftError?: { Error?: string; Cause?: string };
  error?: { Error?: string; Cause?: string };
}
