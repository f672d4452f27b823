// The typed syntax tree. Every node carries its exact source range. Parts that error recovery
// could not build are `null` (or an `ErrorExpr`), so partial trees still reach the checker and the
// language server.
import type { Range } from '../diagnostics.js';

export interface NodeBase {
  range: Range;
}

export interface Comment extends NodeBase {
  kind: 'Comment';
  /** The text after `#`, without the line break. */
  text: string;
}

/** A name as written: an identifier, or a keyword used where a name is expected (`map { source: x }`). */
export interface Name extends NodeBase {
  kind: 'Name';
  value: string;
}

export interface Program extends NodeBase {
  kind: 'Program';
  /** `var NAME: TYPE [= VALUE]` declarations, in source order; every flow of the file sees them. */
  vars: VarDecl[];
  flows: Flow[];
  comments: Comment[];
}

export interface VarDecl extends NodeBase {
  kind: 'Var';
  name: Name;
  type: TypeExpr;
  /** The value when `--var NAME=...` gives none; null when the variable must be given. */
  default: Expr | null;
}

export interface Flow extends NodeBase {
  kind: 'Flow';
  /** Null for a bare pipeline: the flow is then named after its file. */
  name: Name | null;
  settings: Setting[];
  pipeline: Pipeline | null;
}

export type Setting = ScheduleEvery | ScheduleCron | OnReject | FlowId;

/**
 * `id "..."`: the flow's identity for its incremental state, when it must not follow the flow's
 * name (two files with a flow of the same name, or a flow renamed without starting over).
 */
export interface FlowId extends NodeBase {
  kind: 'FlowId';
  value: StringLiteral;
}

/** The identity a flow's incremental state is kept under: its `id "..."`, else its name. */
export function flowStateId(flow: Flow, name: string): string {
  for (const s of flow.settings) if (s.kind === 'FlowId') return s.value.value;
  return name;
}

export type DurationUnit = 's' | 'm' | 'h' | 'd';

export interface ScheduleEvery extends NodeBase {
  kind: 'ScheduleEvery';
  amount: number;
  unit: DurationUnit;
}

export interface ScheduleCron extends NodeBase {
  kind: 'ScheduleCron';
  expression: StringLiteral;
}

export interface OnReject extends NodeBase {
  kind: 'OnReject';
  action: ActionRef;
  options: Option[];
}

export interface Pipeline extends NodeBase {
  kind: 'Pipeline';
  source: Source | null;
  steps: Step[];
  /** The destination; with `tee { ... }`, its first destination. */
  dest: Dest | null;
  /** `tee { dest ..., dest ... }`: every destination, each acknowledging on its own. */
  tee?: Tee;
}

export interface Tee extends NodeBase {
  kind: 'Tee';
  dests: Dest[];
}

/** `app.action[.more]` as written; `parts[0]` is the app. */
export interface ActionRef extends NodeBase {
  kind: 'ActionRef';
  parts: Name[];
  /** The dotted name, e.g. `pipedrive.users.find`. */
  name: string;
}

export interface Option extends NodeBase {
  kind: 'Option';
  key: Name;
  value: Expr;
}

export type ConditionOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'contains';

export interface Condition extends NodeBase {
  kind: 'Condition';
  /** One name, or a dotted path into the record (`owner_id.value`). */
  key: Name[];
  op: ConditionOp;
  opRange: Range;
  value: Expr;
}

export interface Source extends NodeBase {
  kind: 'Source';
  action: ActionRef;
  options: Option[];
  /** `as { ... }`: the declared record type for untyped sources such as `file.csv`. */
  recordType: RecordTypeExpr | null;
  where: Condition[];
  since: Expr | null;
}

export interface Dest extends NodeBase {
  kind: 'Dest';
  action: ActionRef;
  options: Option[];
  /** `upsert by FIELD`: update the record whose FIELD has the same value, create one if none has. */
  upsert?: Name;
}

export type Step = MapStep | FilterStep | LookupStep | DedupeStep | TakeStep;

export interface MapStep extends NodeBase {
  kind: 'Map';
  entries: MapEntry[];
}

export type MapEntry = SpreadEntry | FieldEntry;

export interface SpreadEntry extends NodeBase {
  kind: 'Spread';
}

export interface FieldEntry extends NodeBase {
  kind: 'FieldEntry';
  key: Name | StringLiteral;
  value: Expr;
}

export interface FilterStep extends NodeBase {
  kind: 'Filter';
  expr: Expr;
}

export interface LookupStep extends NodeBase {
  kind: 'Lookup';
  name: Name;
  action: ActionRef;
  options: Option[];
  where: Condition[];
}

export interface DedupeStep extends NodeBase {
  kind: 'Dedupe';
  expr: Expr;
}

export interface TakeStep extends NodeBase {
  kind: 'Take';
  count: Expr;
}

// ---- record types (`as { id: integer, title: string? }`)

export type TypeExpr = NamedTypeExpr | RecordTypeExpr | ListTypeExpr;

export interface NamedTypeExpr extends NodeBase {
  kind: 'NamedType';
  name: Name;
  nullable: boolean;
}

export interface RecordTypeExpr extends NodeBase {
  kind: 'RecordType';
  fields: { key: Name | StringLiteral; type: TypeExpr; range: Range }[];
  nullable: boolean;
}

export interface ListTypeExpr extends NodeBase {
  kind: 'ListType';
  element: TypeExpr;
  nullable: boolean;
}

// ---- expressions

export type Expr =
  | StringLiteral
  | NumberLiteral
  | BooleanLiteral
  | NullLiteral
  | ListLiteral
  | ObjectLiteral
  | Template
  | FieldRef
  | Member
  | Index
  | Call
  | Unary
  | Binary
  | IfExpr
  | ErrorExpr;

export interface StringLiteral extends NodeBase {
  kind: 'String';
  value: string;
}

export interface NumberLiteral extends NodeBase {
  kind: 'Number';
  value: number;
}

export interface BooleanLiteral extends NodeBase {
  kind: 'Boolean';
  value: boolean;
}

export interface NullLiteral extends NodeBase {
  kind: 'Null';
}

export interface ListLiteral extends NodeBase {
  kind: 'List';
  items: Expr[];
}

export interface ObjectLiteral extends NodeBase {
  kind: 'Object';
  entries: { key: Name | StringLiteral; value: Expr; range: Range }[];
}

/** `~{Name}~` (or `~<Name>~`): replaced at run time. */
export interface Template extends NodeBase {
  kind: 'Template';
  name: string;
  nameRange: Range;
}

/** A bare name: a field of the current record. */
export interface FieldRef extends NodeBase {
  kind: 'FieldRef';
  name: string;
}

/** `object.property` */
export interface Member extends NodeBase {
  kind: 'Member';
  object: Expr;
  property: Name;
}

/** `object[index]` */
export interface Index extends NodeBase {
  kind: 'Index';
  object: Expr;
  index: Expr;
}

export interface Call extends NodeBase {
  kind: 'Call';
  callee: Name;
  args: Expr[];
}

export type UnaryOp = '-' | 'not';

export interface Unary extends NodeBase {
  kind: 'Unary';
  op: UnaryOp;
  operand: Expr;
}

export type BinaryOp = '??' | 'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

export interface Binary extends NodeBase {
  kind: 'Binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
}

export interface IfExpr extends NodeBase {
  kind: 'If';
  cond: Expr;
  then: Expr;
  else: Expr;
}

/** Stands where recovery found no expression; the syntax error has been reported already. */
export interface ErrorExpr extends NodeBase {
  kind: 'ErrorExpr';
}

export type Node =
  | Program
  | VarDecl
  | Flow
  | Setting
  | Pipeline
  | ActionRef
  | Option
  | Condition
  | Source
  | Dest
  | Tee
  | Step
  | MapEntry
  | TypeExpr
  | Expr
  | Name
  | Comment;

/** Binding strength of binary operators, loosest first (LANGUAGE.md "Expressions"). */
export const BINARY_PRECEDENCE: Record<BinaryOp, number> = {
  '??': 2,
  or: 3,
  and: 4,
  '==': 6,
  '!=': 6,
  '<': 6,
  '<=': 6,
  '>': 6,
  '>=': 6,
  '+': 7,
  '-': 7,
  '*': 8,
  '/': 8,
  '%': 8,
};
/** `if` binds loosest (1), `not` sits between `and` and the comparisons (5), unary minus above `*` (9). */
export const PRECEDENCE = { if: 1, not: 5, negate: 9, postfix: 10, primary: 11 } as const;
