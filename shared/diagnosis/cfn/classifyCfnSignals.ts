/**
 * The one classification engine for CloudFormation text: stack diagnosis, the DELETE_FAILED
 * planner and `medic classify` all call it, so they can never disagree.
 */
import type { Classification } from '../types';
import { CFN_RULES, type CfnFacts, type CfnRule, type CfnSignal } from './rules';

/**
 * A Classification with the facts the winning rule read out of the text (the quota named,
 * the resource that cannot be deleted and what holds it, the name already taken). Additive:
 * anything that takes a Classification takes this.
 */
export interface CfnClassification extends Classification {
  facts?: CfnFacts;
}

/** Categories whose planner needs the id of the resource that cannot be deleted. */
const BLOCKED_DELETE = new Set(['DEPENDENCY_VIOLATION', 'RESOURCE_IN_USE']);

/**
 * The most confident rule matching any signal wins (ties: the rule listed first); no match
 * is an honest UNKNOWN with confidence 0.
 *
 * @example
 * classifyCfnSignals([{ text: 'resource sg-0a1b has a dependent object', resourceType: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED' }]);
 * // { category: 'DEPENDENCY_VIOLATION', confidence: 0.95, ruleId: 'ec2-dependency-violation', facts: { resourceId: 'sg-0a1b' }, ... }
 */
export function classifyCfnSignals(signals: readonly CfnSignal[], rules: readonly CfnRule[] = CFN_RULES): CfnClassification {
  let best: { rule: CfnRule; signal: CfnSignal } | undefined;
  for (const rule of rules) {
    const signal = signals.find((s) => matches(rule, s));
    if (signal === undefined) continue;
    if (best === undefined || rule.confidence > best.rule.confidence) best = { rule, signal };
  }
  if (best === undefined) {
    return { category: 'UNKNOWN', confidence: 0, summary: 'no known cause matches this failure', evidence: signals.map(quoteCfn), matched: [] };
  }
  const { rule, signal } = best;
  const facts = factsOf(rule, signal);
  return {
    category: rule.category,
    confidence: rule.confidence,
    ruleId: rule.id,
    summary: rule.summary(signal),
    evidence: [quoteCfn(signal), ...Object.entries(facts).map(([key, value]) => `${FACT_LABELS[key] ?? key}: ${value}`)],
    matched: [],
    ...(Object.keys(facts).length > 0 ? { facts } : {}),
  };
}

export function matches(rule: CfnRule, signal: CfnSignal): boolean {
  if (rule.resourceTypes && (signal.resourceType === undefined || !rule.resourceTypes.some((t) => typeMatches(t, signal.resourceType as string)))) return false;
  if (rule.statuses && (signal.status === undefined || !rule.statuses.includes(signal.status))) return false;
  if (rule.unless?.test(signal.text)) return false;
  return rule.pattern.test(signal.text);
}

/** `Custom::*` is a prefix; anything else is the exact type. */
function typeMatches(pattern: string, resourceType: string): boolean {
  return pattern.endsWith('*') ? resourceType.startsWith(pattern.slice(0, -1)) : resourceType === pattern;
}

/**
 * The rule's facts; a blocked delete whose text names no id gets the event's physical id
 * (an S3 bucket that is not empty does not say its own name).
 */
function factsOf(rule: CfnRule, signal: CfnSignal): CfnFacts {
  const facts: CfnFacts = { ...(rule.detail?.(signal) ?? {}) };
  if (BLOCKED_DELETE.has(rule.category) && facts.resourceId === undefined && signal.physicalResourceId) facts.resourceId = signal.physicalResourceId;
  return facts;
}

/** How a fact reads in an evidence line (a key without a label reads as itself). */
const FACT_LABELS: Record<string, string> = {
  resourceId: 'cannot be deleted',
  usedBy: 'used by',
  usedByType: 'used by (kind)',
  dependents: 'still holds',
  quota: 'quota',
  limit: 'quota value',
  requested: 'requested',
  errorCode: 'error code',
  name: 'name already taken',
  ownerStack: 'owned by stack',
  type: 'resource type',
  missing: 'does not exist',
  action: 'denied action',
  principal: 'denied principal',
  service: 'AWS service',
  serviceArn: 'ECS service',
  message: 'custom resource said',
  requestId: 'request id',
  uniqueId: 'signal from',
  signalsExpected: 'signals expected',
  signalsReceived: 'signals received',
  parameters: 'invalid parameters',
  unresolved: 'unresolved references',
  property: 'invalid property',
  kind: 'resource kind',
};

export function quoteCfn(signal: CfnSignal): string {
  const where = signal.logicalResourceId ? `${signal.logicalResourceId} ${signal.resourceType ?? ''} ${signal.status ?? ''}`.replace(/\s+/g, ' ').trim() : (signal.status ?? 'stack');
  return `${where}: "${signal.text}"`;
}
