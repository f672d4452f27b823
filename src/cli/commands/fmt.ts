// `sluice fmt FILE...`: print the canonical form, rewrite files (--write), or list the files that
// are not formatted (--check, exit 1) for CI.
import { readFileSync, statSync } from 'node:fs';
import { format } from '../../language/format.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { flag, type Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { collectFlowFiles } from '../files.js';
import { errColors, outColors } from '../io.js';
import { renderDiagnostic } from '../render-diagnostics.js';
import { UsageError } from '../../errors.js';

const fmt: Command = {
  name: 'fmt',
  summary: 'format flows in the canonical style',
  usage: 'fmt [--write | --check] FILE|DIR...',
  positionals: true,
  options: {
    write: { type: 'boolean', short: 'w', description: 'rewrite the files in place (atomically)' },
    check: { type: 'boolean', description: 'print the files that are not formatted and exit 1 if there are any' },
  },
  details: `Without --write or --check the formatted text is printed. Comments are kept. A file with
syntax errors is left as it is and its errors are printed (exit 1).`,
  async run(args, io) {
    const write = flag(args, 'write');
    const checkOnly = flag(args, 'check');
    if (write && checkOnly) throw new UsageError('--write and --check cannot be used together');
    if (args.positionals.length === 0) throw new UsageError('no file given', 'Usage: sluice fmt [--write | --check] FILE|DIR...');
    const files = collectFlowFiles(args.positionals, io.cwd);
    let failed = false;
    const unformatted: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const r = format(text);
      if (!r.ok) {
        failed = true;
        for (const d of r.diagnostics) io.stderr.write(`${renderDiagnostic(file, text, d, errColors(io))}\n\n`);
        continue;
      }
      if (checkOnly) {
        if (r.text !== text) unformatted.push(file);
      } else if (write) {
        if (r.text !== text) {
          writeFileAtomic(file, r.text, { mode: statSync(file).mode & 0o7777 });
          io.stdout.write(`formatted ${file}\n`);
        }
      } else io.stdout.write(r.text);
    }
    if (checkOnly) {
      for (const f of unformatted) io.stdout.write(`${f}\n`);
      if (unformatted.length > 0) {
        io.stderr.write(`${outColors(io).yellow(`${unformatted.length} file${unformatted.length === 1 ? '' : 's'} not formatted`)}; run \`sluice fmt --write\` on ${unformatted.length === 1 ? 'it' : 'them'}\n`);
      }
    }
    return failed || unformatted.length > 0 ? EXIT.failed : EXIT.ok;
  },
};

export const commands = [fmt];
