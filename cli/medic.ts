/**
 * Entry point of the `medic` command: dispatches to a registered command. User errors
 * print one line on stderr and exit 2 with nothing on stdout (DESIGN.md 4.2).
 */
import { COMMANDS } from './commands/registry';
import { UsageError } from './usage';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'medic - deploy-medic, auto-remediation for AWS deployments',
    '',
    'Usage: medic <command> [options]    (medic <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // parseArgs throws TypeErrors with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION: also user errors.
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
    // One line, whatever the message quotes (a JSON parser may quote the bad input's newlines).
    process.stderr.write(`medic: ${(error as Error).message.replace(/\s*\n\s*/g, ' ')}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`medic: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
