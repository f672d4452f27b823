// Where the cache and temp files live inside `$SLUICE_HOME` (see util/paths.ts for the folder).
import { join } from 'node:path';

export const CACHE_DIR = 'cache';
export const TMP_DIR = 'tmp';
/** Rewritten by every `sluice cache clear`; long-running processes watch it to drop their memory cache. */
export const GENERATION_FILE = '.generation';

export const cacheDir = (home: string): string => join(home, CACHE_DIR);
export const tmpDir = (home: string): string => join(home, TMP_DIR);
export const generationFile = (home: string): string => join(cacheDir(home), GENERATION_FILE);
