// The public face of src/apps: app definitions as data (stdlib/) and their registry.
export { AppRegistry, loadRegistry, resolveVariant, type ResolveResult } from './registry.js';
export { AUTO_VERSION, pickVariant } from './versions.js';
export { loadStdlib, hasField, type LoadedStdlib } from './load.js';
export { AppDefinitionError, APP_ERROR } from './errors.js';
export { defaultStdlibDir, packageRoot } from './locate.js';
export { schemaFields, typeLabel, typeSpecLabel, isNullable, constraintsLabel, type FieldInfo } from './fields.js';
export type * from './types.js';
