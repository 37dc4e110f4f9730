/**
 * The one classification engine for ECS text: the stopped-task classifier, `medic
 * classify` and the diagnose task all call it, so they can never disagree.
 */
import type { Classification, Signal } from '../types';
import { ECS_RULES, type EcsRule } from './rules';

interface Match {
  rule: EcsRule;
  matched: Signal[];
  /** The signals that satisfied `rule.requires`, quoted as evidence too. */
  context: Signal[];
}

/**
 * Runs every rule over every signal; the most confident match wins (ties: the rule listed
 * first, which is why specific rules are listed before the generic ones they refine). No
 * match is an honest UNKNOWN with confidence 0.
 *
 * @example
 * classifySignals([{ field: 'containerReason', text: 'OutOfMemoryError: Container killed due to memory usage', container: 'app' }]);
 * // { category: 'OOM', confidence: 0.95, ruleId: 'oom-killed', ... }
 */
export function classifySignals(signals: readonly Signal[], rules: readonly EcsRule[] = ECS_RULES): Classification {
  let best: Match | undefined;
  for (const rule of rules) {
    const match = matchRule(rule, signals);
    if (match === undefined) continue;
    if (best === undefined || rule.confidence > best.rule.confidence) best = match;
  }
  if (best === undefined) {
    return {
      category: 'UNKNOWN',
      confidence: 0,
      summary: 'no known cause matches this failure',
      evidence: signals.map(quote),
      matched: [],
    };
  }
  const { rule, matched, context } = best;
  const first = matched[0] as Signal;
  return {
    category: rule.category,
    confidence: rule.confidence,
    ruleId: rule.id,
    ...(rule.variant !== undefined ? { variant: rule.variant } : {}),
    summary: rule.summary(first),
    evidence: [...matched.map(quote), ...context.map(quote), ...variantEvidence(rule)],
    matched,
  };
}

/** The signals a rule matches, or undefined when it does not apply (no match, or its required context is missing). */
export function matchRule(rule: EcsRule, signals: readonly Signal[]): Match | undefined {
  const matched = signals.filter((s) => rule.fields.includes(s.field) && rule.pattern.test(s.text));
  if (matched.length === 0) return undefined;
  const { requires } = rule;
  if (requires === undefined) return { rule, matched, context: [] };
  const context = signals.filter((s) => requires.fields.includes(s.field) && requires.pattern.test(s.text));
  return context.length > 0 ? { rule, matched, context } : undefined;
}

function variantEvidence(rule: EcsRule): string[] {
  if (rule.variant === undefined) return [];
  if (rule.category === 'CAPACITY_PLACEMENT') return [`failed placement constraint: ${rule.variant}`];
  if (rule.category === 'IMAGE_PULL') {
    return [rule.variant === 'transient' ? 'pull failure is transient: a retry with backoff can succeed' : 'pull failure is permanent: retrying the same image cannot succeed'];
  }
  return [`variant: ${rule.variant}`];
}

export function quote(signal: Signal): string {
  const owner = signal.container !== undefined ? ` (container ${signal.container})` : '';
  return `${signal.field}${owner}: "${signal.text}"`;
}
