// Connections: saved credentials for apps, their validation, and how flows find them.
// The probe (which loads the HTTP client) is imported from './probe.js' directly by those who need it,
// so that importing this module stays cheap for `sluice check` and the language server.
export { CONNECTION_ERRORS, ConnectionError, type ConnectionErrorCode } from './errors.js';
export { Secret, mask, redact, scrubTokenLike } from './secret.js';
export {
  API_VERSIONS,
  CONNECTION_APPS,
  DEFAULT_API_VERSION,
  checkApp,
  checkConnectionName,
  checkTokenFormat,
  envPrefix,
  isEnvVarName,
  isLoopbackHost,
  normaliseCompanyUrl,
  parseApiVersion,
  type ApiVersion,
  type CompanyUrlOptions,
  type ConnectionApp,
  type NormalisedCompanyUrl,
} from './validate-input.js';
export {
  CONNECTIONS_FILE,
  STORE_FORMAT_VERSION,
  connectionsPath,
  readStore,
  writeStore,
  updateStore,
  type StoreFile,
  type StoredConnection,
} from './store.js';
export {
  connectionExists,
  describeTokenSource,
  envVarsFor,
  listConnections,
  lookupConnection,
  resolveConnection,
  savedConnection,
  type ConnectionEnvVars,
  type ConnectionInfo,
  type ResolvedConnection,
  type TokenSource,
} from './resolve.js';
