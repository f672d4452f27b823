// The state part's public surface: what the runtime, the agent and the CLI import. The editor uses
// read-view.ts instead (it never writes).
export { STATE_ERRORS, StateError, type StateErrorCode } from './errors.js';
export { MIGRATIONS, SCHEMA_VERSION, STATE_DB_FILE, ensureHome, migrate, openStateDb, schemaVersion, stateDbPath, type Migration, type SqliteDatabase } from './db.js';
export { compareCursors, normaliseCursor, type Comparator, type Cursor, type CursorInput, type CursorKind } from './cursor.js';
export { agentFlowKey, flowFilePath, flowKey, parseFlowKey, projectFlowKey, type FlowKey } from './keys.js';
export {
  DEFAULT_FOREIGN_STALE_MS,
  RUN_STATUSES,
  RUN_TRIGGERS,
  type CommitResult,
  type Counts,
  type FinalRunStatus,
  type FlowSummary,
  type Progress,
  type RejectInput,
  type RejectedRecord,
  type RunError,
  type RunRecord,
  type RunStatus,
  type RunTrigger,
  type SourceState,
  type StateReader,
  type StateStore,
  type WatermarkState,
} from './store.js';
export { SqliteStateStore, type StateStoreOptions } from './sqlite-store.js';
export { openStateStore, openExistingStateStore, stateUrl, type OpenOptions } from './open.js';
export { BEGINNING_OF_TIME, BUILTIN_TEMPLATES, parseVarArgs, templateValues, type TemplateContext } from './templates.js';
export { scrubSecrets } from './scrub.js';
export { SqliteDeployments, type Deployment, type DeploymentInput, type DeploymentStore, type DeploymentVersion, type StoredSchedule } from './deployments.js';
export { runJson } from './run-json.js';
export { SqliteWebhookStore } from './sqlite-webhooks.js';
export { changeKey, type WebhookStore, type EventCounts, type IncomingEvent, type StoredEvent, type WebhookRegistration } from './events.js';
