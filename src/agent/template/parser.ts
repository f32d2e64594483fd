// The parser of Go's text/template (text/template/parse/parse.go), rewritten over the token array
// the lexer makes. Its error messages are Go's; each names the position of the token at fault.

import type { CommandNode, FieldNode, IdentifierNode, Node, NumberNode, Operand, PipeNode, StringNode, VariableNode } from './ast.js';
import { describe } from './ast.js';
import type { Source } from './errors.js';
import { goQuote } from './format.js';
import { lex, type Token, type TokenType } from './lexer.js';
import { parseNumber, unquote } from './literals.js';

export interface ParseConfig {
  readonly leftDelim: string;
  readonly rightDelim: string;
  /** When given, an unknown function name is an error at parse time, as in Go. */
  readonly hasFunction?: (name: string) => boolean;
}

export interface ParsedTemplate {
  /** Every template by name: the top-level one and those made by define and block. */
  readonly templates: ReadonlyMap<string, Node[]>;
  /** Every function name the template text uses, in order. */
  readonly identifiers: readonly IdentifierNode[];
}

// Go has no limit on nesting; a JavaScript stack does, so deeper templates are refused cleanly.
const MAX_DEPTH = 500;

// {{end}} and {{else}} end an item list; the parser does not keep them.
type Marker = EndMarker | ElseMarker;

interface EndMarker {
  readonly kind: 'end';
  readonly pos: number;
}

interface ElseMarker {
  readonly kind: 'else';
  readonly pos: number;
  /** For {{else if ...}} and {{else with ...}}: the keyword left for the chained control. */
  readonly chained?: 'if' | 'with';
}

interface Opener {
  readonly keyword: string;
  readonly pos: number;
}

const OPERAND_START: ReadonlySet<TokenType> = new Set([
  'bool',
  'charConstant',
  'dot',
  'field',
  'identifier',
  'nil',
  'number',
  'rawString',
  'string',
  'variable',
  'leftParen',
]);

/** Parses a template's text; a syntax error is thrown as a TemplateError. */
export function parse(source: Source, config: ParseConfig): ParsedTemplate {
  const parser = new Parser(lex(source.text, config.leftDelim, config.rightDelim), source, config.hasFunction);
  try {
    parser.add(source.name, parser.parseTop(), 0);
  } catch (err) {
    if (err instanceof RangeError) throw source.errorAt(0, 'template nested too deeply');
    throw err;
  }
  return { templates: parser.templates, identifiers: parser.identifiers };
}

class Parser {
  readonly templates = new Map<string, Node[]>();
  readonly identifiers: IdentifierNode[] = [];
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly source: Source,
    private readonly hasFunction: ((name: string) => boolean) | undefined,
  ) {}

  private fail(pos: number, message: string): never {
    throw this.source.errorAt(pos, message);
  }

  private next(): Token {
    const token = this.tokens[this.i] as Token;
    if (this.i < this.tokens.length - 1) this.i++;
    return token;
  }

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private skipSpace(): void {
    while (this.peek().type === 'space') this.i++;
  }

  private peekNonSpace(): Token {
    this.skipSpace();
    return this.peek();
  }

  private nextNonSpace(): Token {
    this.skipSpace();
    return this.next();
  }

  private expect(type: TokenType, context: string): Token {
    const token = this.nextNonSpace();
    if (token.type !== type) this.unexpected(token, context);
    return token;
  }

  private unexpected(token: Token, context: string): never {
    if (token.type === 'error') this.fail(token.pos, token.value);
    this.fail(token.pos, `unexpected ${tokenString(token)} in ${context}`);
  }

  /** Records a template under its name, as Go's Tree.add: an empty body may be redefined. */
  add(name: string, list: Node[], pos: number): void {
    const existing = this.templates.get(name);
    if (existing && !isEmpty(existing)) {
      if (!isEmpty(list)) this.fail(pos, `multiple definition of template ${goQuote(name)}`);
      return;
    }
    this.templates.set(name, list);
  }

  /** The top level: an item list that may also hold {{define}}, and runs to EOF. */
  parseTop(): Node[] {
    const root: Node[] = [];
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const save = this.i;
        const delim = this.next();
        const word = this.nextNonSpace();
        if (word.type === 'keyword' && word.value === 'define') {
          this.parseDefinition(delim.pos);
          continue;
        }
        this.i = save;
      }
      const node = this.textOrAction();
      if (node.kind === 'end' || node.kind === 'else') this.fail(node.pos, `unexpected {{${node.kind}}}`);
      else root.push(node);
    }
    return root;
  }

  private parseDefinition(pos: number): void {
    const context = 'define clause';
    const name = this.templateName(this.nextNonSpace(), context);
    this.expect('rightDelim', context);
    const list = this.inNewScope(() => {
      const [body, end] = this.itemList({ keyword: 'define', pos });
      if (end.kind !== 'end') this.fail(end.pos, `unexpected {{else}} in ${context}`);
      return body;
    });
    this.add(name, list, pos);
  }

  // A defined template sees no variables but $, and is not inside any range.
  private inNewScope<T>(parse: () => T): T {
    const vars = this.vars;
    const rangeDepth = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    try {
      return parse();
    } finally {
      this.vars = vars;
      this.rangeDepth = rangeDepth;
    }
  }

  /** Items up to an {{end}} or {{else}}, which is returned separately. */
  private itemList(opener: Opener): [Node[], Marker] {
    const list: Node[] = [];
    for (;;) {
      if (this.peekNonSpace().type === 'eof') this.fail(opener.pos, `unexpected EOF: {{${opener.keyword}}} has no {{end}}`);
      const node = this.textOrAction();
      if (node.kind === 'end' || node.kind === 'else') return [list, node];
      else list.push(node);
    }
  }

  private textOrAction(): Node | Marker {
    const token = this.nextNonSpace();
    if (token.type === 'text') return { kind: 'text', pos: token.pos, text: token.value };
    if (token.type === 'leftDelim') return this.action(token.pos);
    this.unexpected(token, 'input');
  }

  private action(start: number): Node | Marker {
    const token = this.peekNonSpace();
    if (token.type === 'keyword') {
      switch (token.value) {
        case 'block':
          this.next();
          return this.blockControl(start);
        case 'break':
        case 'continue':
          this.next();
          return this.loopControl(token);
        case 'else':
          this.next();
          return this.elseControl(start);
        case 'end':
          this.next();
          this.expect('rightDelim', 'end');
          return { kind: 'end', pos: start };
        case 'if':
        case 'range':
        case 'with':
          this.next();
          return this.control(token.value, start);
        case 'template':
          this.next();
          return this.templateControl();
      }
    }
    const pipe = this.pipeline('command', 'rightDelim');
    return { kind: 'action', pos: pipe.pos, pipe };
  }

  private loopControl(token: Token): Node {
    const word = token.value as 'break' | 'continue';
    const after = this.nextNonSpace();
    if (after.type !== 'rightDelim') this.unexpected(after, `{{${word}}}`);
    if (this.rangeDepth === 0) this.fail(token.pos, `{{${word}}} outside {{range}}`);
    return { kind: word, pos: token.pos };
  }

  private elseControl(start: number): ElseMarker {
    const token = this.peekNonSpace();
    // "{{else if ...}}" and "{{else with ...}}" leave the keyword for the control they chain to.
    if (token.type === 'keyword' && (token.value === 'if' || token.value === 'with')) return { kind: 'else', pos: start, chained: token.value };
    this.expect('rightDelim', 'else');
    return { kind: 'else', pos: start };
  }

  /** {{if}}, {{with}} and {{range}}: a pipeline, a list, and maybe an else list. */
  private control(kind: 'if' | 'range' | 'with', start: number): Node {
    if (++this.depth > MAX_DEPTH) this.fail(start, `{{${kind}}} nested too deeply`);
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(kind, 'rightDelim');
      if (kind === 'range') this.rangeDepth++;
      const [list, next] = this.itemList({ keyword: kind, pos: start });
      if (kind === 'range') this.rangeDepth--;
      let elseList: Node[] | undefined;
      if (next.kind === 'else') {
        // {{if a}}A{{else if b}}B{{end}} is {{if a}}A{{else}}{{if b}}B{{end}}{{end}}: one {{end}} closes both.
        if ((kind === 'if' || kind === 'with') && next.chained === kind) {
          this.next();
          elseList = [this.control(kind, next.pos)];
        } else {
          const [list2, end] = this.itemList({ keyword: kind, pos: start });
          if (end.kind !== 'end') this.fail(end.pos, 'expected end; found {{else}}');
          elseList = list2;
        }
      }
      return { kind, pos: start, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
      this.depth--;
    }
  }

  private templateControl(): Node {
    const context = 'template clause';
    const nameToken = this.nextNonSpace();
    const name = this.templateName(nameToken, context);
    if (this.peekNonSpace().type === 'rightDelim') {
      this.next();
      return { kind: 'template', pos: nameToken.pos, name };
    }
    return { kind: 'template', pos: nameToken.pos, name, pipe: this.pipeline(context, 'rightDelim') };
  }

  /** {{block "name" pipeline}} body {{end}}: defines "name" and calls it in place. */
  private blockControl(start: number): Node {
    const context = 'block clause';
    const nameToken = this.nextNonSpace();
    const name = this.templateName(nameToken, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const list = this.inNewScope(() => {
      const [body, end] = this.itemList({ keyword: 'block', pos: start });
      if (end.kind !== 'end') this.fail(end.pos, `unexpected {{else}} in ${context}`);
      return body;
    });
    this.add(name, list, start);
    return { kind: 'template', pos: nameToken.pos, name, pipe };
  }

  private templateName(token: Token, context: string): string {
    if (token.type !== 'string' && token.type !== 'rawString') this.unexpected(token, context);
    const name = unquote(token.value);
    if (typeof name !== 'string') this.fail(token.pos, 'invalid syntax');
    return name;
  }

  /** declarations? command ('|' command)*, up to `end` (the right delimiter or a right paren). */
  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const pos = this.peekNonSpace().pos;
    const decl: VariableNode[] = [];
    let isAssign = false;
    for (;;) {
      const variable = this.peekNonSpace();
      if (variable.type !== 'variable') break;
      const save = this.i;
      this.next();
      const after = this.peekNonSpace();
      if (after.type === 'assign' || after.type === 'declare') {
        this.next();
        isAssign = after.type === 'assign';
        decl.push({ kind: 'variable', pos: variable.pos, name: variable.value, fields: [] });
        break;
      }
      if (after.type === 'char' && after.value === ',') {
        this.next();
        decl.push({ kind: 'variable', pos: variable.pos, name: variable.value, fields: [] });
        if (context === 'range' && decl.length < 2) {
          const following = this.peekNonSpace();
          if (following.type === 'variable' || following.type === 'rightDelim' || following.type === 'rightParen') continue;
          this.fail(following.pos, 'range can only initialize variables');
        }
        this.fail(after.pos, `too many declarations in ${context}`);
      }
      // Not a declaration: the variable is the first operand.
      this.i = save;
      break;
    }

    const cmds: CommandNode[] = [];
    for (;;) {
      const token = this.peekNonSpace();
      if (token.type === end) {
        this.next();
        break;
      }
      if (!OPERAND_START.has(token.type)) this.unexpected(this.next(), context);
      cmds.push(this.command());
    }
    if (cmds.length === 0) this.fail(pos, `missing value for ${context}`);
    cmds.slice(1).forEach((cmd, i) => {
      const first = cmd.args[0] as Operand;
      if (['bool', 'dot', 'nil', 'number', 'string'].includes(first.kind)) this.fail(first.pos, `non executable command in pipeline stage ${i + 2}`);
    });
    for (const variable of decl) {
      if (!isAssign) this.vars.push(variable.name);
      else if (!this.vars.includes(variable.name)) this.fail(variable.pos, `undefined variable ${goQuote(variable.name)}`);
    }
    return { kind: 'pipe', pos, isAssign, decl, cmds };
  }

  /** Space-separated operands up to a pipe (consumed) or the end of the pipeline (left). */
  private command(): CommandNode {
    const pos = this.peekNonSpace().pos;
    const args: Operand[] = [];
    for (;;) {
      this.skipSpace();
      const operand = this.operand();
      if (operand) args.push(operand);
      const token = this.next();
      if (token.type === 'space') continue;
      if (token.type === 'rightDelim' || token.type === 'rightParen') {
        this.i--;
        break;
      }
      if (token.type === 'pipe') break;
      this.unexpected(token, 'operand');
    }
    if (args.length === 0) this.fail(pos, 'empty command');
    return { kind: 'command', pos, args };
  }

  /** A term, and the fields that follow it: `.A.B`, `$x.A`, `(pipeline).A`. */
  private operand(): Operand | undefined {
    const node = this.term();
    if (!node || this.peek().type !== 'field') return node;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().value.slice(1));
    switch (node.kind) {
      case 'field':
        return { kind: 'field', pos: node.pos, idents: [...node.idents, ...fields] };
      case 'variable':
        return { kind: 'variable', pos: node.pos, name: node.name, fields: [...node.fields, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.fail(node.pos, `unexpected . after term ${goQuote(describe(node))}`);
      default:
        return { kind: 'chain', pos: node.pos, node, fields };
    }
  }

  private term(): Operand | undefined {
    const save = this.i;
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'identifier': {
        if (this.hasFunction && !this.hasFunction(token.value)) this.fail(token.pos, `function ${goQuote(token.value)} not defined`);
        const node: IdentifierNode = { kind: 'identifier', pos: token.pos, name: token.value };
        this.identifiers.push(node);
        return node;
      }
      case 'dot':
        return { kind: 'dot', pos: token.pos };
      case 'nil':
        return { kind: 'nil', pos: token.pos };
      case 'bool':
        return { kind: 'bool', pos: token.pos, value: token.value === 'true' };
      case 'variable':
        if (!this.vars.includes(token.value)) this.fail(token.pos, `undefined variable ${goQuote(token.value)}`);
        return { kind: 'variable', pos: token.pos, name: token.value, fields: [] };
      case 'field':
        return { kind: 'field', pos: token.pos, idents: [token.value.slice(1)] } satisfies FieldNode;
      case 'charConstant':
      case 'number':
        return this.number(token);
      case 'string':
      case 'rawString': {
        const value = unquote(token.value);
        if (typeof value !== 'string') this.fail(token.pos, 'invalid syntax');
        return { kind: 'string', pos: token.pos, value, quoted: token.value } satisfies StringNode;
      }
      case 'leftParen': {
        if (++this.depth > MAX_DEPTH) this.fail(token.pos, 'max expression depth exceeded');
        try {
          return this.pipeline('parenthesized pipeline', 'rightParen');
        } finally {
          this.depth--;
        }
      }
    }
    this.i = save;
    return undefined;
  }

  private number(token: Token): NumberNode {
    if (token.type === 'charConstant') {
      const rune = unquote(token.value);
      if (typeof rune !== 'number') this.fail(token.pos, `malformed character constant: ${token.value}`);
      return { kind: 'number', pos: token.pos, value: rune, text: token.value };
    }
    if (token.value.endsWith('i')) this.fail(token.pos, `complex numbers are not supported: ${token.value}`);
    const value = parseNumber(token.value);
    if (value === undefined) this.fail(token.pos, `illegal number syntax: ${goQuote(token.value)}`);
    return { kind: 'number', pos: token.pos, value, text: token.value };
  }
}

/** Go's item.String(): keywords as <if>, long values cut to ten characters, the rest quoted. */
function tokenString(token: Token): string {
  if (token.type === 'eof') return 'EOF';
  if (token.type === 'keyword' || token.type === 'dot' || token.type === 'nil') return `<${token.value}>`;
  const chars = [...token.value];
  if (chars.length > 10) return `${goQuote(chars.slice(0, 10).join(''))}...`;
  return goQuote(token.value);
}

/** Go's IsEmptyTree: nothing but space in text. */
function isEmpty(list: readonly Node[]): boolean {
  return list.every((node) => node.kind === 'text' && node.text.trim() === '');
}
