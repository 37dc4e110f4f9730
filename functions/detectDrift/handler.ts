/**
 * DetectDrift task: after a continued update rollback is steady, ask CloudFormation whether
 * the stack still matches its template. Two operations, one per Task state: `start` begins a
 * detection, `check` takes one look at it; the Wait between looks is ASL.
 *
 * CloudFormation reads each resource with THIS function's credentials, so its role carries
 * only the drift calls unless the stage opts in to a read policy (param driftReadPolicyArn):
 * without it, resources it may not read come back as a failed detection, which the alert
 * reports as such.
 */
import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
} from '@aws-sdk/client-cloudformation';
import { transientAware } from '../../shared/aws/transient';
import { RemediationError } from '../../shared/errors';
import type { Incident } from '../../shared/incident';
import { instrumentHandler } from '../../shared/instrumentHandler';
import { logger, traced } from '../../shared/observability';
import { type DriftReport, driftReport, MAX_DRIFT_LOOKS } from '../../shared/verify/stackDrift';

export type DetectDriftInput = { op: 'start'; incident: Incident } | { op: 'check'; incident: Incident; drift: DriftReport };

export function makeDetectDriftHandler(deps: { cloudformation: CloudFormationClient; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const detectDrift = async (input: DetectDriftInput): Promise<DriftReport> => {
    const { resource } = input.incident;
    if (resource.type !== 'cfn-stack') throw new RemediationError(`drift detection is for stacks; incident ${input.incident.key} is about ${resource.type}`);

    if (input.op === 'start') {
      const out = await transientAware('DetectStackDrift', () => deps.cloudformation.send(new DetectStackDriftCommand({ StackName: resource.stackId })));
      if (!out.StackDriftDetectionId) throw new RemediationError(`DetectStackDrift on ${resource.stackName} returned no detection id`);
      logger.info('drift detection started', { detectionId: out.StackDriftDetectionId });
      return { status: 'IN_PROGRESS', detectionId: out.StackDriftDetectionId, looks: 0 };
    }
    if (input.op !== 'check') throw new RemediationError(`unknown drift operation "${(input as { op?: unknown }).op}": expected start or check`);

    const { detectionId } = input.drift;
    const status = await transientAware('DescribeStackDriftDetectionStatus', () =>
      deps.cloudformation.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: detectionId })),
    );
    if (status.DetectionStatus === 'DETECTION_IN_PROGRESS') {
      const looks = (input.drift.status === 'IN_PROGRESS' ? input.drift.looks : 0) + 1;
      if (looks < MAX_DRIFT_LOOKS) return { status: 'IN_PROGRESS', detectionId, looks };
      return { status: 'TIMED_OUT', detectionId, driftedCount: 0, resources: [], checkedAt: now().toISOString() };
    }
    // Only the resources that differ; IN_SYNC and NOT_CHECKED ones add nothing an on-call can act on.
    const drifts = await transientAware('DescribeStackResourceDrifts', () =>
      deps.cloudformation.send(
        new DescribeStackResourceDriftsCommand({ StackName: resource.stackId, StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'], MaxResults: 100 }),
      ),
    );
    const report = driftReport(status, drifts.StackResourceDrifts ?? [], now());
    logger.info('drift detection finished', { detectionId, status: report.status, driftedCount: report.status === 'IN_PROGRESS' ? 0 : report.driftedCount });
    return report;
  };
  return instrumentHandler('detectDrift', detectDrift, {
    incidentKeyOf: (input) => input.incident.key,
    annotationsOf: (_input, report) => ({ outcome: report?.status }),
  });
}

export const handler = makeDetectDriftHandler({ cloudformation: traced(new CloudFormationClient({})) });
