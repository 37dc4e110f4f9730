/**
 * The one classification engine for CloudFormation text: stack diagnosis, the DELETE_FAILED
 * planner and `medic classify` all call it.
 */
import type { Classification } from '../types';
import { CFN_RULES, type CfnRule, type CfnSignal } from './rules';

/**
 * The most confident rule matching any signal wins (ties: the rule listed first); no match
 * is an honest UNKNOWN with confidence 0.
 *
 * @example
 * classifyCfnSignals([{ text: 'resource sg-0a1b has a dependent object', resourceType: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED' }]);
 * // { category: 'DEPENDENCY_VIOLATION', confidence: 0.9, ... }
 */
export function classifyCfnSignals(signals: readonly CfnSignal[], rules: readonly CfnRule[] = CFN_RULES): Classification {
  let best: { rule: CfnRule; signal: CfnSignal } | undefined;
  for (const rule of rules) {
    const signal = signals.find((s) => matches(rule, s));
    if (signal === undefined) continue;
    if (best === undefined || rule.confidence > best.rule.confidence) best = { rule, signal };
  }
  if (best === undefined) {
    return { category: 'UNKNOWN', confidence: 0, summary: 'no known cause matches this failure', evidence: signals.map(quoteCfn), matched: [] };
  }
  return {
    category: best.rule.category,
    confidence: best.rule.confidence,
    ruleId: best.rule.id,
    summary: best.rule.summary(best.signal),
    evidence: [quoteCfn(best.signal)],
    matched: [],
  };
}

export function matches(rule: CfnRule, signal: CfnSignal): boolean {
  if (rule.resourceTypes && (signal.resourceType === undefined || !rule.resourceTypes.includes(signal.resourceType))) return false;
  if (rule.statuses && (signal.status === undefined || !rule.statuses.includes(signal.status))) return false;
  return rule.pattern.test(signal.text);
}

export function quoteCfn(signal: CfnSignal): string {
  const where = signal.logicalResourceId ? `${signal.logicalResourceId} ${signal.resourceType ?? ''} ${signal.status ?? ''}`.trim() : (signal.status ?? 'stack');
  return `${where}: "${signal.text}"`;
}
