/**
 * The CloudFormation rules against real status reasons (test/fixtures/texts/cfn-status-reasons.json):
 * one case per text, then the calibration the confidences in shared/diagnosis/cfn/rules.ts promise.
 */
import { describe, expect, it } from 'vitest';
import { classifyText } from '../../shared/diagnosis/classifyText';
import { CFN_RULES } from '../../shared/diagnosis/cfn/rules';
import { CFN_CATEGORIES, type CfnCategory } from '../../shared/taxonomy';
import { fixture } from '../support/fixtures';

interface RealText {
  text: string;
  resourceType?: string;
  status?: string;
  category: CfnCategory;
  source: string;
}

const corpus = fixture<RealText[]>('texts/cfn-status-reasons.json');
const classify = (t: RealText) =>
  classifyText({
    source: 'cloudformation',
    text: t.text,
    ...(t.resourceType !== undefined ? { resourceType: t.resourceType } : {}),
    ...(t.status !== undefined ? { status: t.status } : {}),
  });
const short = (text: string) => (text.length > 90 ? `${text.slice(0, 87)}...` : text).replace(/\n/g, '\\n');

describe('CloudFormation rules on real status reasons', () => {
  it('the corpus is well-formed: a known category, a source for every text, 50+ texts', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    for (const t of corpus) {
      expect(CFN_CATEGORIES).toContain(t.category);
      expect(t.source).toMatch(/^https:\/\//);
      expect(t.text.trim()).not.toBe('');
    }
  });

  it('every category except UNKNOWN has at least one real text', () => {
    const present = new Set(corpus.map((t) => t.category));
    expect(CFN_CATEGORIES.filter((c) => !present.has(c))).toEqual([]);
  });

  describe.each(corpus.map((t, i) => [i, t.category, t.resourceType ?? '-', short(t.text), t] as const))('#%i %s (%s): %s', (_i, _category, _type, _text, t) => {
    it('is classified as AWS documents it', () => {
      expect(classify(t).category).toBe(t.category);
    });

    it('without resourceType and status the answer is the same cause or UNKNOWN, never another cause', () => {
      expect([t.category, 'UNKNOWN']).toContain(classifyText({ source: 'cloudformation', text: t.text }).category);
    });
  });

  describe('calibration', () => {
    const results = corpus.map((t) => ({ expected: t.category, text: t.text, ...classify(t) }));

    it.each(CFN_CATEGORIES.filter((c) => c !== 'UNKNOWN'))('%s: every answer at confidence >= 0.9 is right (precision 100%%)', (category) => {
      const confident = results.filter((r) => r.category === category && r.confidence >= 0.9);
      expect(confident.filter((r) => r.expected !== category)).toEqual([]);
    });

    it('per category on the corpus: precision and recall are 100% (the table above, summed up)', () => {
      const table = Object.fromEntries(
        CFN_CATEGORIES.map((category) => {
          const predicted = results.filter((r) => r.category === category);
          const actual = results.filter((r) => r.expected === category);
          const hits = predicted.filter((r) => r.expected === category).length;
          return [category, { texts: actual.length, precision: predicted.length === 0 ? 1 : hits / predicted.length, recall: actual.length === 0 ? 1 : hits / actual.length }];
        }),
      );
      for (const category of CFN_CATEGORIES) {
        expect(table[category], category).toEqual({ texts: results.filter((r) => r.expected === category).length, precision: 1, recall: 1 });
      }
    });

    it('a rule that never decides a corpus text claims no more than 0.9 (no evidence for more)', () => {
      const fired = new Set(results.map((r) => r.ruleId));
      expect(CFN_RULES.filter((r) => !fired.has(r.id) && r.confidence > 0.9).map((r) => r.id)).toEqual([]);
    });

    it('UNKNOWN answers carry confidence 0, and nothing else does', () => {
      for (const r of results) expect(r.category === 'UNKNOWN').toBe(r.confidence === 0);
    });

    it('the stack-level summaries ("The following resource(s) failed to ...", "Embedded stack ...") name no cause', () => {
      const summaries = results.filter((r) => /^(?:The following resource\(s\) failed|Embedded stack )/.test(r.text));
      expect(summaries.length).toBeGreaterThan(5);
      for (const r of summaries) expect(r.category, r.text).toBe('UNKNOWN');
    });
  });
});

describe('CloudFormation rule registry', () => {
  it('every CloudFormation category except UNKNOWN has at least one rule', () => {
    const covered = new Set(CFN_RULES.map((r) => r.category));
    expect(CFN_CATEGORIES.filter((c) => c !== 'UNKNOWN' && !covered.has(c))).toEqual([]);
  });

  it('rule ids are unique', () => {
    const ids = CFN_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(CFN_RULES.map((r) => [r.id, r] as const))('%s: confidence in (0, 1], a source cited, a CloudFormation category', (_id, rule) => {
    expect(rule.confidence).toBeGreaterThan(0);
    expect(rule.confidence).toBeLessThanOrEqual(1);
    expect(rule.source).toMatch(/^https:\/\//);
    expect(CFN_CATEGORIES).toContain(rule.category);
    expect(rule.category).not.toBe('UNKNOWN');
  });

  it('a rule scoped to resource types or guarded by `unless` never claims more than 0.9', () => {
    // Scoped rules fall back to generic words; the exact wordings are unscoped and carry 0.95.
    expect(CFN_RULES.filter((r) => (r.resourceTypes || r.unless) && r.confidence > 0.9).map((r) => r.id)).toEqual([]);
  });
});
