import type { Category } from '../taxonomy';
import type { Plan } from '../planning/plan';

/**
 * The answer to "what broke and what do we do": the `medic diagnose` output contract
 * (DESIGN.md 4.2) and the Diagnose state's result.
 */
export interface Diagnosis {
  category: Category;
  /** 0..1: how sure the classifier is. UNKNOWN carries 0. */
  confidence: number;
  summary: string;
  /** One line per fact that led here, quoting AWS's own words where there are any. */
  evidence: string[];
  plan: Plan;
  runbook: string;
  /** Absent when the event belongs to no incident (a standalone task, a normal stop). */
  incidentKey?: string;
}

/**
 * Where a piece of text came from: the classifier weighs the same words differently by field.
 * `exitCode` carries a container's exit code as text ("137"); it is produced only by
 * `exitCodeSignals` (shared/diagnosis/ecs/exitCodeSignals.ts), never parsed out of prose.
 */
export type EcsSignalField = 'stoppedReason' | 'stopCode' | 'containerReason' | 'serviceEvent' | 'exitCode';

/** Every ECS signal field, for validating input that names one (`medic classify`). */
export const ECS_SIGNAL_FIELDS: readonly EcsSignalField[] = ['stoppedReason', 'stopCode', 'containerReason', 'serviceEvent', 'exitCode'];

/**
 * IMAGE_PULL sub-kinds the planner needs: `transient` (throttling, a registry 5xx, a full
 * host disk: a retry with backoff can succeed) or `permanent` (wrong repository, tag or
 * digest, denied access, a manifest the runtime cannot use: a retry cannot).
 */
export type ImagePullVariant = 'transient' | 'permanent';

/** CAPACITY_PLACEMENT sub-kinds: the placement constraint that failed. */
export type PlacementConstraint =
  | 'memory'
  | 'cpu'
  | 'ports'
  | 'attribute'
  | 'no-container-instances'
  | 'agent-disconnected'
  | 'fargate-capacity'
  | 'quota'
  | 'availability-zone';

export type ClassificationVariant = ImagePullVariant | PlacementConstraint;

export interface Signal {
  field: EcsSignalField;
  text: string;
  /** The container the text belongs to, for container reasons. */
  container?: string;
}

export interface Classification {
  category: Category;
  confidence: number;
  /** The rule that decided, for the audit trail. */
  ruleId?: string;
  /** The sub-kind, where the category has ones the planner needs (IMAGE_PULL, CAPACITY_PLACEMENT). */
  variant?: ClassificationVariant;
  summary: string;
  evidence: string[];
  /** Signals that matched (e.g. which containers were OOM-killed). */
  matched: Signal[];
}
