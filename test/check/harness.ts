// Table-driven rule tests: each case is a flow and the exact diagnostics it must produce.
import { expect, it } from 'vitest';
import { checkSource } from '../../src/check/check-source.js';
import { CHECK } from '../../src/check/codes.js';
import type { ConnectionInfo } from '../../src/check/env.js';
import { stdlibEnv } from '../../src/check/stdlib-env.js';

export interface Expected {
  code: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn: number;
  severity?: 'error' | 'warning';
  message?: string | RegExp;
}

export interface Case {
  name: string;
  flow: string;
  expected: Expected[];
  connections?: ConnectionInfo[];
  vars?: string[];
}

/** The seed's configuration: the default connection on API v1 (records with `email`, `owner_name`...). */
export const V1: ConnectionInfo[] = [{ name: 'pipedrive', app: 'pipedrive', apiVersion: 'v1' }];

export function check(flow: string, options: { connections?: ConnectionInfo[]; vars?: string[] } = {}) {
  return checkSource(flow, { fileName: 'test.flow', env: stdlibEnv({ ...(options.connections ? { connections: options.connections } : {}), vars: options.vars ?? [] }) });
}

export function runCases(cases: Case[]): void {
  it.each(cases)('$name', ({ flow, expected, connections, vars }) => {
    const { diagnostics } = check(flow, { ...(connections ? { connections } : {}), ...(vars ? { vars } : {}) });
    // Cases written against v1 records would all carry the out-of-support warning (SL2005); only
    // the cases about it expect it.
    const wanted = expected.some((e) => e.code === CHECK.unsupportedEndpoint) ? diagnostics : diagnostics.filter((d) => d.code !== CHECK.unsupportedEndpoint);
    const got = wanted.map((d) => ({
      code: d.code,
      line: d.range.start.line,
      column: d.range.start.column,
      endLine: d.range.end.line,
      endColumn: d.range.end.column,
      severity: d.severity,
      message: d.message,
    }));
    expect(got.map((g) => `${g.code}@${g.line}:${g.column}-${g.endLine}:${g.endColumn}`)).toEqual(
      expected.map((e) => `${e.code}@${e.line}:${e.column}-${e.endLine ?? e.line}:${e.endColumn}`),
    );
    expected.forEach((e, i) => {
      if (e.severity) expect(got[i].severity).toBe(e.severity);
      if (typeof e.message === 'string') expect(got[i].message).toBe(e.message);
      else if (e.message) expect(got[i].message).toMatch(e.message);
    });
  });
}

export const conn = (name: string, apiVersion: 'auto' | 'v1' | 'v2', app = 'pipedrive'): ConnectionInfo => ({ name, app, apiVersion });
