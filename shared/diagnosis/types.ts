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

/** Where a piece of text came from: the classifier weighs the same words differently by field. */
export type EcsSignalField = 'stoppedReason' | 'stopCode' | 'containerReason' | 'serviceEvent';

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
  summary: string;
  evidence: string[];
  /** Signals that matched (e.g. which containers were OOM-killed). */
  matched: Signal[];
}
