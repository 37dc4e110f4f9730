/**
 * Diagnosis of a `CloudFormation Resource Status Change` event from the event alone (offline).
 *
 * A resource event names the failing resource and carries its own reason (the
 * DependencyViolation, the "already exists", the "is still using it"), seconds before the
 * stack's event, which only lists names. It is classified by the one CloudFormation engine
 * with its resource type and status, because the same words mean different blockers on
 * different resource types. What it means for the incident (incidentFromStackEvent):
 *
 * - `DELETE_FAILED`: the incident of the stack's DELETE_FAILED, with the same key as the stack
 *   event of that operation, so whichever arrives first opens the one incident. Notify-only
 *   offline; the online diagnosis confirms the stack's status first (a DELETE_FAILED in a
 *   create's rollback ends in ROLLBACK_FAILED, one in an update's cleanup leaves the update
 *   complete and the resource behind).
 * - `CREATE_FAILED`, `UPDATE_FAILED` and the other failures: not an incident by itself. The
 *   stack rolls back, and its own status change (ROLLBACK_COMPLETE, UPDATE_ROLLBACK_FAILED
 *   ...) is the incident. Plan `none`, no incident key; the cause is still classified, because
 *   it is the cause the stack's diagnosis reads back.
 * - Anything else (`*_COMPLETE`, `*_IN_PROGRESS`): not a failure, plan `none`.
 */
import type { CfnResourceStatusChangeEvent } from '../../events/cfnResourceStatusChange';
import { stackRefFromId } from '../../events/cfnStackId';
import { incidentFromStackEvent } from '../../incident';
import { runbookFor } from '../../taxonomy';
import type { Diagnosis } from '../types';
import { aboutResource, classifyStatusReason, type DiagnoseCfnEventOptions, operationEvidence } from './diagnoseStackEvent';
import type { CfnSignal } from './rules';

/**
 * @example
 * const diagnosis = diagnoseResourceEvent(event);
 * diagnosis.category;    // 'DEPENDENCY_VIOLATION' for a security group "has a dependent object"
 * diagnosis.incidentKey; // the key of the stack's DELETE_FAILED, for a DELETE_FAILED resource
 */
export function diagnoseResourceEvent(event: CfnResourceStatusChangeEvent, options: DiagnoseCfnEventOptions = {}): Diagnosis {
  const { detail } = event;
  const { status } = detail['status-details'];
  const reason = detail['status-details']['status-reason']?.trim() ?? '';
  const logical = detail['logical-resource-id'];
  const type = detail['resource-type'];
  const physical = detail['physical-resource-id']?.trim() ?? '';
  const stack = stackRefFromId(detail['stack-id'])?.stackName ?? detail['stack-id'];
  const resource = `${logical} (${type})`;

  const signal: CfnSignal = { text: reason, resourceType: type, status, logicalResourceId: logical, ...(physical !== '' ? { physicalResourceId: physical } : {}) };
  const classification = classifyStatusReason(signal, options.rules);
  const facts = [
    `resource ${resource}${physical !== '' ? ` ${physical}` : ''} in stack ${stack} (${detail['stack-id']}): ${status}`,
    operationEvidence(detail['client-request-token']),
  ];
  const diagnosis = (summary: string, plan: Diagnosis['plan'], evidence: string[] = []): Diagnosis => ({
    category: classification.category,
    confidence: classification.confidence,
    summary,
    evidence: [...classification.evidence, ...facts, ...evidence],
    plan,
    runbook: runbookFor(classification.category),
  });

  const incident = incidentFromStackEvent(event);
  if (incident !== undefined) {
    return {
      ...diagnosis(
        `${classification.category} in stack ${stack} (DELETE_FAILED): ${aboutResource({ logical, description: `${resource} failed to delete` }, classification.summary)}`,
        {
          action: 'notify-only',
          reason: `offline: ${logical} blocks the stack delete; the online diagnosis reads the stack's status (DescribeStacks) and what still holds ${physical !== '' ? physical : logical}, and plans its cleanup only if it belongs to the stack`,
        },
        [
          "one incident with the stack's DELETE_FAILED: a resource that cannot be deleted fails the stack delete (in a create's rollback the stack ends ROLLBACK_FAILED instead; in an update's cleanup the update completes and leaves the resource behind)",
        ],
      ),
      incidentKey: incident.key,
    };
  }
  if (status.endsWith('_FAILED')) {
    return diagnosis(`${classification.category} in stack ${stack}: ${aboutResource({ logical, description: `${resource} ${status}` }, classification.summary)} (not an incident by itself)`, {
      action: 'none',
      reason: `${status} of one resource is not an incident by itself: the stack rolls back and its own status change decides; the online diagnosis of that reads this reason back from the stack events`,
    });
  }
  return diagnosis(`${resource} in stack ${stack} is ${status}: not a failure`, { action: 'none', reason: `${status}: not a failure` });
}
