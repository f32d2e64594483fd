// The parse tree, shaped as Go's text/template/parse nodes. Every node carries `pos`, its index in
// the template text, so an error can name a line and column.

export type Node = TextNode | ActionNode | IfNode | WithNode | RangeNode | TemplateNode | BreakNode | ContinueNode;

export interface TextNode {
  readonly kind: 'text';
  readonly pos: number;
  readonly text: string;
}

/** `{{pipeline}}`: prints the value, unless the pipeline declares or assigns variables. */
export interface ActionNode {
  readonly kind: 'action';
  readonly pos: number;
  readonly pipe: PipeNode;
}

export interface IfNode {
  readonly kind: 'if';
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: Node[];
  readonly elseList?: Node[];
}

export interface WithNode {
  readonly kind: 'with';
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: Node[];
  readonly elseList?: Node[];
}

export interface RangeNode {
  readonly kind: 'range';
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: Node[];
  readonly elseList?: Node[];
}

/** `{{template "name" pipeline}}`, and the call half of `{{block}}`. */
export interface TemplateNode {
  readonly kind: 'template';
  readonly pos: number;
  readonly name: string;
  readonly pipe?: PipeNode;
}

export interface BreakNode {
  readonly kind: 'break';
  readonly pos: number;
}

export interface ContinueNode {
  readonly kind: 'continue';
  readonly pos: number;
}

/** `$x := cmd | cmd`: commands chained by `|`, with the variables they declare (or assign). */
export interface PipeNode {
  readonly kind: 'pipe';
  readonly pos: number;
  readonly isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}

/** A function or method call with its arguments, or a lone operand. */
export interface CommandNode {
  readonly kind: 'command';
  readonly pos: number;
  readonly args: Operand[];
}

export type Operand =
  | FieldNode
  | VariableNode
  | ChainNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

/** `.A.B`: fields of dot. */
export interface FieldNode {
  readonly kind: 'field';
  readonly pos: number;
  readonly idents: string[];
}

/** `$x.A.B`: a variable and the fields after it. */
export interface VariableNode {
  readonly kind: 'variable';
  readonly pos: number;
  readonly name: string;
  readonly fields: string[];
}

/** `(pipeline).A.B` or `fn.A`: fields of a term that is neither dot nor a variable. */
export interface ChainNode {
  readonly kind: 'chain';
  readonly pos: number;
  readonly node: Operand;
  readonly fields: string[];
}

/** A function name. */
export interface IdentifierNode {
  readonly kind: 'identifier';
  readonly pos: number;
  readonly name: string;
}

export interface DotNode {
  readonly kind: 'dot';
  readonly pos: number;
}

export interface NilNode {
  readonly kind: 'nil';
  readonly pos: number;
}

export interface BoolNode {
  readonly kind: 'bool';
  readonly pos: number;
  readonly value: boolean;
}

export interface NumberNode {
  readonly kind: 'number';
  readonly pos: number;
  readonly value: number;
  /** The literal as written, for error messages. */
  readonly text: string;
}

export interface StringNode {
  readonly kind: 'string';
  readonly pos: number;
  readonly value: string;
  /** The literal as written, quotes included. */
  readonly quoted: string;
}

/** The text Go's Node.String() gives, which Go's execution errors quote as `at <...>`. */
export function describe(node: Operand | CommandNode): string {
  switch (node.kind) {
    case 'command':
      return node.args.map((arg) => (arg.kind === 'pipe' ? `(${describe(arg)})` : describe(arg))).join(' ');
    case 'pipe': {
      const decl = node.decl.length ? `${node.decl.map(describe).join(', ')} ${node.isAssign ? '=' : ':='} ` : '';
      return decl + node.cmds.map(describe).join(' | ');
    }
    case 'field':
      return node.idents.map((ident) => `.${ident}`).join('');
    case 'variable':
      return node.name + node.fields.map((field) => `.${field}`).join('');
    case 'chain': {
      const inner = node.node.kind === 'pipe' ? `(${describe(node.node)})` : describe(node.node);
      return inner + node.fields.map((field) => `.${field}`).join('');
    }
    case 'identifier':
      return node.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(node.value);
    case 'number':
      return node.text;
    case 'string':
      return node.quoted;
  }
}
