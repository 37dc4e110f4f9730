/**
 * Diagnosis of a `CloudFormation Stack Status Change` event from the event alone (offline).
 *
 * - A status the stack stays stuck (or dead) in (`CFN_STACK_INCIDENT_STATUSES`: DELETE_FAILED,
 *   UPDATE_ROLLBACK_FAILED, ROLLBACK_COMPLETE ...) is an incident, keyed by
 *   `incidentFromStackEvent`. Its `status-reason` goes through the one CloudFormation
 *   classification engine. That reason is mostly a list ("The following resource(s) failed to
 *   delete: [A, B]. "): the causes are in the resources' own events, so the offline answer is
 *   often an honest UNKNOWN, and the plan is notify-only with what the online diagnosis will
 *   read to plan the remediation.
 * - Every other status (CREATE_COMPLETE, UPDATE_COMPLETE, DELETE_COMPLETE, *_IN_PROGRESS,
 *   UPDATE_ROLLBACK_COMPLETE ...) is not an incident: plan `none` and no incident key.
 */
import { stackRefFromId } from '../../events/cfnStackId';
import { type CfnStackIncidentStatus, type CfnStackStatusChangeEvent, isCfnStackIncidentStatus } from '../../events/cfnStackStatusChange';
import { incidentFromStackEvent } from '../../incident';
import { runbookFor } from '../../taxonomy';
import type { Classification, Diagnosis } from '../types';
import { classifyCfnSignals } from './classifyCfnSignals';
import type { CfnRule, CfnSignal } from './rules';

export interface DiagnoseCfnEventOptions {
  /** The cause rules; the registry in rules.ts unless a test brings its own. */
  rules?: readonly CfnRule[];
}

/** What each incident status means for the stack, in a phrase. */
const STATUS_MEANING: Record<CfnStackIncidentStatus, string> = {
  DELETE_FAILED: 'the delete failed; the stack stays until what blocks its resources is gone',
  ROLLBACK_FAILED: 'the create failed and its rollback could not remove everything',
  IMPORT_ROLLBACK_FAILED: 'the import failed and its rollback failed',
  ROLLBACK_COMPLETE: 'the create failed and was rolled back; the stack can only be deleted',
  UPDATE_ROLLBACK_FAILED: 'the update failed and so did its rollback; the stack cannot be updated until the rollback is continued',
  CREATE_FAILED: 'the create failed (final when rollback is disabled)',
  UPDATE_FAILED: 'the update failed (final when rollback is disabled)',
};

/** What the online diagnosis reads for each incident status before anything is planned. */
const ONLINE_NEXT: Record<CfnStackIncidentStatus, string> = {
  DELETE_FAILED:
    'offline: the event names the resources that failed to delete, not why; the online diagnosis reads each DELETE_FAILED resource and its reason (DescribeStackEvents) and what still holds it, and plans the cleanup of the blockers that belong to the stack',
  ROLLBACK_FAILED:
    'offline: the online diagnosis reads the resources the rollback could not delete and their reasons (DescribeStackEvents), and plans their cleanup before the stack is deleted',
  IMPORT_ROLLBACK_FAILED:
    'offline: the online diagnosis reads the resources the import rollback could not handle and their reasons (DescribeStackEvents) before anything is planned',
  ROLLBACK_COMPLETE:
    'offline: a stack in ROLLBACK_COMPLETE can only be deleted; the online diagnosis reads the CREATE_FAILED resource that started the rollback (DescribeStackEvents) and checks that nothing is left before planning the delete',
  UPDATE_ROLLBACK_FAILED:
    'offline: the online diagnosis reads why the rollback failed (DescribeStackEvents) and whether ContinueUpdateRollback can succeed, with or without resources to skip',
  CREATE_FAILED:
    'offline: the online diagnosis checks whether rollback was disabled (DescribeStacks DisableRollback) or the stack is rolling back (then its ROLLBACK_* status decides), and reads the failed resources and their reasons',
  UPDATE_FAILED:
    'offline: the online diagnosis checks whether rollback was disabled (DescribeStacks DisableRollback) or the stack is rolling back (then its UPDATE_ROLLBACK_* status decides), and reads the failed resources and their reasons',
};

/** "The following resource(s) failed to delete: [A, B]. " (the stack-level reason AWS writes) */
const FAILED_RESOURCES = /The following resource\(s\) failed to (create|update|delete|import): \[([^\]]*)\]/i;

/**
 * @example
 * const diagnosis = diagnoseStackEvent(event);
 * diagnosis.plan.action; // 'notify-only' for DELETE_FAILED, 'none' for UPDATE_COMPLETE
 * diagnosis.incidentKey; // 'cfn:us-east-1:111122223333:checkout-db@9a4c2e70-…:DELETE_FAILED:Console-DeleteStack-…'
 */
export function diagnoseStackEvent(event: CfnStackStatusChangeEvent, options: DiagnoseCfnEventOptions = {}): Diagnosis {
  const { detail } = event;
  const { status } = detail['status-details'];
  const reason = detail['status-details']['status-reason']?.trim() ?? '';
  const stack = stackRefFromId(detail['stack-id'])?.stackName ?? detail['stack-id'];
  const classification = classifyStatusReason({ text: reason }, options.rules);
  const where = `stack ${stack} (${detail['stack-id']}): ${status}`;
  const failed = failedResourcesOf(reason);
  const facts = [
    ...(failed ? [`failed to ${failed.verb}: ${failed.names.join(', ')} (each one's own reason is in its resource event)`] : []),
    operationEvidence(detail['client-request-token']),
  ];

  const incident = incidentFromStackEvent(event);
  if (incident !== undefined && isCfnStackIncidentStatus(status)) {
    return {
      category: classification.category,
      confidence: classification.confidence,
      summary: `${classification.category} in stack ${stack} (${status}): ${
        classification.category === 'UNKNOWN' && failed
          ? `${failed.names.join(', ')} failed to ${failed.verb}; the stack's reason only names them, their own reasons say why`
          : classification.summary
      }`,
      evidence: [...classification.evidence, `${where}: ${STATUS_MEANING[status]}`, ...facts],
      plan: { action: 'notify-only', reason: ONLINE_NEXT[status] },
      runbook: runbookFor(classification.category),
      incidentKey: incident.key,
    };
  }
  return {
    category: classification.category,
    confidence: classification.confidence,
    summary: `stack ${stack} is ${status}: not a failure deploy-medic acts on`,
    evidence: [...classification.evidence, where, ...facts],
    plan: { action: 'none', reason: notAnIncident(status) },
    runbook: runbookFor(classification.category),
  };
}

/**
 * A classification's summary about a resource: the rule summaries name the resource
 * themselves ("DatabaseSecurityGroup (AWS::EC2::SecurityGroup) cannot be deleted ..."); the
 * others are prefixed with it.
 */
export function aboutResource(resource: { logical: string; description: string }, summary: string): string {
  return summary.includes(resource.logical) ? summary : `${resource.description}: ${summary}`;
}

/**
 * The one CloudFormation engine over a status reason; an empty reason (most successful
 * transitions, and ROLLBACK_COMPLETE) is an honest UNKNOWN that says so.
 */
export function classifyStatusReason(signal: CfnSignal, rules?: readonly CfnRule[]): Classification {
  if (signal.text === '') {
    return { category: 'UNKNOWN', confidence: 0, summary: 'the event gives no status reason', evidence: ['status-reason: (none)'], matched: [] };
  }
  return classifyCfnSignals([signal], rules);
}

/** The stack operation an event belongs to, as evidence. */
export function operationEvidence(token: string | undefined): string {
  return token?.trim()
    ? `operation: client-request-token "${token.trim()}" (every event of this stack operation carries it)`
    : 'operation: no client-request-token (the API call that started it passed none)';
}

function failedResourcesOf(reason: string): { verb: string; names: string[] } | undefined {
  const match = FAILED_RESOURCES.exec(reason);
  if (match === null) return undefined;
  const [, verb = '', list = ''] = match;
  const names = list
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.length === 0 ? undefined : { verb: verb.toLowerCase(), names };
}

function notAnIncident(status: string): string {
  if (status.endsWith('_IN_PROGRESS')) return `${status}: the operation is still running; its final status decides`;
  if (status === 'UPDATE_ROLLBACK_COMPLETE' || status === 'IMPORT_ROLLBACK_COMPLETE') {
    return `${status}: the failed operation was rolled back and the stack is back at its last working state: nothing is stuck`;
  }
  if (status.endsWith('_COMPLETE')) return `${status}: the operation succeeded: nothing to remediate`;
  return `${status} is not a stack status deploy-medic acts on`;
}
