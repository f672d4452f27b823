// Every rule of the checker, in the order their diagnostics read best (they are sorted by position
// afterwards anyway).
import type { Rule } from '../rule.js';
import { actionsRule } from './actions.js';
import { connectionsRule } from './connections.js';
import { destRule } from './dest.js';
import { fieldsRule } from './fields.js';
import { fileHistoryRule } from './file-history.js';
import { flowsRule } from './flows.js';
import { functionsRule } from './functions.js';
import { labelsRule } from './labels.js';
import { literalsRule } from './literals.js';
import { operatorsRule } from './operators.js';
import { optionsRule } from './options.js';
import { sinceRule } from './since.js';
import { stepsRule } from './steps.js';
import { supportRule } from './support.js';
import { templatesRule } from './templates.js';
import { upsertRule } from './upsert.js';
import { varsRule } from './vars.js';
import { whereRule } from './where.js';

export const RULES: readonly Rule[] = [
  flowsRule,
  actionsRule,
  supportRule,
  connectionsRule,
  optionsRule,
  whereRule,
  sinceRule,
  varsRule,
  templatesRule,
  literalsRule,
  fieldsRule,
  functionsRule,
  operatorsRule,
  labelsRule,
  stepsRule,
  destRule,
  upsertRule,
  fileHistoryRule,
];
