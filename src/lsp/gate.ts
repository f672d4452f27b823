// The protocol's rule for the time before `initialize`: a request is answered with the error
// ServerNotInitialized (-32002), a notification is dropped (except `exit`). The server library
// would otherwise run the handlers without the workspace it learns of at `initialize`.
import { ErrorCodes, type DataCallback, type Disposable, type Message, type MessageReader, type MessageWriter } from 'vscode-languageserver/node.js';

interface Incoming {
  id?: number | string | null;
  method?: string;
}

export class InitializeGate implements MessageReader {
  private initialized = false;
  /** Whether `shutdown` was asked for, which decides the exit code when the input ends. */
  shutdownRequested = false;

  constructor(
    private readonly inner: MessageReader,
    private readonly writer: MessageWriter,
  ) {}

  get onError() {
    return this.inner.onError;
  }
  get onClose() {
    return this.inner.onClose;
  }
  get onPartialMessage() {
    return this.inner.onPartialMessage;
  }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((message: Message) => {
      const m = message as Incoming;
      const isRequest = typeof m.method === 'string' && m.id !== undefined && m.id !== null;
      if (m.method === 'initialize') this.initialized = true;
      if (m.method === 'shutdown') this.shutdownRequested = true;
      if (!this.initialized && typeof m.method === 'string' && m.method !== 'initialize' && m.method !== 'exit') {
        if (isRequest) {
          void this.writer.write({
            jsonrpc: '2.0',
            id: m.id!,
            error: { code: ErrorCodes.ServerNotInitialized, message: `the server is not initialized yet: \`${m.method}\` must come after \`initialize\`` },
          } as Message);
        }
        return;
      }
      callback(message);
    });
  }

  dispose(): void {
    this.inner.dispose();
  }
}
