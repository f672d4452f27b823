// What a command may touch of the outside world, passed in so that tests can run commands in-process.
import type { Writable } from 'node:stream';
import { colorEnabled, palette, type Palette } from '../util/color.js';

export interface CliIO {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

export const outColors = (io: CliIO): Palette => palette(colorEnabled(io.stdout, io.env));
export const errColors = (io: CliIO): Palette => palette(colorEnabled(io.stderr, io.env));
