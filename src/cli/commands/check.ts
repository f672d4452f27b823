// `sluice check FILE|DIR...`: every diagnostic with its exact span, exit 1 when there are errors.
import { readFileSync } from 'node:fs';
import { checkSource } from '../../check/check-source.js';
import type { Diagnostic } from '../../diagnostics.js';
import { flag, formatOption, outputFormat, type Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { collectFlowFiles } from '../files.js';
import { outColors } from '../io.js';
import { renderDiagnostic, summaryLine } from '../render-diagnostics.js';
import { UsageError } from '../../errors.js';
import { strs } from '../command.js';
import { checkerEnvironment } from '../../check/environment.js';
import { parseVarArgs } from '../../state/templates.js';
import { explainFlows } from '../explain.js';

const check: Command = {
  name: 'check',
  summary: 'check flows for syntax and type errors',
  usage: 'check [options] FILE|DIR...',
  positionals: true,
  options: {
    format: formatOption,
    strict: { type: 'boolean', description: 'treat warnings as errors (exit 1 when there are any)' },
    explain: { type: 'boolean', description: 'also print the plan: what each flow asks the API and what the engine does' },
    var: { type: 'string', multiple: true, valueName: 'NAME=VALUE', description: 'a template value, as given to `sluice run` (only the name matters here)' },
  },
  details: `Checks syntax, apps and actions, options, filters, templates, field names and types
through every step, and what each destination requires. Saved connections choose the API version
(v1 when there is none); a connection that is not saved is a warning. Folders are searched for
.flow files. Exit codes: 0 no errors (warnings allowed unless
--strict), 1 errors found, 2 usage error (missing file, unknown flag).

Examples:
  sluice check flows/
  sluice check --format json flows/persons.flow
  sluice check --explain flows/persons_to_jsonl.flow`,
  async run(args, io) {
    const format = outputFormat(args);
    if (args.positionals.length === 0) throw new UsageError('no file given', 'Usage: sluice check [options] FILE|DIR...');
    const files = collectFlowFiles(args.positionals, io.cwd);
    const strict = flag(args, 'strict');
    const explain = flag(args, 'explain');
    const env = checkerEnvironment({ processEnv: io.env, vars: Object.keys(parseVarArgs(strs(args, 'var'))), warn: (line) => io.stderr.write(`${line}\n`) });
    const c = outColors(io);
    let errors = 0;
    let warnings = 0;
    const results: { file: string; diagnostics: Diagnostic[]; plan?: unknown }[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      const { diagnostics, model } = checkSource(text, { fileName: file, env });
      errors += diagnostics.filter((d) => d.severity === 'error').length;
      warnings += diagnostics.filter((d) => d.severity === 'warning').length;
      const plan = explain && model ? explainFlows(model) : undefined;
      results.push({ file, diagnostics, ...(plan ? { plan } : {}) });
      if (format === 'text') {
        for (const d of diagnostics) io.stdout.write(`${renderDiagnostic(file, text, d, c)}\n\n`);
        if (plan) io.stdout.write(`${plan.map((p) => p.text).join('\n')}\n`);
      }
    }
    if (format === 'json') {
      io.stdout.write(`${JSON.stringify({ files: results, errors, warnings }, null, 2)}\n`);
    } else {
      const line = summaryLine(errors, warnings, files.length);
      io.stdout.write(`${errors > 0 ? c.red(line) : warnings > 0 ? c.yellow(line) : c.green(line)}\n`);
    }
    return errors > 0 || (strict && warnings > 0) ? EXIT.failed : EXIT.ok;
  },
};

export const commands = [check];
