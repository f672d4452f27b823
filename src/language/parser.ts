// The flow grammar as one chevrotain CstParser, built once and reused for every parse. Error
// recovery is on, so a broken file still yields a partial tree. The reference grammar in
// grammar/flow.ebnf names exactly these rules (a test keeps the two in step).
import { CstParser, type CstNode, type IToken } from 'chevrotain';
import * as T from './tokens.js';
import { Context, messageProvider } from './messages.js';

/** What the error messages need to know of the parse under way (set by parse()). */
export const parseContext = new Context();

export class FlowParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      errorMessageProvider: messageProvider(parseContext),
      maxLookahead: 3,
      // Grammar self-checks run in tests (test/language/grammar.test.ts), not at every start.
      skipValidations: process.env.SLUICE_VALIDATE_GRAMMAR !== '1',
    });
    this.performSelfAnalysis();
  }

  /** A file: variables, flow blocks and/or one bare pipeline (the checker reports mixing them). */
  file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR([
        // `var` is a keyword only here, so that a field named `var` stays a plain name elsewhere.
        { GATE: () => this.LA(1).image === 'var', ALT: () => this.SUBRULE(this.varDecl) },
        { ALT: () => this.SUBRULE(this.flowBlock) },
        { ALT: () => this.SUBRULE(this.pipeline) },
      ]);
    });
  });

  /** `var NAME: TYPE [= VALUE]`: a value of the file, used as `~{NAME}~`, set with `--var NAME=...`. */
  varDecl = this.RULE('varDecl', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME2(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression);
    });
  });

  flowBlock = this.RULE('flowBlock', () => {
    this.CONSUME(T.Flow);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.setting));
    this.OPTION(() => this.SUBRULE(this.pipeline));
    this.CONSUME(T.RCurly);
  });

  setting = this.RULE('setting', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.schedule) }, { ALT: () => this.SUBRULE(this.onReject) }, { ALT: () => this.SUBRULE(this.flowId) }]);
  });

  // `id "..."`: `id` stays an ordinary name (a field is often called `id`); the AST builder
  // reports any other name in this place.
  flowId = this.RULE('flowId', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.StringLiteral);
  });

  schedule = this.RULE('schedule', () => {
    this.CONSUME(T.Schedule);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Every);
          this.CONSUME(T.NumberLiteral);
          this.CONSUME(T.Identifier);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Cron);
          this.CONSUME(T.StringLiteral);
        },
      },
    ]);
  });

  onReject = this.RULE('onReject', () => {
    this.CONSUME(T.On);
    this.CONSUME(T.Reject);
    this.SUBRULE(this.actionRef);
    this.OPTION(() => this.SUBRULE(this.withClause));
  });

  /** A step may lack its `->` here so that recovery goes on; the AST builder reports it. */
  pipeline = this.RULE('pipeline', () => {
    this.SUBRULE(this.sourceClause);
    this.MANY({
      // A bare name goes on the pipeline only as `tee {`: after a pipeline, `var x ...` is the next declaration.
      GATE: () => this.LA(1).tokenType !== T.Identifier || this.LA(2).tokenType === T.LCurly,
      DEF: () => {
        this.OPTION(() => this.CONSUME(T.Arrow));
        this.SUBRULE(this.step);
      },
    });
  });

  sourceClause = this.RULE('sourceClause', () => {
    this.CONSUME(T.Source);
    this.SUBRULE(this.actionRef);
    this.OPTION(() => this.SUBRULE(this.withClause));
    this.OPTION2(() => this.SUBRULE(this.asClause));
    this.OPTION3(() => this.SUBRULE(this.whereClause));
    this.OPTION4(() => this.SUBRULE(this.sinceClause));
  });

  actionRef = this.RULE('actionRef', () => {
    this.CONSUME(T.AnyName);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.AnyName);
    });
  });

  withClause = this.RULE('withClause', () => {
    this.CONSUME(T.With);
    this.SUBRULE(this.withOption);
    this.MANY({
      // Inside `tee { ... }` a comma may end a destination: `, dest ...` starts the next one.
      GATE: () => this.LA(2).tokenType !== T.Dest || this.LA(3).tokenType === T.Equals,
      DEF: () => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.withOption);
      },
    });
  });

  withOption = this.RULE('withOption', () => {
    this.CONSUME(T.AnyName);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  asClause = this.RULE('asClause', () => {
    this.CONSUME(T.As);
    this.SUBRULE(this.recordType);
  });

  typeExpr = this.RULE('typeExpr', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.recordType) },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.SUBRULE(this.typeExpr);
          this.CONSUME(T.RBracket);
        },
      },
      { ALT: () => this.CONSUME(T.AnyName) },
    ]);
    this.OPTION(() => this.CONSUME(T.Question));
  });

  recordType = this.RULE('recordType', () => {
    this.CONSUME(T.LCurly);
    this.OPTION(() => {
      this.SUBRULE(this.typeField);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RCurly,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.typeField);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RCurly);
  });

  typeField = this.RULE('typeField', () => {
    this.OR([{ ALT: () => this.CONSUME(T.AnyName) }, { ALT: () => this.CONSUME(T.StringLiteral) }]);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
  });

  whereClause = this.RULE('whereClause', () => {
    this.CONSUME(T.Where);
    this.SUBRULE(this.condition);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.condition);
    });
  });

  /** `KEY OP VALUE`; the value stops before `and`, which joins conditions here. */
  condition = this.RULE('condition', () => {
    this.CONSUME(T.AnyName);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.AnyName);
    });
    this.OR([
      { ALT: () => this.CONSUME(T.Equals) },
      { ALT: () => this.CONSUME(T.NotEq) },
      { ALT: () => this.CONSUME(T.LtEq) },
      { ALT: () => this.CONSUME(T.GtEq) },
      { ALT: () => this.CONSUME(T.Lt) },
      { ALT: () => this.CONSUME(T.Gt) },
      { ALT: () => this.CONSUME(T.In) },
      { ALT: () => this.CONSUME(T.Contains) },
      // `==` is the expression spelling; accepted here and reported with a fix.
      { ALT: () => this.CONSUME(T.EqEq) },
    ]);
    this.SUBRULE(this.additiveExpr);
  });

  sinceClause = this.RULE('sinceClause', () => {
    this.CONSUME(T.Since);
    this.SUBRULE(this.expression);
  });

  step = this.RULE('step', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.mapStep) },
      { ALT: () => this.SUBRULE(this.filterStep) },
      { ALT: () => this.SUBRULE(this.lookupStep) },
      { ALT: () => this.SUBRULE(this.dedupeStep) },
      { ALT: () => this.SUBRULE(this.takeStep) },
      { ALT: () => this.SUBRULE(this.destClause) },
      // `tee { dest ..., dest ... }`: `tee` stays an ordinary name (a field may be called so); only
      // a name followed by `{` in a step's place starts it, and the AST builder reports any other name.
      { GATE: () => this.LA(2).tokenType === T.LCurly, ALT: () => this.SUBRULE(this.teeStep) },
    ]);
  });

  teeStep = this.RULE('teeStep', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LCurly);
    this.SUBRULE(this.destClause);
    this.MANY({
      GATE: () => this.LA(2).tokenType !== T.RCurly,
      DEF: () => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.destClause);
      },
    });
    this.OPTION(() => this.CONSUME2(T.Comma));
    this.CONSUME(T.RCurly);
  });

  mapStep = this.RULE('mapStep', () => {
    this.CONSUME(T.Map);
    this.CONSUME(T.LCurly);
    this.OPTION(() => {
      this.SUBRULE(this.mapEntry);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RCurly,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.mapEntry);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RCurly);
  });

  mapEntry = this.RULE('mapEntry', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Ellipsis) },
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(T.AnyName) }, { ALT: () => this.CONSUME(T.StringLiteral) }]);
          this.CONSUME(T.Colon);
          this.SUBRULE(this.expression);
        },
      },
    ]);
  });

  filterStep = this.RULE('filterStep', () => {
    this.CONSUME(T.Filter);
    this.SUBRULE(this.expression);
  });

  lookupStep = this.RULE('lookupStep', () => {
    this.CONSUME(T.Lookup);
    this.CONSUME(T.AnyName);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.actionRef);
    this.OPTION(() => this.SUBRULE(this.withClause));
    this.OPTION2(() => this.SUBRULE(this.whereClause));
  });

  dedupeStep = this.RULE('dedupeStep', () => {
    this.CONSUME(T.Dedupe);
    this.CONSUME(T.By);
    this.SUBRULE(this.expression);
  });

  takeStep = this.RULE('takeStep', () => {
    this.CONSUME(T.Take);
    this.SUBRULE(this.additiveExpr);
  });

  destClause = this.RULE('destClause', () => {
    this.CONSUME(T.Dest);
    this.SUBRULE(this.actionRef);
    this.OPTION({ GATE: () => this.LA(2).tokenType === T.By, DEF: () => this.SUBRULE(this.upsertClause) });
    this.OPTION2(() => this.SUBRULE(this.withClause));
  });

  // `upsert by FIELD`: `upsert` stays an ordinary name (a field may be called so); the AST builder
  // reports any other name in this place. Only a name followed by `by` starts the clause.
  upsertClause = this.RULE('upsertClause', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.By);
    this.CONSUME(T.AnyName);
  });

  // ---- expressions
  // Binary operators are parsed as one flat chain and nested by precedence in the AST builder
  // (precedence climbing): one rule level instead of eight makes parsing about twice as fast.

  expression = this.RULE('expression', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.ifExpr) }, { ALT: () => this.SUBRULE(this.binaryExpr) }]);
  });

  ifExpr = this.RULE('ifExpr', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expression);
    this.CONSUME(T.Then);
    this.SUBRULE2(this.expression);
    this.CONSUME(T.Else);
    this.SUBRULE3(this.expression);
  });

  /** `operand (op operand)*` with every binary operator; `=` is accepted and reported as a typo of `==`. */
  binaryExpr = this.RULE('binaryExpr', () => {
    this.SUBRULE(this.operand);
    this.MANY(() => {
      this.CONSUME(T.BinaryOperator);
      this.SUBRULE2(this.operand);
    });
  });

  /** `not`s, then unary minuses, then a postfix expression. */
  operand = this.RULE('operand', () => {
    this.MANY(() => this.CONSUME(T.Not));
    this.MANY2(() => this.CONSUME(T.Minus));
    this.SUBRULE(this.postfixExpr);
  });

  /** The value of a `where` condition or `take`: arithmetic only, so that `and` can join conditions. */
  additiveExpr = this.RULE('additiveExpr', () => {
    this.MANY(() => this.CONSUME(T.Minus));
    this.SUBRULE(this.postfixExpr);
    this.MANY2(() => {
      this.CONSUME(T.ArithmeticOperator);
      this.MANY3(() => this.CONSUME2(T.Minus));
      this.SUBRULE2(this.postfixExpr);
    });
  });

  postfixExpr = this.RULE('postfixExpr', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            this.CONSUME(T.AnyName);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            this.SUBRULE(this.expression);
            this.CONSUME(T.RBracket);
          },
        },
      ]);
    });
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Null) },
      { ALT: () => this.CONSUME(T.Template) },
      { ALT: () => this.SUBRULE(this.listLiteral) },
      { ALT: () => this.SUBRULE(this.objectLiteral) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.nameOrCall) },
    ]);
  });

  nameOrCall = this.RULE('nameOrCall', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => {
        this.SUBRULE(this.expression);
        this.MANY(() => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.expression);
        });
      });
      this.CONSUME(T.RParen);
    });
  });

  listLiteral = this.RULE('listLiteral', () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RBracket,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.expression);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  objectLiteral = this.RULE('objectLiteral', () => {
    this.CONSUME(T.LCurly);
    this.OPTION(() => {
      this.SUBRULE(this.objectEntry);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RCurly,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.objectEntry);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RCurly);
  });

  objectEntry = this.RULE('objectEntry', () => {
    this.OR([{ ALT: () => this.CONSUME(T.AnyName) }, { ALT: () => this.CONSUME(T.StringLiteral) }]);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
  });
}

let instance: FlowParser | undefined;
/** The one parser instance (building it runs the grammar analysis, which is not free). */
export function flowParser(): FlowParser {
  return (instance ??= new FlowParser());
}

export type { CstNode, IToken };
