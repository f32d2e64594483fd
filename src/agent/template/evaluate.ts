// Execution of a parsed template, after Go's text/template/exec.go. Everything is awaited in
// template order, one step at a time: a function is called when the evaluation reaches it, after
// the calls to its left have finished, so fetches happen in the order the template makes them.

import type { CommandNode, FieldNode, IdentifierNode, Node, Operand, PipeNode, RangeNode, TemplateNode, VariableNode, ChainNode } from './ast.js';
import { describe } from './ast.js';
import { ArgumentError, type Source } from './errors.js';
import { formatValue, goQuote } from './format.js';
import { goTypeName, isTrue, kindOf, lookupProperty, mapGet, sortedEntries, toNil } from './values.js';

/** A function a template can call. A builtin receives "no value" as `undefined`; others receive nil (null). */
export interface Callable {
  readonly fn: (...args: unknown[]) => unknown;
  readonly builtin: boolean;
}

export interface ExecutionContext {
  readonly source: Source;
  readonly templates: ReadonlyMap<string, Node[]>;
  readonly functions: ReadonlyMap<string, Callable>;
  /** 'error' fails on a missing map key; 'zero' gives "no value", which prints as <no value>. */
  readonly missingKey: 'zero' | 'error';
}

// Template calls nest this deep at most; Go allows 100000, which only a runaway recursion reaches.
const MAX_TEMPLATE_DEPTH = 10_000;

/** Stands for "no final argument": a command that is not fed by a pipe. */
const MISSING: unique symbol = Symbol('missing');
/** The value piped into a command, or MISSING. */
type Final = unknown;

// Thrown through the walk by {{break}} and {{continue}} to the range that holds them.
const BREAK: unique symbol = Symbol('break');
const CONTINUE: unique symbol = Symbol('continue');

interface Variable {
  readonly name: string;
  value: unknown;
}

/** One template being executed: its name (for errors) and its variables, innermost last. */
interface Frame {
  readonly name: string;
  readonly vars: Variable[];
}

type ErrorNode = CommandNode | Operand | TemplateNode;

/** Runs the template `name` with `dot` as its data and returns the text it produces. */
export async function execute(context: ExecutionContext, name: string, dot: unknown): Promise<string> {
  const root = context.templates.get(name);
  if (!root) throw context.source.errorAt(0, `no template ${goQuote(name)}`);
  const execution = new Execution(context);
  await execution.walkList({ name, vars: [{ name: '$', value: dot }] }, dot, root);
  return execution.output();
}

class Execution {
  private readonly out: string[] = [];
  private depth = 0;

  constructor(private readonly context: ExecutionContext) {}

  output(): string {
    return this.out.join('');
  }

  private fail(frame: Frame, node: ErrorNode, message: string, cause?: unknown): never {
    const at = node.kind === 'template' ? `{{template ${goQuote(node.name)}}}` : describe(node);
    throw this.context.source.errorAt(node.pos, `executing ${goQuote(frame.name)} at <${at}>: ${message}`, cause);
  }

  async walkList(frame: Frame, dot: unknown, list: readonly Node[]): Promise<void> {
    for (const node of list) await this.walk(frame, dot, node);
  }

  private async walk(frame: Frame, dot: unknown, node: Node): Promise<void> {
    switch (node.kind) {
      case 'text':
        this.out.push(node.text);
        return;
      case 'action': {
        // An action that declares variables prints nothing; they live to the end of the enclosing control.
        const value = await this.evalPipeline(frame, dot, node.pipe);
        if (node.pipe.decl.length === 0) this.print(frame, node.pipe, value);
        return;
      }
      case 'if':
      case 'with': {
        const mark = frame.vars.length;
        try {
          const value = await this.evalPipeline(frame, dot, node.pipe);
          if (isTrue(value)) await this.walkList(frame, node.kind === 'with' ? value : dot, node.list);
          else if (node.elseList) await this.walkList(frame, dot, node.elseList);
        } finally {
          frame.vars.length = mark;
        }
        return;
      }
      case 'range':
        return this.walkRange(frame, dot, node);
      case 'template':
        return this.walkTemplate(frame, dot, node);
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  private print(frame: Frame, pipe: PipeNode, value: unknown): void {
    if (value === undefined) {
      this.out.push('<no value>');
      return;
    }
    if (typeof value === 'function') this.fail(frame, pipe, `can't print ${describe(pipe)} of type ${goTypeName(value)}`);
    this.out.push(formatValue(value));
  }

  private async walkRange(frame: Frame, dot: unknown, node: RangeNode): Promise<void> {
    const mark = frame.vars.length;
    try {
      const value = await this.evalPipeline(frame, dot, node.pipe);
      const bodyMark = frame.vars.length;
      const { decl, isAssign } = node.pipe;
      let ran = false;
      for (const [index, element] of this.rangeItems(frame, node, value)) {
        ran = true;
        // With one variable it gets the element; with two, the index (or key) and the element.
        if (decl.length > 0) {
          if (isAssign) this.setVar(frame, (decl[0] as VariableNode).name, decl.length > 1 ? index : element);
          else (frame.vars[bodyMark - 1] as Variable).value = element;
        }
        if (decl.length > 1) {
          if (isAssign) this.setVar(frame, (decl[1] as VariableNode).name, element);
          else (frame.vars[bodyMark - 2] as Variable).value = index;
        }
        try {
          await this.walkList(frame, element, node.list);
        } catch (signal) {
          if (signal === BREAK) break;
          if (signal !== CONTINUE) throw signal;
        } finally {
          frame.vars.length = bodyMark;
        }
      }
      if (!ran && node.elseList) await this.walkList(frame, dot, node.elseList);
    } finally {
      frame.vars.length = mark;
    }
  }

  private *rangeItems(frame: Frame, node: RangeNode, value: unknown): Generator<[unknown, unknown]> {
    switch (kindOf(value)) {
      case 'invalid':
      case 'nil':
        return;
      case 'slice':
        yield* (value as unknown[]).entries();
        return;
      case 'map':
        yield* sortedEntries(value as Map<unknown, unknown> | Record<string, unknown>);
        return;
      case 'int': {
        if (node.pipe.decl.length > 1) this.fail(frame, node.pipe, `can't use ${formatValue(value)} to iterate over more than one variable`);
        const count = Number(value);
        for (let i = 0; i < count; i++) yield [i, i];
        return;
      }
      default:
        this.fail(frame, node.pipe, `range can't iterate over ${formatValue(value)}`);
    }
  }

  private async walkTemplate(frame: Frame, dot: unknown, node: TemplateNode): Promise<void> {
    const list = this.context.templates.get(node.name);
    if (!list) this.fail(frame, node, `template ${goQuote(node.name)} not defined`);
    if (this.depth >= MAX_TEMPLATE_DEPTH) this.fail(frame, node, `exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
    const data = node.pipe ? await this.evalPipeline(frame, dot, node.pipe) : undefined;
    // Yield once, so that each nested call starts on an empty stack however deep recursion goes.
    await Promise.resolve();
    this.depth++;
    try {
      // No dynamic scoping: the called template sees $ (its data) and nothing else.
      await this.walkList({ name: node.name, vars: [{ name: '$', value: data }] }, data, list);
    } finally {
      this.depth--;
    }
  }

  private setVar(frame: Frame, name: string, value: unknown): void {
    for (let i = frame.vars.length - 1; i >= 0; i--) {
      const variable = frame.vars[i] as Variable;
      if (variable.name === name) {
        variable.value = value;
        return;
      }
    }
    throw this.context.source.errorAt(0, `executing ${goQuote(frame.name)}: undefined variable: ${name}`);
  }

  private varValue(frame: Frame, node: VariableNode): unknown {
    for (let i = frame.vars.length - 1; i >= 0; i--) {
      const variable = frame.vars[i] as Variable;
      if (variable.name === node.name) return variable.value;
    }
    this.fail(frame, node, `undefined variable: ${node.name}`);
  }

  private async evalPipeline(frame: Frame, dot: unknown, pipe: PipeNode): Promise<unknown> {
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = await this.evalCommand(frame, dot, cmd, value);
      // A nil interface{} is dug down to no value, as Go does between commands.
      if (value === null) value = undefined;
    }
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(frame, variable.name, value);
      else frame.vars.push({ name: variable.name, value });
    }
    return value;
  }

  private async evalCommand(frame: Frame, dot: unknown, cmd: CommandNode, final: Final): Promise<unknown> {
    const first = cmd.args[0] as Operand;
    switch (first.kind) {
      case 'field':
        return this.evalFieldChain(frame, dot, dot, first, first.idents, cmd.args, final);
      case 'chain':
        return this.evalChain(frame, dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(frame, dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(frame, cmd.args, final);
        return this.evalPipeline(frame, dot, first);
      case 'variable':
        return this.evalVariable(frame, dot, first, cmd.args, final);
    }
    this.notAFunction(frame, cmd.args, final);
    switch (first.kind) {
      case 'dot':
        return dot;
      case 'nil':
        this.fail(frame, first, 'nil is not a command');
      case 'bool':
      case 'number':
      case 'string':
        return first.value;
    }
  }

  private notAFunction(frame: Frame, args: readonly Operand[], final: Final): void {
    const first = args[0] as Operand;
    if (args.length > 1 || final !== MISSING) this.fail(frame, first, `can't give argument to non-function ${describe(first)}`);
  }

  private async evalArg(frame: Frame, dot: unknown, node: Operand): Promise<unknown> {
    switch (node.kind) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'field':
        return this.evalFieldChain(frame, dot, dot, node, node.idents, [node], MISSING);
      case 'variable':
        return this.evalVariable(frame, dot, node, [node], MISSING);
      case 'pipe':
        return this.evalPipeline(frame, dot, node);
      case 'identifier':
        return this.evalFunction(frame, dot, node, node, [node], MISSING);
      case 'chain':
        return this.evalChain(frame, dot, node, [node], MISSING);
      case 'bool':
      case 'number':
      case 'string':
        return node.value;
    }
  }

  private async evalChain(frame: Frame, dot: unknown, chain: ChainNode, args: readonly Operand[], final: Final): Promise<unknown> {
    const receiver = await this.evalArg(frame, dot, chain.node);
    return this.evalFieldChain(frame, dot, receiver, chain, chain.fields, args, final);
  }

  private async evalVariable(frame: Frame, dot: unknown, node: VariableNode, args: readonly Operand[], final: Final): Promise<unknown> {
    const value = this.varValue(frame, node);
    if (node.fields.length === 0) {
      this.notAFunction(frame, args, final);
      return value;
    }
    return this.evalFieldChain(frame, dot, value, node, node.fields, args, final);
  }

  // .X.Y.Z: every field but the last is looked up plainly; the last may be a method given arguments.
  private async evalFieldChain(
    frame: Frame,
    dot: unknown,
    receiver: unknown,
    node: FieldNode | VariableNode | ChainNode,
    idents: readonly string[],
    args: readonly Operand[],
    final: Final,
  ): Promise<unknown> {
    let value = receiver;
    for (let i = 0; i < idents.length - 1; i++) value = await this.evalField(frame, dot, idents[i] as string, node, [], MISSING, value);
    return this.evalField(frame, dot, idents[idents.length - 1] as string, node, args, final, value);
  }

  private async evalField(
    frame: Frame,
    dot: unknown,
    name: string,
    node: FieldNode | VariableNode | ChainNode,
    args: readonly Operand[],
    final: Final,
    receiver: unknown,
  ): Promise<unknown> {
    if (receiver === undefined) {
      if (this.context.missingKey === 'error') this.fail(frame, node, `nil data; no entry for key ${goQuote(name)}`);
      return undefined;
    }
    if (receiver === null) this.fail(frame, node, `nil pointer evaluating interface {}.${name}`);
    const hasArgs = args.length > 1 || final !== MISSING;
    const kind = kindOf(receiver);
    if (kind === 'map') {
      if (hasArgs) this.fail(frame, node, `${name} is not a method but has arguments`);
      const value = mapGet(receiver as Map<unknown, unknown> | Record<string, unknown>, name);
      if (value === undefined && this.context.missingKey === 'error') this.fail(frame, node, `map has no entry for key ${goQuote(name)}`);
      return value;
    }
    if (kind === 'struct' && typeof receiver === 'object') {
      const field = lookupProperty(receiver, name);
      if (field) {
        if (typeof field.value === 'function') {
          // A method: called with the receiver, the command's arguments and the piped value.
          const method = field.value as (...a: unknown[]) => unknown;
          const argv = await this.evalArgs(frame, dot, args.slice(1), final);
          return this.invoke(frame, node, name, (...a) => method.apply(receiver, a), argv.map(toNil));
        }
        if (hasArgs) this.fail(frame, node, `${name} has arguments but cannot be invoked as function`);
        return field.value;
      }
    }
    this.fail(frame, node, `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private async evalArgs(frame: Frame, dot: unknown, args: readonly Operand[], final: Final): Promise<unknown[]> {
    const values: unknown[] = [];
    for (const arg of args) values.push(await this.evalArg(frame, dot, arg));
    if (final !== MISSING) values.push(final);
    return values;
  }

  private async evalFunction(
    frame: Frame,
    dot: unknown,
    ident: IdentifierNode,
    cmd: CommandNode | IdentifierNode,
    args: readonly Operand[],
    final: Final,
  ): Promise<unknown> {
    const name = ident.name;
    const callable = this.context.functions.get(name);
    if (!callable) this.fail(frame, ident, `${goQuote(name)} is not a defined function`);
    const operands = args.slice(1);
    if (callable.builtin && (name === 'and' || name === 'or')) {
      // Short-circuit: arguments are evaluated one by one, and the first that decides is the value.
      if (operands.length === 0 && final === MISSING) this.fail(frame, cmd, `wrong number of args for ${name}: want at least 1 got 0`);
      let value: unknown;
      for (const operand of operands) {
        value = await this.evalArg(frame, dot, operand);
        if (isTrue(value) === (name === 'or')) return value;
      }
      return final === MISSING ? value : final;
    }
    const argv = await this.evalArgs(frame, dot, operands, final);
    return this.invoke(frame, cmd, name, callable.fn, callable.builtin ? argv : argv.map(toNil));
  }

  private async invoke(frame: Frame, node: ErrorNode, name: string, fn: (...args: unknown[]) => unknown, argv: unknown[]): Promise<unknown> {
    try {
      return await fn(...argv);
    } catch (err) {
      if (err instanceof ArgumentError) this.fail(frame, node, err.message, err);
      this.fail(frame, node, `error calling ${name}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }
}
