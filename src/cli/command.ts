// The shape of a CLI command. Each command lives in its own module under cli/commands and is
// loaded only when called, so that `sluice check` does not pay for the HTTP client or SQLite.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import type { CliIO } from './io.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  /** One line for --help; `<value>` names the argument. */
  description: string;
  valueName?: string;
};

export interface Command {
  /** e.g. `check` or `connections add`. */
  name: string;
  summary: string;
  /** Usage line after `sluice `, e.g. `check [options] FILE|DIR...`. */
  usage: string;
  /** Longer help text (examples, notes), printed after the options. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Whether positional arguments are accepted. */
  positionals?: boolean;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export const helpOption: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs & { help: boolean } {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(cmd.options)) {
    const { description: _d, valueName: _v, ...o } = spec;
    options[name] = o;
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (!cmd.positionals && positionals.length > 0 && !values.help) {
      // A stray word may be a token pasted in the wrong place: never echo one that looks like it.
      const shown = /^[0-9a-f]{32,}$/i.test(positionals[0]) ? `****${positionals[0].slice(-4)}` : positionals[0];
      throw new UsageError(`\`sluice ${cmd.name}\` takes no argument \`${shown}\``, `Usage: sluice ${cmd.usage}`);
    }
    return { values: values as ParsedArgs['values'], positionals, help: Boolean(values.help) };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const msg = err instanceof Error ? err.message.replace(/\. To specify a positional.*$/s, '') : String(err);
    throw new UsageError(msg, `Usage: sluice ${cmd.usage}\nRun \`sluice ${cmd.name} --help\` for the options.`);
  }
}

export function formatHelp(cmd: Command): string {
  const lines = [`${cmd.summary}`, '', `Usage: sluice ${cmd.usage}`, '', 'Options:'];
  const rows: [string, string][] = [];
  for (const [name, spec] of Object.entries({ ...cmd.options, help: helpOption })) {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : ''}`;
    rows.push([flag, spec.description + (spec.multiple ? ' (repeatable)' : '')]);
  }
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  for (const [f, d] of rows) lines.push(`  ${f.padEnd(width)}${d}`);
  if (cmd.details) lines.push('', cmd.details.trimEnd());
  return lines.join('\n') + '\n';
}

/** Reads a string option, or undefined. */
export const str = (args: ParsedArgs, name: string): string | undefined => {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
};
export const strs = (args: ParsedArgs, name: string): string[] => {
  const v = args.values[name];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
};
export const flag = (args: ParsedArgs, name: string): boolean => args.values[name] === true;

/** `--format text|json`, shared by every command whose output may be machine-read. */
export const formatOption: OptionSpec = {
  type: 'string',
  valueName: 'text|json',
  default: 'text',
  description: 'output format: text for people, json for scripts',
};

export function outputFormat(args: ParsedArgs): 'text' | 'json' {
  const f = str(args, 'format') ?? 'text';
  if (f !== 'text' && f !== 'json') throw new UsageError(`unknown --format \`${f}\``, 'Use --format text or --format json.');
  return f;
}
