// grammar/: what an editor needs is there and consistent: the VS Code manifest's files exist, its
// grammar is the project's TextMate grammar, and it starts the server the way the CLI takes it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../../grammar/vscode/', import.meta.url);
const json = (u: URL) => JSON.parse(readFileSync(u, 'utf8')) as Record<string, unknown>;

interface Manifest {
  main: string;
  engines: { vscode: string };
  dependencies: Record<string, string>;
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
  };
}

describe('the VS Code extension in grammar/vscode', () => {
  const m = json(new URL('package.json', dir)) as unknown as Manifest;

  it('declares the flow language for .flow files with its configuration', () => {
    const [lang] = m.contributes.languages;
    expect(lang.id).toBe('flow');
    expect(lang.extensions).toEqual(['.flow']);
    const conf = json(new URL(lang.configuration, dir)) as { comments: { lineComment: string }; brackets: string[][] };
    expect(conf.comments.lineComment).toBe('#');
    expect(conf.brackets).toEqual([
      ['{', '}'],
      ['[', ']'],
      ['(', ')'],
    ]);
  });

  it('contributes the project TextMate grammar under its own scope name', () => {
    const [g] = m.contributes.grammars;
    expect(g.language).toBe('flow');
    const grammar = json(new URL(g.path, dir)) as { scopeName: string };
    expect(new URL(g.path, dir).pathname).toMatch(/\/grammar\/flow\.tmLanguage\.json$/);
    expect(grammar.scopeName).toBe(g.scopeName);
  });

  it('starts `sluice lsp --stdio` with vscode-languageclient', () => {
    const main = new URL(m.main, dir);
    expect(existsSync(main)).toBe(true);
    const src = readFileSync(main, 'utf8');
    expect(src).toContain("require('vscode-languageclient/node')");
    expect(src).toContain("args: ['lsp', '--stdio']");
    expect(m.dependencies['vscode-languageclient']).toMatch(/^\^9\./);
    const syntax = spawnSync(process.execPath, ['--check', main.pathname], { encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
  });

  it('documents the same command for VS Code and Neovim', () => {
    const editors = readFileSync(new URL('../EDITORS.md', dir), 'utf8');
    expect(editors).toContain("cmd = { 'sluice', 'lsp', '--stdio' }");
    expect(editors).toContain('vim.lsp.start');
    expect(editors).toMatch(/nvim-lspconfig/);
  });
});
