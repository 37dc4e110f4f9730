import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Reads a JSON fixture (real AWS shapes, see test/fixtures/README.md). Fresh copy each call. */
export function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(`${root}${path}`, 'utf8')) as T;
}

export const ecsEvent = (name: string) => fixture<Record<string, unknown> & { detail: Record<string, unknown> }>(`events/${name}.json`);
