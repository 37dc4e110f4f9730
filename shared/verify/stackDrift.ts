/**
 * Drift after a continued rollback. ContinueUpdateRollback with ResourcesToSkip leaves the
 * skipped resources as CloudFormation last recorded them, not as they are: the stack says
 * UPDATE_ROLLBACK_COMPLETE while a resource may differ from its template. Drift detection
 * is how on-call learns that before the next deploy trips over it.
 *
 * This module only reads CloudFormation's answers into a report; the waiting is ASL
 * (StartDriftDetection -> WaitForDrift -> CheckDrift in statemachines/remediation.asl.yaml).
 */
import type { DescribeStackDriftDetectionStatusCommandOutput, StackResourceDrift } from '@aws-sdk/client-cloudformation';

/** Looks at the detection before giving up on it (the ASL waits 15 s between looks: 5 minutes). */
export const MAX_DRIFT_LOOKS = 20;
/** Drifted resources listed in the report; the rest are counted. */
export const MAX_DRIFTED_LISTED = 20;

export interface DriftedResource {
  logicalId: string;
  type: string;
  physicalId: string;
  /** MODIFIED or DELETED. */
  status: string;
  /**
   * `Properties.DesiredCount (NOT_EQUAL)`: the paths that differ, never their values - a
   * property can hold a secret (an environment variable, a connection string).
   */
  differences: string[];
}

export type DriftReport =
  | { status: 'IN_PROGRESS'; detectionId: string; looks: number }
  | {
      /** COMPLETE: every resource that supports detection was checked; FAILED: some could not be. */
      status: 'COMPLETE' | 'FAILED' | 'TIMED_OUT';
      detectionId: string;
      /** DRIFTED, IN_SYNC, UNKNOWN, NOT_CHECKED (CloudFormation's StackDriftStatus). */
      stackDriftStatus?: string;
      driftedCount: number;
      resources: DriftedResource[];
      /** CloudFormation's DetectionStatusReason: which resources failed and why (often a missing read permission). */
      reason?: string;
      checkedAt: string;
    };

/**
 * @example
 * driftReport(status, drifts, new Date()); // { status: 'COMPLETE', stackDriftStatus: 'DRIFTED', driftedCount: 1, resources: [...] }
 */
export function driftReport(
  status: Pick<DescribeStackDriftDetectionStatusCommandOutput, 'StackDriftDetectionId' | 'DetectionStatus' | 'StackDriftStatus' | 'DetectionStatusReason' | 'DriftedStackResourceCount'>,
  drifts: readonly StackResourceDrift[],
  now: Date,
): DriftReport {
  const resources = drifts
    .filter((d) => d.StackResourceDriftStatus === 'MODIFIED' || d.StackResourceDriftStatus === 'DELETED')
    .map(
      (d): DriftedResource => ({
        logicalId: d.LogicalResourceId ?? '?',
        type: d.ResourceType ?? '?',
        physicalId: d.PhysicalResourceId ?? '',
        status: d.StackResourceDriftStatus ?? '?',
        differences: (d.PropertyDifferences ?? []).map((p) => `${p.PropertyPath ?? '?'} (${p.DifferenceType ?? '?'})`),
      }),
    );
  return {
    status: status.DetectionStatus === 'DETECTION_COMPLETE' ? 'COMPLETE' : 'FAILED',
    detectionId: status.StackDriftDetectionId ?? '',
    ...(status.StackDriftStatus ? { stackDriftStatus: status.StackDriftStatus } : {}),
    driftedCount: status.DriftedStackResourceCount ?? resources.length,
    resources: resources.slice(0, MAX_DRIFTED_LISTED),
    ...(status.DetectionStatusReason ? { reason: status.DetectionStatusReason } : {}),
    checkedAt: now.toISOString(),
  };
}

/**
 * The lines an alert shows. A drift detection that failed or could not run is reported, never
 * hidden: the stack is still recovered, but nobody should assume it matches its template.
 *
 * @example
 * describeDrift(report); // ['1 resource drifted from the template after the rollback:', '  CheckoutService (AWS::ECS::Service) MODIFIED: Properties.DesiredCount (NOT_EQUAL)']
 */
export function describeDrift(report: DriftReport | undefined, error?: { Error?: string; Cause?: string }): string[] {
  if (error !== undefined) return [`Drift not checked: ${error.Error ?? 'error'} - ${(error.Cause ?? '').slice(0, 300)}`];
  if (report === undefined) return [];
  const command = `aws cloudformation describe-stack-drift-detection-status --stack-drift-detection-id ${report.detectionId}`;
  if (report.status === 'IN_PROGRESS') return [`Drift detection still running: ${command}`];
  if (report.status === 'TIMED_OUT') return [`Drift detection still running after ${MAX_DRIFT_LOOKS} looks: ${command}`];
  const lines: string[] = [];
  if (report.driftedCount === 0 && report.status === 'COMPLETE') {
    lines.push(`No drift: every resource that supports drift detection matches the template (${report.stackDriftStatus ?? 'IN_SYNC'}).`);
  } else if (report.driftedCount > 0) {
    lines.push(`${report.driftedCount} resource${report.driftedCount === 1 ? '' : 's'} drifted from the template after the rollback:`);
    for (const r of report.resources) {
      lines.push(`  ${r.logicalId} (${r.type}${r.physicalId ? ` ${r.physicalId}` : ''}) ${r.status}${r.differences.length ? `: ${r.differences.join(', ')}` : ''}`);
    }
    if (report.driftedCount > report.resources.length) lines.push(`  ... and ${report.driftedCount - report.resources.length} more: aws cloudformation describe-stack-resource-drifts`);
  }
  if (report.status === 'FAILED') {
    lines.push(`Drift detection failed for some resources${report.reason ? `: ${report.reason}` : ''} (the drift role may lack read access to them - docs/operations.md).`);
  }
  return lines;
}

/** True when the report says a human should reconcile something. */
export function driftNeedsAttention(report: DriftReport | undefined, error?: unknown): boolean {
  if (error !== undefined) return true;
  if (report === undefined) return false;
  return report.status !== 'COMPLETE' || report.driftedCount > 0;
}
