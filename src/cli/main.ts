// `sluice`: parse the command line, call the layers below, print. Nothing here knows the language.
import { SluiceError } from '../errors.js';
import { formatHelp, parseCommandArgs, type Command } from './command.js';
import { EXIT } from './exit-codes.js';
import { errColors, processIO, type CliIO } from './io.js';
import { registry } from './registry.js';

const VERSION = '0.1.0';

function topHelp(): string {
  const width = Math.max(...registry.map((c) => c.name.length)) + 2;
  return [
    'Sluice: declarative, type-checked integration flows.',
    '',
    'Usage: sluice COMMAND [options]',
    '',
    'Commands:',
    ...registry.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `sluice COMMAND --help` for the options of a command.',
    '',
  ].join('\n');
}

function groupHelp(group: string, commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `Usage: sluice ${group} SUBCOMMAND [options]`,
    '',
    'Subcommands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `Run \`sluice ${group} SUBCOMMAND --help\` for the options of a subcommand.`,
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`sluice ${VERSION}\n`);
    return EXIT.ok;
  }
  const c = errColors(io);
  const entry = registry.find((e) => e.name === name);
  if (!entry) {
    const { closest } = await import('../util/suggest.js');
    const guess = closest(name, registry.map((e) => e.name));
    io.stderr.write(`${c.red('error')}: unknown command \`${name}\`${guess ? `; did you mean \`${guess}\`?` : ''}\nRun \`sluice --help\` for the list of commands.\n`);
    return EXIT.usage;
  }
  try {
    const { commands } = await entry.load();
    let cmd: Command | undefined;
    let args = rest;
    if (commands.length === 1 && commands[0].name === entry.name) {
      cmd = commands[0];
    } else {
      const sub = rest[0];
      if (sub === undefined || sub === '--help' || sub === '-h') {
        io.stdout.write(groupHelp(entry.name, commands));
        return sub === undefined ? EXIT.usage : EXIT.ok;
      }
      cmd = commands.find((x) => x.name === `${entry.name} ${sub}`);
      if (!cmd) {
        io.stderr.write(`${c.red('error')}: unknown subcommand \`${entry.name} ${sub}\`\n` + groupHelp(entry.name, commands));
        return EXIT.usage;
      }
      args = rest.slice(1);
    }
    const parsed = parseCommandArgs(cmd, args);
    if (parsed.help) {
      io.stdout.write(formatHelp(cmd));
      return EXIT.ok;
    }
    return await cmd.run(parsed, io);
  } catch (err) {
    return reportError(err, io);
  }
}

export function reportError(err: unknown, io: CliIO): number {
  const c = errColors(io);
  if (err instanceof SluiceError) {
    io.stderr.write(`${c.red('error')} ${c.dim(err.code)}: ${err.message}\n${err.hint ? `${c.dim('hint:')} ${err.hint}\n` : ''}`);
    return err.exitCode;
  }
  // A bug: say so plainly, keep the stack for the report, but only when asked.
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr.write(`${c.red('internal error')}: ${e.message}\nThis is a bug in Sluice. Set SLUICE_DEBUG=1 to see the stack trace and please report it.\n`);
  if (io.env.SLUICE_DEBUG) io.stderr.write(`${e.stack}\n`);
  return EXIT.failed;
}

/** The process entry point, called by bin/sluice.js. */
export async function runCli(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), processIO());
}
