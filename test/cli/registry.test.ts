import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands/registry';

describe('medic command registry', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: the help summary is the command\'s own, and it has usage with examples', async (name, entry) => {
    const command = await entry.load();
    expect(command.name).toBe(name);
    expect(entry.summary).toBe(command.summary);
    expect(command.usage).toMatch(/medic /);
  });
});
