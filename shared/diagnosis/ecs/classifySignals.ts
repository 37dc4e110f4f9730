/**
 * The one classification engine for ECS text: the stopped-task classifier, `medic
 * classify` and the diagnose task all call it, so they can never disagree.
 */
import type { Classification, Signal } from '../types';
import { ECS_RULES, type EcsRule } from './rules';

/**
 * Runs every rule over every signal; the most confident match wins (ties: the rule listed
 * first). No match is an honest UNKNOWN with confidence 0.
 *
 * @example
 * classifySignals([{ field: 'containerReason', text: 'OutOfMemoryError: Container killed due to memory usage', container: 'app' }]);
 * // { category: 'OOM', confidence: 0.95, ruleId: 'oom-killed', ... }
 */
export function classifySignals(signals: readonly Signal[], rules: readonly EcsRule[] = ECS_RULES): Classification {
  let best: { rule: EcsRule; matched: Signal[] } | undefined;
  for (const rule of rules) {
    const matched = signals.filter((s) => rule.fields.includes(s.field) && rule.pattern.test(s.text));
    if (matched.length === 0) continue;
    if (best === undefined || rule.confidence > best.rule.confidence) best = { rule, matched };
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
  const first = best.matched[0] as Signal;
  return {
    category: best.rule.category,
    confidence: best.rule.confidence,
    ruleId: best.rule.id,
    summary: best.rule.summary(first),
    evidence: best.matched.map(quote),
    matched: best.matched,
  };
}

export function quote(signal: Signal): string {
  const owner = signal.container !== undefined ? ` (container ${signal.container})` : '';
  return `${signal.field}${owner}: "${signal.text}"`;
}
