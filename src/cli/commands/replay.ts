// `sluice replay FLOW`: sends the flow's rejected records again, through the flow as it is now.
import { readFileSync } from 'node:fs';
import { loadRegistry } from '../../apps/index.js';
import { checkSource } from '../../check/check-source.js';
import { UsageError } from '../../errors.js';
import { createHttpIo } from '../../runtime/http-io.js';
import { replayRejected, type ReplaySummary } from '../../runtime/replay.js';
import { STATE_ERRORS, StateError, parseVarArgs, projectFlowKey } from '../../state/index.js';
import { dataDir } from '../../util/paths.js';
import { checkerEnvironment } from '../../check/environment.js';
import { flag, formatOption, outputFormat, str, strs, type Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { errColors, outColors, type CliIO } from '../io.js';
import { renderDiagnostic } from '../render-diagnostics.js';
import { openExisting, resolveFlows } from './state.js';
import { guardedJson } from '../json-errors.js';

const replay: Command = {
  name: 'replay',
  summary: "send a flow's rejected records again, through the flow as it is now",
  usage: 'replay FLOW [--id N]... [--reason TEXT] [--dry-run] [--include-uncertain] [--format text|json]',
  positionals: true,
  options: {
    id: { type: 'string', multiple: true, valueName: 'N', description: 'only this rejected record (ids from `sluice state rejected`); repeatable' },
    reason: { type: 'string', valueName: 'TEXT', description: 'only records whose reason or code contains TEXT' },
    var: { type: 'string', multiple: true, valueName: 'NAME=VALUE', description: 'a value for ~{NAME}~ templates' },
    'dry-run': { type: 'boolean', description: 'say what would be sent; send nothing and change nothing' },
    'include-uncertain': { type: 'boolean', description: 'also send uncertain records whose arrival cannot be checked (after you looked)' },
    format: formatOption,
  },
  details: `FLOW is a flow name (or id), FILE#FLOW, or a flow file. The flow is read from its file and checked
first: fix the flow (its mapping, a lookup, the data it reads), then replay. Each rejected record goes
through the flow's steps again (when its source record was kept) to the flow's destination. Accepted
records leave the rejected list; refused ones stay with the new reason.

A record marked \`uncertain\` (a write that may have arrived before the connection broke) is looked for
at the destination first where the app allows it (Pipedrive leads: by person or organization and
title; persons, organizations and deals: by the exact search their upsert uses, e.g. a person's
email): found, it is not created again; not found, it is sent. Elsewhere it is kept
unless --include-uncertain. Replay never moves the flow's watermark.

Exit codes: 0 every record considered was sent (or had arrived); 3 some were kept or refused again;
1 the flow does not check or the replay failed; 2 usage error.`,
  async run(args, io) {
    const format = outputFormat(args);
    if (args.positionals.length !== 1) throw new UsageError('give one flow', `Usage: sluice ${replay.usage}`);
    const ids = strs(args, 'id').map((x) => {
      const n = Number(x);
      if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--id takes the number of a rejected record, not \`${x}\``, 'The numbers are in `sluice state rejected FLOW`.');
      return n;
    });
    const vars = parseVarArgs(strs(args, 'var'));
    const dryRun = flag(args, 'dry-run');
    return guardedJson(io, format, async () => {
      const store = await openExisting(io);
      if (!store) throw new StateError(STATE_ERRORS.flowNotFound, 'no flow has run here yet: nothing was rejected', { hint: 'State is in $SLUICE_HOME (default .sluice in this folder).' });
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.on('SIGINT', onSigint);
      const http = createHttpIo({ env: io.env, signal: controller.signal, home: dataDir(io.env, io.cwd) });
      try {
        const [flow] = await resolveFlows(store, args.positionals[0], io.cwd, true);
        if (!flow.file) throw new StateError(STATE_ERRORS.flowNotFound, `the state of \`${flow.name}\` does not say which file holds the flow`, { hint: 'Run the flow once with `sluice run FILE`, then replay.' });
        let text: string;
        try {
          text = readFileSync(flow.file, 'utf8');
        } catch {
          throw new UsageError(`the flow's file ${flow.file} cannot be read`, 'Replay reads the flow from its file: restore it, or run the flow from its new place once.');
        }
        const checked = checkSource(text, { fileName: flow.file, env: checkerEnvironment({ processEnv: io.env, vars: Object.keys(vars), warn: (line) => io.stderr.write(`${line}\n`) }) });
        const errors = checked.diagnostics.filter((d) => d.severity === 'error');
        if (errors.length || !checked.model) {
          for (const d of errors) io.stderr.write(`${renderDiagnostic(flow.file, text, d, errColors(io))}\n\n`);
          io.stderr.write(`${errColors(io).red(`${flow.file} does not check: nothing was replayed`)}\n`);
          return EXIT.failed;
        }
        const model = checked.model.flows.find((f) => projectFlowKey(f.stateId) === flow.key || f.name === flow.name);
        if (!model) throw new StateError(STATE_ERRORS.flowNotFound, `${flow.file} no longer has the flow \`${flow.name}\``);
        const s = await replayRejected({
          flow: model,
          key: flow.key,
          store,
          registry: loadRegistry(),
          http,
          io: { cwd: io.cwd, stdout: io.stdout, env: io.env, home: dataDir(io.env, io.cwd) },
          vars,
          ids,
          ...(str(args, 'reason') ? { reason: str(args, 'reason')! } : {}),
          dryRun,
          includeUncertain: flag(args, 'include-uncertain'),
          signal: controller.signal,
          log: (line) => io.stderr.write(`${line}\n`),
        });
        if (format === 'json') io.stdout.write(`${JSON.stringify({ ok: s.kept + s.refused === 0, dry_run: dryRun, ...s }, null, 2)}\n`);
        else printReplay(io, s, dryRun);
        return s.kept + s.refused > 0 ? EXIT.rejected : EXIT.ok;
      } finally {
        process.off('SIGINT', onSigint);
        await store.close();
        await http.close();
      }
    });
  },
};

function printReplay(io: CliIO, s: ReplaySummary, dryRun: boolean): void {
  const c = outColors(io);
  if (s.considered === 0) {
    io.stdout.write(`${s.flow}: no rejected records to replay\n`);
    return;
  }
  const lines = [
    `${c.bold(s.flow)}: ${dryRun ? 'dry replay' : 'replayed'} ${s.considered} rejected record${s.considered === 1 ? '' : 's'} to ${s.destination}`,
    `  ${dryRun ? 'would send' : 'sent'} ${s.sent}, had arrived ${s.arrived}, refused again ${s.refused}, kept ${s.kept}`,
  ];
  for (const i of s.items) if (i.outcome !== 'sent' && i.outcome !== 'would-send') lines.push(`  #${i.id} ${i.outcome}: ${i.reason ?? ''}`);
  io.stdout.write(`${lines.join('\n')}\n`);
}

export const commands = [replay];
