// `sluice`: parse the command line, call the layers below, print. Nothing here knows the language.
import { delimiter, resolve } from 'node:path';
import { SluiceError } from '../errors.js';
import { formatHelp, parseCommandArgs, type Command } from './command.js';
import { EXIT } from './exit-codes.js';
import { stopQuietlyOnClosedPipe } from './closed-pipe.js';
import { errColors, processIO, type CliIO } from './io.js';
import { registry } from './registry.js';
import { tracingWanted } from '../runtime/tracing.js';

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
    '`--apps DIR` (any command) adds the app definitions of DIR; `./apps` is read too.',
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

/**
 * Takes `--apps DIR` / `--apps=DIR` (any command, repeatable) out of the arguments: folders of the
 * user's own app definitions. They go to `$SLUICE_APPS`, which the registry reads (and processes
 * started from this one, such as the agent, inherit).
 */
function takeAppsOption(argv: string[]): string[] {
  const out: string[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a === '--apps' && i + 1 < argv.length) dirs.push(argv[++i]);
    else if (a.startsWith('--apps=')) dirs.push(a.slice('--apps='.length));
    else out.push(a);
  }
  if (dirs.length > 0) process.env.SLUICE_APPS = [...dirs.map((d) => resolve(d)), ...(process.env.SLUICE_APPS ? [process.env.SLUICE_APPS] : [])].join(delimiter);
  return out;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = takeAppsOption(argv);
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
    // A group may also be a command itself (`apps` lists, `apps validate FILE` checks).
    const own = commands.find((x) => x.name === entry.name);
    const named = rest[0] === undefined ? undefined : commands.find((x) => x.name === `${entry.name} ${rest[0]}`);
    if (own && named) {
      cmd = named;
      args = rest.slice(1);
    } else if (own) {
      cmd = own;
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
    // OpenTelemetry is loaded only when the environment asks for traces (tracing.ts).
    const tracing = tracingWanted(io.env) ? await import('../runtime/tracing.js') : null;
    await tracing?.startTracing(io.env);
    try {
      return await cmd.run(parsed, io);
    } finally {
      await tracing?.shutdownTracing();
    }
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
  stopQuietlyOnClosedPipe(process.stdout);
  stopQuietlyOnClosedPipe(process.stderr);
  process.exitCode = await main(process.argv.slice(2), processIO());
}
