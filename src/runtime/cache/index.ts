// The cache's public surface: the in-process lookup LRU, the on-disk cache and temp files, and clearing.
export {
  DEFAULT_LOOKUP_MAX,
  DEFAULT_LOOKUP_TTL_MS,
  LookupCache,
  connectionFingerprint,
  existingLookupCache,
  lookupCache,
  lookupKey,
  type ConnectionLike,
  type LookupCacheOptions,
  type LookupCacheStats,
  type QueryValue,
} from './lookup.js';
export {
  DEFAULT_GRACE_MS,
  DEFAULT_MAX_HOLD_MS,
  DiskCache,
  cacheStats,
  clearCache,
  tempFile,
  type CacheStats,
  type ClearOptions,
  type ClearReport,
  type FolderUsage,
  type LookupCacheControl,
} from './diskCache.js';
export { CACHE_DIR, GENERATION_FILE, TMP_DIR, cacheDir, generationFile, tmpDir } from './paths.js';
