/**
 * The ECS rules against AWS's real texts (test/fixtures/texts/ecs-stopped-reasons.json):
 * one case per text, then the calibration the confidences in rules.ts promise.
 */
import { describe, expect, it } from 'vitest';
import { classifyText } from '../../shared/diagnosis/classifyText';
import { ECS_RULES } from '../../shared/diagnosis/ecs/rules';
import { ECS_SIGNAL_FIELDS, type EcsSignalField } from '../../shared/diagnosis/types';
import { ECS_CATEGORIES, type EcsCategory } from '../../shared/taxonomy';
import { fixture } from '../support/fixtures';

interface RealText {
  text: string;
  field: EcsSignalField;
  category: EcsCategory;
  source: string;
}

const corpus = fixture<RealText[]>('texts/ecs-stopped-reasons.json');
const classify = (t: RealText) => classifyText({ source: 'ecs', text: t.text, field: t.field });
const short = (text: string) => (text.length > 90 ? `${text.slice(0, 87)}...` : text);

describe('ECS rules on real AWS texts', () => {
  it('the corpus is well-formed: a known field and category, and a source for every text', () => {
    for (const t of corpus) {
      expect(ECS_SIGNAL_FIELDS).toContain(t.field);
      expect(ECS_CATEGORIES).toContain(t.category);
      expect(t.source).toMatch(/^https:\/\//);
    }
  });

  describe.each(corpus.map((t, i) => [i, t.category, t.field, short(t.text), t] as const))('#%i %s (%s): %s', (_i, _category, _field, _text, t) => {
    it('is classified as AWS documents it', () => {
      expect(classify(t).category).toBe(t.category);
    });

    it('gets the same category when the field is not given (every field is tried)', () => {
      expect(classifyText({ source: 'ecs', text: t.text }).category).toBe(t.category);
    });
  });

  describe('calibration', () => {
    const results = corpus.map((t) => ({ expected: t.category, ...classify(t) }));

    it.each(ECS_CATEGORIES.filter((c) => c !== 'UNKNOWN'))('%s: every answer at confidence >= 0.9 is right (precision 100%%)', (category) => {
      const confident = results.filter((r) => r.category === category && r.confidence >= 0.9);
      expect(confident.filter((r) => r.expected !== category)).toEqual([]);
    });

    it('per category on the corpus: precision and recall are 100% (the table above, summed up)', () => {
      const table = Object.fromEntries(
        ECS_CATEGORIES.map((category) => {
          const predicted = results.filter((r) => r.category === category);
          const actual = results.filter((r) => r.expected === category);
          const hits = predicted.filter((r) => r.expected === category).length;
          return [category, { precision: predicted.length === 0 ? 1 : hits / predicted.length, recall: actual.length === 0 ? 1 : hits / actual.length }];
        }),
      );
      for (const category of ECS_CATEGORIES) expect(table[category], category).toEqual({ precision: 1, recall: 1 });
    });

    it('a rule that never fires on the corpus claims no more than 0.9 (no evidence for more)', () => {
      const fired = new Set(results.map((r) => r.ruleId));
      const unproven = ECS_RULES.filter((r) => !fired.has(r.id) && r.confidence > 0.9).map((r) => r.id);
      expect(unproven).toEqual([]);
    });

    it('UNKNOWN answers carry confidence 0, and nothing else does', () => {
      for (const r of results) expect(r.category === 'UNKNOWN').toBe(r.confidence === 0);
    });
  });
});

describe('ECS rule registry', () => {
  it('every ECS category except UNKNOWN has at least one rule', () => {
    const covered = new Set(ECS_RULES.map((r) => r.category));
    expect(ECS_CATEGORIES.filter((c) => c !== 'UNKNOWN' && !covered.has(c))).toEqual([]);
  });

  it('rule ids are unique', () => {
    const ids = ECS_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(ECS_RULES.map((r) => [r.id, r] as const))('%s: confidence in (0, 1], trusted fields named, a source cited', (_id, rule) => {
    expect(rule.confidence).toBeGreaterThan(0);
    expect(rule.confidence).toBeLessThanOrEqual(1);
    expect(rule.fields.length).toBeGreaterThan(0);
    for (const f of rule.fields) expect(ECS_SIGNAL_FIELDS).toContain(f);
    expect(rule.source).toMatch(/^https:\/\//);
  });

  it('every IMAGE_PULL rule says transient or permanent; no other category says either', () => {
    for (const rule of ECS_RULES) {
      if (rule.category === 'IMAGE_PULL') expect(['transient', 'permanent'], rule.id).toContain(rule.variant);
      else expect(['transient', 'permanent'], rule.id).not.toContain(rule.variant);
    }
  });

  it('variants appear only on IMAGE_PULL and CAPACITY_PLACEMENT rules', () => {
    const withVariant = ECS_RULES.filter((r) => r.variant !== undefined).map((r) => r.category);
    expect([...new Set(withVariant)].sort()).toEqual(['CAPACITY_PLACEMENT', 'IMAGE_PULL']);
  });

  it('APP_CRASH is never claimed above 0.5: the words AWS uses for it say nothing about the cause', () => {
    for (const rule of ECS_RULES.filter((r) => r.category === 'APP_CRASH')) expect(rule.confidence).toBeLessThanOrEqual(0.5);
  });
});
