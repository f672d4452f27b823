// `sluice lsp --stdio`: the language server editors start (see grammar/EDITORS.md). It speaks LSP
// on stdin/stdout, so nothing else may ever be written to stdout: console output goes to stderr.
// Exit code (LSP spec): 0 after `shutdown` then `exit`, 1 after `exit` without `shutdown` or when
// the client goes away; vscode-languageserver calls process.exit with it.
// Static imports: this module is itself loaded only for `sluice lsp` (and a code-split dynamic
// import of the CommonJS server library would expose only its default export).
import { createConnection, ProposedFeatures, StreamMessageWriter } from 'vscode-languageserver/node.js';
import { UsageError } from '../../errors.js';
import { RecoveringMessageReader } from '../../lsp/framing.js';
import { InitializeGate } from '../../lsp/gate.js';
import { startServer } from '../../lsp/server.js';
import { flag, type Command } from '../command.js';

const lsp: Command = {
  name: 'lsp',
  summary: 'run the language server for editors (LSP over stdio)',
  usage: 'lsp --stdio',
  options: {
    stdio: { type: 'boolean', description: 'talk LSP over stdin and stdout (the only transport)' },
    // vscode-languageclient appends it; the server library reads it from argv and exits when that
    // process is gone.
    clientProcessId: { type: 'string', valueName: 'pid', description: 'the editor\'s process id: exit when it is gone' },
  },
  details: `Started by an editor, not by hand. Diagnostics are the same as \`sluice check\` (saved
connections included); completion, hover, go to definition, outline, formatting (\`sluice fmt\`),
quick fixes and semantic highlighting. Setup for VS Code and Neovim: grammar/EDITORS.md.`,
  async run(args, io) {
    if (!flag(args, 'stdio')) {
      throw new UsageError('`sluice lsp` needs --stdio', 'The language server talks LSP over stdin/stdout only: configure your editor to start `sluice lsp --stdio`.');
    }
    redirectConsole(io.stderr);
    const writer = new StreamMessageWriter(process.stdout);
    const reader = new InitializeGate(
      new RecoveringMessageReader(process.stdin, { onSkip: (reason) => io.stderr.write(`sluice lsp: malformed input: ${reason}\n`) }),
      writer,
    );
    const connection = createConnection(ProposedFeatures.all, reader, writer);
    startServer(connection, { processEnv: io.env, cwd: io.cwd });
    // With a reader of its own the library no longer watches stdin: the editor going away ends the server.
    const gone = () => process.exit(reader.shutdownRequested ? 0 : 1);
    process.stdin.on('end', gone);
    process.stdin.on('close', gone);
    // A last line of defence: a bug outside any request (a timer, a stream) is logged, and the
    // server goes on with the documents it has.
    process.on('uncaughtException', (err) => io.stderr.write(`sluice lsp: internal error: ${err.stack ?? err.message}\n`));
    process.on('unhandledRejection', (err) => io.stderr.write(`sluice lsp: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));
    // Never resolves: the server exits the process on `exit` or when stdin closes.
    return new Promise<number>(() => {});
  },
};

/** Everything a dependency might print goes to stderr, where it cannot corrupt the protocol. */
function redirectConsole(stderr: NodeJS.WritableStream): void {
  const write = (...args: unknown[]) => {
    stderr.write(`${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`);
  };
  console.log = write;
  console.info = write;
  console.debug = write;
  console.warn = write;
  console.error = write;
  console.trace = write;
}

export const commands = [lsp];
