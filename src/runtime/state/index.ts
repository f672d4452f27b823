// The state store's public surface: what the interpreter, the CLI and (later) the agent import.
export { STATE_ERRORS, StateError, type StateErrorCode } from './errors.js';
export { MIGRATIONS, SCHEMA_VERSION, STATE_DB_FILE, ensureHome, migrate, openStateDb, schemaVersion, stateDbPath, type Migration, type SqliteDatabase } from './db.js';
export { IncrementalCursor, compareCursors, normaliseCursor, type Comparator, type Cursor, type CursorInput, type CursorKind } from './cursor.js';
export {
  DEFAULT_FOREIGN_STALE_MS,
  RUN_STATUSES,
  RUN_TRIGGERS,
  StateStore,
  agentFlowKey,
  projectFlowKey,
  flowKey,
  flowFilePath,
  parseFlowKey,
  type CommitResult,
  type Counts,
  type FinalRunStatus,
  type FlowKey,
  type FlowSummary,
  type RejectedRecord,
  type RunError,
  type RunRecord,
  type RunStatus,
  type RunTrigger,
  type SourceState,
  type StateStoreOptions,
  type WatermarkState,
} from './store.js';
export { BEGINNING_OF_TIME, BUILTIN_TEMPLATES, parseVarArgs, templateValues, type TemplateContext } from './templates.js';
export { scrubSecrets } from './scrub.js';
export { WebhookStore, changeKey, type EventCounts, type IncomingEvent, type StoredEvent, type WebhookRegistration } from './events.js';
