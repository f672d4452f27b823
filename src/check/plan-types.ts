// The shapes the checker hands on: a flow's resolved references and its plan (what is asked of the
// source, what the engine applies, how the destination writes). Types only, imported by the model,
// the planner and the runtime alike; it imports none of them, so that they form no loop.
import type * as A from '../language/ast.js';
import type { ActionInfo, ParamInfo, Role } from './env.js';
import type { RecordType, Type } from './types.js';

/** An action named in a flow (`source pipedrive.persons`), as far as it resolved. */
export interface ResolvedRef {
  ref: A.ActionRef;
  role: Role;
  /** Undefined when the app or action is unknown (a rule reports it). */
  action?: ActionInfo;
  app?: string;
  actionName?: string;
  /** The connection the action uses, when its app has connections. */
  connection?: { name: string; explicit: boolean; node?: A.Option };
}

export type Placement =
  | { kind: 'api'; param: ParamInfo }
  | { kind: 'path'; param: ParamInfo }
  | { kind: 'limit'; param: ParamInfo }
  | { kind: 'engine'; fieldType: Type }
  | { kind: 'unknown' };

export interface PlacedCondition {
  condition: A.Condition;
  placement: Placement;
}

/** A `where` condition the API applies: the parameter it is sent as, and its value. */
export interface PushedCondition {
  param: string;
  in: 'query' | 'path';
  value: A.Expr;
}

export interface SourcePlan {
  ref: ResolvedRef;
  options: readonly A.Option[];
  /** `as { ... }`. */
  declared?: RecordType;
  /** Every `where` condition in order, with where it goes. */
  conditions: PlacedCondition[];
  pushed: PushedCondition[];
  /** `where limit = N`: the total the flow wants. */
  limit?: A.Expr;
  /** Conditions on the record's fields, applied by the engine after reading. */
  engine: A.Condition[];
  /**
   * The lower bound of an incremental read (null: the flow reads everything): `since EXPR`, or the
   * action's own since-parameter set to `~{CreatedDate}~` in `where` (`implied`).
   */
  since: { expr: A.Expr; implied: boolean } | null;
}

export interface UpsertPlan {
  /** The name after `upsert by`. */
  field: string;
  /** The record field holding the value searched for. */
  from: string;
  /** The search's `fields` value. */
  search: string;
  /** The write that updates a record found (the app's action name). */
  update: string;
}

export interface DestPlan {
  ref: ResolvedRef;
  options: readonly A.Option[];
  /** Fields the flow sets to a literal `null` or `""`: only those clear a field at the destination. */
  explicit: string[];
  upsert?: UpsertPlan;
}

export interface FlowPlan {
  flow: string;
  source?: SourcePlan;
  dest?: DestPlan;
  /** `tee { ... }`: every destination, in order (the first is `dest`). */
  tee?: DestPlan[];
  onReject?: { ref: ResolvedRef; options: readonly A.Option[] };
  /**
   * The fields the boundary digest of an incremental read covers (null: the whole record): the ones
   * the flow reads when a `map` without `...` decides what reaches the destination.
   */
  digest: string[] | null;
  /**
   * The fields of the source's records the flow reads (null: whole records): the source may keep
   * only these of each record as it reads it, and skip parsing the rest. Known when a `map` without
   * `...` decides what reaches the destination (the fields of `digest`), the source has no `as`
   * type and has key fields, no custom field is read by name (its key on the wire is another), and
   * the flow has no `on reject` destination (refused records go there whole).
   */
  reads: string[] | null;
}
