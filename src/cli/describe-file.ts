// `sluice describe FILE.flow`: what a flow file declares, without running or checking it: its
// variables (type, default, how to set them) and its flows (source, destination, schedule).
import { basename } from 'node:path';
import type * as A from '../language/ast.js';
import { parse } from '../language/parse.js';
import { printExpr, printType } from '../language/printer.js';
import { formatTable } from './commands/apps.js';
import type { outColors } from './io.js';

type Palette = ReturnType<typeof outColors>;

export interface FileDescription {
  kind: 'file';
  file: string;
  vars: { name: string; type: string; default?: string; required: boolean; line: number }[];
  flows: { name: string; source?: string; dest?: string; schedule?: string; line: number }[];
}

export function describeFile(file: string, text: string): FileDescription {
  const { program } = parse(text);
  const bareName = basename(file).replace(/\.flow$/, '');
  return {
    kind: 'file',
    file,
    vars: program.vars.map((v) => ({
      name: v.name.value,
      type: printType(v.type),
      ...(v.default ? { default: printExpr(v.default) } : v.type.nullable ? { default: 'null' } : {}),
      required: v.default === null && !v.type.nullable,
      line: v.range.start.line,
    })),
    flows: program.flows.map((f) => {
      const s = f.settings.find((x): x is A.ScheduleEvery | A.ScheduleCron => x.kind === 'ScheduleEvery' || x.kind === 'ScheduleCron');
      return {
        name: f.name?.value ?? bareName,
        ...(f.pipeline?.source ? { source: f.pipeline.source.action.name } : {}),
        ...(f.pipeline?.dest ? { dest: f.pipeline.dest.action.name } : {}),
        ...(s ? { schedule: s.kind === 'ScheduleEvery' ? `every ${s.amount}${s.unit}` : `cron ${JSON.stringify(s.expression.value)}` } : {}),
        line: f.range.start.line,
      };
    }),
  };
}

export function fileText(d: FileDescription, c: Palette): string {
  const out = [c.bold(d.file), ''];
  out.push(c.bold('Variables') + (d.vars.length ? ' (set with --var NAME=VALUE)' : ''));
  if (d.vars.length === 0) out.push('  none');
  else out.push(...formatTable(null, d.vars.map((v) => [v.name, v.type, v.required ? 'required' : `default ${v.default}`])).trimEnd().split('\n').map((l) => `  ${l}`));
  out.push('', c.bold('Flows'));
  if (d.flows.length === 0) out.push('  none');
  else out.push(...formatTable(null, d.flows.map((f) => [f.name, `${f.source ?? '?'} -> ${f.dest ?? '?'}`, f.schedule ?? ''])).trimEnd().split('\n').map((l) => `  ${l}`));
  return `${out.join('\n')}\n`;
}
