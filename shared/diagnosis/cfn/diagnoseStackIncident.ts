/**
 * Online diagnosis of a failed stack: the resources that failed and their own reasons (the
 * root cause, not the cascade), classified by the CloudFormation rules, then a plan for the
 * stack's status - with the blocker graph as evidence when a delete failed.
 */
import type { MedicConfig } from '../../config';
import type { CfnStackIncident } from '../../incident';
import type { StackFacts } from '../../facts/gatherStackFacts';
import { planCfnRemediation } from '../../planning/planCfnRemediation';
import { scopeVerdict } from '../../policy/scope';
import { type CfnCategory, runbookFor } from '../../taxonomy';
import type { Diagnosis } from '../types';
import { classifyCfnSignals } from './classifyCfnSignals';
import { classifyStackFailure } from './rootCause';
import type { CfnSignal } from './rules';

const FAILED = /_FAILED$/;
const CASCADE = /^Resource (creation|update) cancelled/i;

/**
 * @example
 * const diagnosis = diagnoseStackIncident(incident, { config, facts: await gatherStackFacts(sources, incident) });
 */
export function diagnoseStackIncident(incident: CfnStackIncident, options: { config: MedicConfig; facts: StackFacts }): Diagnosis {
  const { facts } = options;
  const stack = facts.stack;
  const status = stack?.StackStatus ?? incident.failure.status;
  const failedResources = facts.resources.filter((r) => FAILED.test(r.ResourceStatus ?? ''));
  // The root cause is a resource's own failure, not the cascade CloudFormation adds after it.
  const rootSignals: CfnSignal[] = failedResources
    .filter((r) => !CASCADE.test(r.ResourceStatusReason ?? ''))
    .map((r) => ({
      text: r.ResourceStatusReason ?? '',
      ...(r.ResourceType ? { resourceType: r.ResourceType } : {}),
      ...(r.ResourceStatus ? { status: r.ResourceStatus } : {}),
      ...(r.LogicalResourceId ? { logicalResourceId: r.LogicalResourceId } : {}),
      ...(r.PhysicalResourceId ? { physicalResourceId: r.PhysicalResourceId } : {}),
    }));
  const stackSignal: CfnSignal[] = stack?.StackStatusReason ? [{ text: stack.StackStatusReason, status }] : [];
  // Nothing is failed now (a create that rolled back deleted it all): the events keep the root cause.
  const classification =
    rootSignals.length === 0 && facts.events.length > 0
      ? classifyStackFailure(facts.events, { stackId: incident.resource.stackId }).classification
      : classifyCfnSignals([...rootSignals, ...stackSignal]);
  const category = classification.category as CfnCategory;

  const plan = planCfnRemediation({
    stackId: incident.resource.stackId,
    stackName: incident.resource.stackName,
    status,
    category,
    verdict: scopeVerdict({ kind: 'cfn-stack', name: incident.resource.stackName, tags: stack?.Tags }, options.config.scope),
    scope: {
      stackId: incident.resource.stackId,
      stackName: incident.resource.stackName,
      resources: facts.resources.map((r) => ({ logicalId: r.LogicalResourceId ?? '', physicalId: r.PhysicalResourceId, type: r.ResourceType ?? '', status: r.ResourceStatus ?? '' })),
    },
    blocked: facts.blocked,
    failedRollback: rootSignals
      .filter((s) => s.status === 'UPDATE_FAILED')
      .map((s) => ({ logicalId: s.logicalResourceId ?? '', category: classifyCfnSignals([s]).category as CfnCategory })),
    clashes: facts.clashes,
    orphans: facts.orphans,
    quota: quotaNamed(classification.evidence),
    config: options.config,
  });

  return {
    category,
    confidence: classification.confidence,
    summary: `${category} in stack ${incident.resource.stackName} (${status}): ${classification.summary}`,
    evidence: [
      ...(rootSignals.length === 0 ? classification.evidence : []),
      ...rootSignals.map((s) => `${s.logicalResourceId ?? ''} ${s.resourceType ?? ''} ${s.status ?? ''}: "${s.text}"`.trim()),
      ...(stack?.StackStatusReason ? [`stack ${status}: "${stack.StackStatusReason}"`] : []),
      ...blockerEvidence(facts),
    ],
    plan,
    runbook: runbookFor(category),
    incidentKey: incident.key,
  };
}

function blockerEvidence(facts: StackFacts): string[] {
  return facts.blocked.flatMap((resource) =>
    resource.blockers.length === 0
      ? [`${resource.logicalId} (${resource.physicalId}): no blocker found`]
      : resource.blockers.map((b) => {
          switch (b.kind) {
            case 'eni':
              return `${resource.logicalId} (${resource.physicalId}) <- ENI ${b.eni.id} ${b.eni.status}, owner ${b.eni.owner}${b.eni.description ? ` ("${b.eni.description}")` : ''}`;
            case 'sg-reference':
              return `${resource.logicalId} (${resource.physicalId}) <- ${b.reference.direction} rule in ${b.reference.groupId} (${b.reference.protocol} ${b.reference.fromPort ?? ''}-${b.reference.toPort ?? ''})`;
            case 'db-instance':
            case 'db-cluster':
              return `${resource.logicalId} (${resource.physicalId}) <- ${b.kind} ${b.id}${b.status ? ` (${b.status})` : ''}`;
            case 'bucket-not-empty':
              return `${resource.logicalId} (${resource.physicalId}) <- objects in bucket ${b.bucket}`;
            case 'unknown':
              return `${resource.logicalId} (${resource.physicalId}): ${b.reason}`;
          }
        }),
  );
}

/** The quota a QUOTA_LIMIT reason names, as the rules' evidence quotes it (best effort). */
function quotaNamed(evidence: string[]): string | undefined {
  const line = evidence.find((e) => /quota:/i.test(e));
  return line?.replace(/^.*quota:\s*/i, '');
}
