/** A user error: printed as one line on stderr, exit code 2, nothing on stdout (DESIGN.md 4.2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
