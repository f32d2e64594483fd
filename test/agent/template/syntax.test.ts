import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate, TemplateError, type ParseOptions, type TemplateFunctions } from '../../../src/agent/template/index.js';

// Expected strings are what Go's text/template produces for the same template and data.

async function render(text: string, dot?: unknown, options: ParseOptions = {}, functions: TemplateFunctions = {}): Promise<string> {
  return parseTemplate(text, options).render(functions, { dot });
}

function parseError(text: string, options: ParseOptions = {}): TemplateError {
  try {
    parseTemplate(text, { name: 't', ...options });
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected a TemplateError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${JSON.stringify(text)} parsed`);
}

describe('template text and actions', () => {
  it('copies text outside actions unchanged', async () => {
    assert.equal(await render('plain {text} with } and { braces\n'), 'plain {text} with } and { braces\n');
  });

  it('prints the value of an action', async () => {
    assert.equal(await render('Hello, {{ .name }}!', { name: 'world' }), 'Hello, world!');
  });

  it('allows newlines inside an action', async () => {
    assert.equal(await render('{{ printf\n  "%s-%s"\n  "a" "b" }}'), 'a-b');
  });

  it('discards comments, which may span lines', async () => {
    assert.equal(await render('a{{/* one */}}b{{/* two\nlines */}}c'), 'abc');
  });

  it('refuses a comment that does not end at the closing delimiter', () => {
    assert.equal(parseError('{{/* x */ }}').message, 't:1:0: comment ends before closing delimiter');
  });
});

describe('trim markers', () => {
  it('{{- trims the space, tabs and newlines before the action', async () => {
    assert.equal(await render('a \t\n\n  {{- "b" }}'), 'ab');
  });

  it('-}} trims the space, tabs and newlines after the action', async () => {
    assert.equal(await render('{{ "a" -}} \n\t\n b'), 'ab');
  });

  it('trims on both sides, and around comments', async () => {
    assert.equal(await render('x \n {{- /* gone */ -}} \n y'), 'xy');
  });

  it('needs the space: {{-3}} is the number -3', async () => {
    assert.equal(await render('a {{-3}} b'), 'a -3 b');
  });

  it('lets a secret block write one line per value without blank lines', async () => {
    const text = 'users:\n{{- range .users }}\n  - {{ . }}\n{{- end }}\n';
    assert.equal(await render(text, { users: ['ann', 'bob'] }), 'users:\n  - ann\n  - bob\n');
  });
});

describe('custom delimiters', () => {
  it('uses left_delimiter and right_delimiter, leaving {{ }} as text', async () => {
    const options = { leftDelimiter: '[[', rightDelimiter: ']]' };
    assert.equal(await render('[[ .x ]] {{ .x }}', { x: 1 }, options), '1 {{ .x }}');
  });

  it('takes trim markers and comments with custom delimiters', async () => {
    const options = { leftDelimiter: '<%', rightDelimiter: '%>' };
    assert.equal(await render('a \n<%- .x -%>\n b<%/* c */%>', { x: 'X' }, options), 'aXb');
  });
});

describe('literals', () => {
  it('reads Go string escapes', async () => {
    assert.equal(await render('{{ "tab\\there \\"q\\" \\u00e9 \\x41\\101 \\\\" }}'), 'tab\there "q" é AA \\');
  });

  it('joins \\x bytes into UTF-8', async () => {
    assert.equal(await render('{{ "\\xc3\\xa9" }}'), 'é');
  });

  it('keeps raw strings as written, without carriage returns', async () => {
    assert.equal(await render('{{ `a\\n"b"\r\nc` }}'), 'a\\n"b"\nc');
  });

  it('reads integers in every Go base, floats and characters', async () => {
    assert.equal(await render('{{ 42 }} {{ -7 }} {{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }}'), '42 -7 31 15 15 5 1000');
    assert.equal(await render('{{ 1.5 }} {{ .5 }} {{ 2.5e-3 }} {{ 1e3 }} {{ 123456789.5 }} {{ 0.00001 }}'), '1.5 0.5 0.0025 1000 1.234567895e+08 1e-05');
    assert.equal(await render("{{ 'a' }} {{ '\\n' }}"), '97 10');
  });

  it('reads true, false and nil', async () => {
    assert.equal(await render('{{ true }} {{ false }} {{ print nil }}'), 'true false <nil>');
  });

  it('refuses malformed literals', () => {
    assert.equal(parseError('{{ 1x }}').message, 't:1:3: bad number syntax: "1x"');
    assert.equal(parseError('{{ "\\q" }}').message, 't:1:3: invalid syntax');
    assert.equal(parseError('{{ "abc }}').message, 't:1:3: unterminated quoted string');
    assert.equal(parseError('{{ 1__0 }}').message, 't:1:3: illegal number syntax: "1__0"');
  });
});

describe('syntax errors', () => {
  it('names the unclosed action by its opening delimiter', () => {
    const err = parseError('line one\n  {{ .x ');
    assert.equal(err.message, 't:2:2: unclosed action');
    assert.equal(err.line, 2);
    assert.equal(err.column, 2);
    assert.equal(err.reason, 'unclosed action');
    assert.equal(err.templateName, 't');
  });

  it('refuses an {{end}} or {{else}} with nothing to close', () => {
    assert.equal(parseError('a\n{{ end }}').message, 't:2:0: unexpected {{end}}');
    assert.equal(parseError('{{ else }}').message, 't:1:0: unexpected {{else}}');
  });

  it('names the control that is never closed', () => {
    assert.equal(parseError('x\n  {{ range .a }}{{ if . }}y{{ end }}').message, 't:2:2: unexpected EOF: {{range}} has no {{end}}');
  });

  it('names a function unknown at parse time and its position', () => {
    const err = parseError('{{ toJSON . }}\n  {{ nope 1 }}', { functions: { toJSON: () => '' } });
    assert.equal(err.message, 't:2:5: function "nope" not defined');
  });

  it('refuses a variable used outside its scope', () => {
    assert.equal(parseError('{{ if 1 }}{{ $x := 2 }}{{ end }}{{ $x }}').message, 't:1:35: undefined variable "$x"');
    assert.equal(parseError('{{ $y = 1 }}').message, 't:1:3: undefined variable "$y"');
  });

  it('refuses break and continue outside a range', () => {
    assert.equal(parseError('{{ break }}').message, 't:1:3: {{break}} outside {{range}}');
    assert.equal(parseError('{{ range . }}{{ define "x" }}{{ end }}{{ end }}').message, 't:1:16: unexpected <define> in command');
  });

  it('refuses a literal as a later stage of a pipeline', () => {
    assert.equal(parseError('{{ .x | "y" }}').message, 't:1:8: non executable command in pipeline stage 2');
  });

  it('refuses an empty action and a stray parenthesis', () => {
    assert.equal(parseError('{{ }}').message, 't:1:3: missing value for command');
    assert.equal(parseError('{{ (1 }}').message, 't:1:0: unclosed left paren');
    assert.equal(parseError('{{ 1) }}').message, "t:1:4: unexpected right paren U+0029 ')'");
  });

  it('counts columns in bytes, as Go does', () => {
    assert.equal(parseError('é€ {{ $nope }}').message, 't:1:9: undefined variable "$nope"');
  });

  it('refuses two non-empty definitions of one template', () => {
    assert.equal(parseError('{{ define "a" }}1{{ end }}{{ define "a" }}2{{ end }}').message, 't:1:26: multiple definition of template "a"');
  });

  it('refuses nesting deeper than a stack allows with a TemplateError', () => {
    const deepIf = '{{ if 1 }}'.repeat(10_000) + '{{ end }}'.repeat(10_000);
    assert.match(parseError(deepIf).message, /nested too deeply/);
    const deepParens = `{{ ${'('.repeat(10_000)}1${')'.repeat(10_000)} }}`;
    assert.match(parseError(deepParens).message, /max expression depth exceeded/);
  });
});
