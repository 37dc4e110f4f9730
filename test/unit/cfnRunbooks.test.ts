/** Every CloudFormation category has its runbook, in the runbooks' common section order. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CFN_CATEGORIES, type CfnCategory, runbookFor } from '../../shared/taxonomy';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const SECTIONS = ['What it means', 'What AWS says', 'How to confirm', 'How to fix', 'What deploy-medic does automatically', 'Related'];
/** Runbooks shared with ECS: their CloudFormation part is a `## CloudFormation` section with the same subsections. */
const SHARED = new Set<CfnCategory>(['PERMISSIONS', 'UNKNOWN']);

/** The headings of one level, in order, within `text`. */
const headings = (text: string, level: '##' | '###') => [...text.matchAll(new RegExp(`^${level} (.+)$`, 'gm'))].map((m) => m[1]);

describe('CloudFormation runbooks', () => {
  it.each(CFN_CATEGORIES.filter((c) => !SHARED.has(c)))('%s: its own runbook, with the six sections in order', (category) => {
    const text = read(runbookFor(category));
    expect(text.startsWith(`# ${category} — `)).toBe(true);
    expect(headings(text, '##')).toEqual(SECTIONS);
  });

  it.each([...SHARED])('%s: a "## CloudFormation" section after the ECS part, with the six subsections in order', (category: CfnCategory) => {
    const text = read(runbookFor(category));
    const part = text.slice(text.indexOf('\n## CloudFormation\n'));
    expect(part.length).toBeLessThan(text.length);
    expect(headings(part, '###').filter((h) => h !== undefined && !h.startsWith('Triage'))).toEqual(SECTIONS);
  });

  it('the runbook index has a CloudFormation table that links every category', () => {
    const index = read('docs/runbooks/README.md');
    const table = index.slice(index.indexOf('\n## CloudFormation stacks\n'));
    for (const category of CFN_CATEGORIES) expect(table, category).toMatch(new RegExp(`\\| \\[${category}\\]\\(${category}\\.md`));
  });
});
