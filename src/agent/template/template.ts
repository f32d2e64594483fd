import { BUILTINS } from './builtins.js';
import { Source } from './errors.js';
import { goQuote } from './format.js';
import { execute, type Callable } from './evaluate.js';
import { parse, type ParsedTemplate } from './parser.js';

/** Functions a template may call, by name. They may be async; a rejected promise fails the render. */
export interface TemplateFunctions {
  [name: string]: (...args: unknown[]) => unknown | Promise<unknown>;
}

export interface ParseOptions {
  /** Defaults to "{{". */
  leftDelimiter?: string;
  /** Defaults to "}}". */
  rightDelimiter?: string;
  /** The name errors give the template. Defaults to "template". */
  name?: string;
  /**
   * The functions the template will be rendered with. When given, a call to any other function
   * is a parse error, as in Go; when not, `render` checks before it evaluates anything.
   */
  functions?: TemplateFunctions;
}

export interface RenderOptions {
  /**
   * What a missing map key gives: 'zero' (the default, Go's) is "no value", printed `<no value>`;
   * 'error' fails the render naming the key (consul-template's error_on_missing_key).
   */
  missingKey?: 'zero' | 'error';
  /** The data the template starts with, `.` and `$`. Defaults to no value, as consul-template's. */
  dot?: unknown;
}

export interface Template {
  readonly name: string;
  /**
   * Renders the template, calling `functions` (and Go's built-ins, which they may override) in
   * template order, each call awaited before the next starts.
   */
  render(functions: TemplateFunctions, options?: RenderOptions): Promise<string>;
}

/** Parses a Go text/template. A syntax error is thrown as a TemplateError naming its line and column. */
export function parseTemplate(text: string, options: ParseOptions = {}): Template {
  const name = options.name ?? 'template';
  const source = new Source(name, text);
  const known = options.functions;
  const parsed = parse(source, {
    leftDelim: options.leftDelimiter || '{{',
    rightDelim: options.rightDelimiter || '}}',
    hasFunction: known ? (fn) => BUILTINS.has(fn) || Object.hasOwn(known, fn) : undefined,
  });
  return new ParsedGoTemplate(name, source, parsed);
}

class ParsedGoTemplate implements Template {
  constructor(
    readonly name: string,
    private readonly source: Source,
    private readonly parsed: ParsedTemplate,
  ) {}

  async render(functions: TemplateFunctions, options: RenderOptions = {}): Promise<string> {
    const callables = new Map<string, Callable>();
    for (const [fn, builtin] of BUILTINS) callables.set(fn, { fn: builtin, builtin: true });
    for (const [fn, implementation] of Object.entries(functions)) {
      if (typeof implementation === 'function') callables.set(fn, { fn: implementation, builtin: false });
    }
    // Go refuses an unknown function when it parses; here it is refused before anything is called.
    for (const ident of this.parsed.identifiers) {
      if (!callables.has(ident.name)) throw this.source.errorAt(ident.pos, `function ${goQuote(ident.name)} not defined`);
    }
    return execute(
      { source: this.source, templates: this.parsed.templates, functions: callables, missingKey: options.missingKey ?? 'zero' },
      this.name,
      options.dot,
    );
  }
}
