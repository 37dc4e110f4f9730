/**
 * Incidents for the notify tests: the real OOM event and its offline diagnosis, the run state
 * the state machine holds once the resize is applied and verified, and a CloudFormation
 * DELETE_FAILED incident whose cleanup cannot free everything. Times are fixed, so durations
 * are exact.
 */
import { loadConfig } from '../../shared/config';
import { diagnose } from '../../shared/diagnosis/diagnose';
import type { Diagnosis } from '../../shared/diagnosis/types';
import { parseEvent } from '../../shared/events/parseEvent';
import { type CfnStackIncident, type EcsServiceIncident, incidentFromStackEvent, incidentFromTaskEvent } from '../../shared/incident';
import type { NotificationInput } from '../../shared/notify/formatNotification';
import type { RunState } from '../../shared/runState';
import { ecsEvent, fixture } from '../support/fixtures';

/** The OOM event's time is 2025-03-14T09:27:18Z. */
export const EVENT_TIME = '2025-03-14T09:27:18Z';
export const OPENED_AT = '2025-03-14T09:27:30.000Z';
export const APPLIED_AT = '2025-03-14T09:27:41.000Z';
export const STEADY_AT = '2025-03-14T09:33:28.000Z';
export const NOW = new Date('2025-03-14T09:33:29.000Z');

const parsed = parseEvent(ecsEvent('ecs-task-stopped-oom-fargate'));
if (parsed.kind !== 'ecs-task-state-change') throw new Error('fixture is not a task state change');
export const oomIncident: EcsServiceIncident = incidentFromTaskEvent(parsed.event)!;
export const oomDiagnosis: Diagnosis = diagnose(parsed, { config: loadConfig({}) });

export const NEW_REVISION = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:8';

/** The run state after the resize was applied and the service became steady on it. */
export function resolvedOomRun(overrides: Partial<RunState> = {}): RunState {
  return {
    incident: oomIncident,
    event: {},
    mode: 'auto',
    triage: oomDiagnosis,
    diagnosis: oomDiagnosis,
    remediation: {
      action: 'ecs-resize-memory',
      applied: true,
      dryRun: false,
      steps: [
        `registered ${NEW_REVISION} with task memory 512->1024 MiB, container checkout-api memory 512->1024 MiB`,
        `updated service prod/checkout-api to ${NEW_REVISION}`,
      ],
      appliedAt: APPLIED_AT,
      targetTaskDefinitionArn: NEW_REVISION,
    },
    verification: { status: 'STEADY', detail: `2/2 tasks running on ${NEW_REVISION}`, checkedAt: STEADY_AT, runningCount: 2, desiredCount: 2, rolloutState: 'COMPLETED' },
    ...overrides,
  };
}

/** The run state when the incident opens: diagnosed, nothing applied. */
export function openedOomRun(): RunState {
  const { remediation: _r, verification: _v, ...run } = resolvedOomRun();
  return run;
}

const stackParsed = parseEvent(fixture('events/cfn-stack-delete-failed.json'));
if (stackParsed.kind !== 'cfn-stack-status-change') throw new Error('fixture is not a stack status change');
export const stackIncident: CfnStackIncident = incidentFromStackEvent(stackParsed.event)!;

/** DELETE_FAILED: one ENI can go, the DB subnet group is held by a database that is never touched. */
export const stackDiagnosis: Diagnosis = {
  category: 'DEPENDENCY_VIOLATION',
  confidence: 0.9,
  summary: 'DELETE_FAILED on stack checkout-db: DatabaseSecurityGroup and DatabaseSubnetGroup are still in use',
  evidence: [
    'DatabaseSecurityGroup (AWS::EC2::SecurityGroup): "resource sg-0db00000000000001 has a dependent object"',
    'DatabaseSubnetGroup (AWS::RDS::DBSubnetGroup): "Cannot delete the subnet group because at least one database instance: checkout-db-1 is still using it."',
  ],
  plan: {
    action: 'cfn-cleanup-delete',
    stackId: stackIncident.resource.stackId,
    stackName: 'checkout-db',
    reason: 'free what blocks DatabaseSecurityGroup, DatabaseSubnetGroup, then delete again; if blockers remain, delete retaining them',
    preview: {
      steps: [
        'delete ENI eni-0a1b2c3d4e5f60718 (blocks DatabaseSecurityGroup): detached ENI whose only security groups belong to the stack',
        'skipped: checkout-db-1 (blocks DatabaseSubnetGroup): DB instance checkout-db-1 still uses it: data stores are never touched; fix: move or delete checkout-db-1 deliberately (snapshot first), or retain DatabaseSubnetGroup',
      ],
      unresolvable: ['DatabaseSubnetGroup'],
    },
    retry: { maxAttempts: 2 },
  },
  runbook: 'docs/runbooks/DEPENDENCY_VIOLATION.md',
  incidentKey: stackIncident.key,
};

export const DOCS = 'https://github.com/acme/deploy-medic/blob/main';
export const REPORT = {
  url: 'https://s3.console.aws.amazon.com/s3/object/medic-reports?region=us-east-1&bucketType=general&prefix=reports%2Fabc.md',
  bucket: 'medic-reports',
  key: 'reports/abc.md',
};

/** What the notify Lambda hands formatNotification for the resolved OOM incident. */
export function resolvedOomAlert(overrides: Partial<NotificationInput> = {}): NotificationInput {
  const run = resolvedOomRun();
  return {
    phase: 'resolved',
    stage: 'prod',
    mode: 'auto',
    incident: oomIncident,
    diagnosis: oomDiagnosis,
    remediation: run.remediation!,
    verification: run.verification!,
    openedAt: OPENED_AT,
    docsBaseUrl: DOCS,
    report: REPORT,
    now: NOW,
    ...overrides,
  };
}

/** The stack incident as it opens, twenty seconds after the event. */
export function openedStackAlert(overrides: Partial<NotificationInput> = {}): NotificationInput {
  return {
    phase: 'opened',
    stage: 'prod',
    mode: 'auto',
    incident: stackIncident,
    diagnosis: stackDiagnosis,
    openedAt: '2025-03-18T14:06:40.000Z',
    report: { note: 'not stored (REPORTS_BUCKET is not set)' },
    now: new Date('2025-03-18T14:06:41.000Z'),
    ...overrides,
  };
}
