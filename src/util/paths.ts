// Where Sluice keeps things. Credentials live in the config folder (private to the user); state,
// cache and temp files live in the data folder of the project (`.sluice` beside the flows).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export type Env = Record<string, string | undefined>;

export function configDir(env: Env = process.env): string {
  if (env.SLUICE_CONFIG_DIR) return resolve(env.SLUICE_CONFIG_DIR);
  const xdg = env.XDG_CONFIG_HOME;
  return xdg ? join(resolve(xdg), 'sluice') : join(homedir(), '.config', 'sluice');
}

export function dataDir(env: Env = process.env, cwd: string = process.cwd()): string {
  return env.SLUICE_HOME ? resolve(cwd, env.SLUICE_HOME) : join(cwd, '.sluice');
}
