// A reader that goes away (`sluice check | head`) is no mistake of the user's: the CLI stops at
// once, as Unix tools do when SIGPIPE ends them, instead of dying on an unhandled 'error' event with
// a stack trace. Other write errors are left to surface.
import { EXIT } from './exit-codes.js';

export function stopQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(EXIT.closedPipe);
  });
}
