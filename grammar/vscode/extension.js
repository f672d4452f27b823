// The VS Code side of Sluice: starts `sluice lsp --stdio` for .flow files. Everything else
// (diagnostics, completion, hover, formatting, ...) comes from the language server.
'use strict';
const { workspace } = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

async function activate(context) {
  const command = workspace.getConfiguration('sluice').get('path', 'sluice');
  // An executable without `transport` talks over its stdin/stdout; the flag is given here.
  const serverOptions = {
    command,
    args: ['lsp', '--stdio'],
    // `sluice` is a .cmd shim on Windows, which only a shell can start.
    options: { shell: process.platform === 'win32' },
  };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'flow' },
      { scheme: 'untitled', language: 'flow' },
    ],
    outputChannelName: 'Sluice',
  };
  client = new LanguageClient('sluice', 'Sluice', serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
