import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate, TemplateError, type RenderOptions, type TemplateFunctions } from '../../../src/agent/template/index.js';

// Expected strings are what Go's text/template produces for the same template and data.

async function render(text: string, dot?: unknown, functions: TemplateFunctions = {}, options: RenderOptions = {}): Promise<string> {
  return parseTemplate(text, { name: 't' }).render(functions, { dot, ...options });
}

async function renderError(text: string, dot?: unknown, options: RenderOptions = {}): Promise<TemplateError> {
  try {
    await render(text, dot, {}, options);
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected a TemplateError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${JSON.stringify(text)} rendered`);
}

describe('pipelines', () => {
  // Every example of Go's package documentation prints "output", quoted.
  const goDocExamples = [
    '{{"\\"output\\""}}',
    '{{`"output"`}}',
    '{{printf "%q" "output"}}',
    '{{"output" | printf "%q"}}',
    '{{printf "%q" (print "out" "put")}}',
    '{{"put" | printf "%s%s" "out" | printf "%q"}}',
    '{{"output" | printf "%s" | printf "%q"}}',
    '{{with "output"}}{{printf "%q" .}}{{end}}',
    '{{with $x := "output" | printf "%q"}}{{$x}}{{end}}',
    '{{with $x := "output"}}{{printf "%q" $x}}{{end}}',
    '{{with $x := "output"}}{{$x | printf "%q"}}{{end}}',
  ];
  for (const example of goDocExamples) {
    it(`renders Go's documented example ${example}`, async () => {
      assert.equal(await render(example), '"output"');
    });
  }

  it('passes the previous value as the last argument', async () => {
    const functions = { pair: (a: unknown, b: unknown) => `${String(a)}/${String(b)}` };
    assert.equal(await render('{{ "b" | pair "a" }}', undefined, functions), 'a/b');
  });

  it('refuses to give an argument to a non-function', async () => {
    assert.equal((await renderError('{{ "x" | .a }}', { a: 1 })).message, 't:1:9: executing "t" at <.a>: a is not a method but has arguments');
    assert.equal((await renderError('{{ 1 2 }}')).message, 't:1:3: executing "t" at <1>: can\'t give argument to non-function 1');
  });
});

describe('variables', () => {
  it('declares a variable, which the action does not print', async () => {
    assert.equal(await render('{{ $x := "v" }}[{{ $x }}]'), '[v]');
  });

  it('assigns to a variable declared outside a range, which keeps the value', async () => {
    assert.equal(await render('{{ $last := 0 }}{{ range .n }}{{ $last = . }}{{ end }}{{ $last }}', { n: [1, 2, 3] }), '3');
  });

  it('gives $ the data the template started with, inside with and range', async () => {
    assert.equal(await render('{{ with .a }}{{ range .list }}{{ $.top }}{{ . }} {{ end }}{{ end }}', { top: 'T', a: { list: [1, 2] } }), 'T1 T2 ');
  });

  it('declares range index and element variables', async () => {
    assert.equal(await render('{{ range $i, $v := .l }}{{ $i }}:{{ $v }} {{ end }}', { l: ['a', 'b'] }), '0:a 1:b ');
    assert.equal(await render('{{ range $v := .l }}{{ $v }}{{ end }}', { l: ['a', 'b'] }), 'ab');
  });

  it('keeps a variable declared in a control until its end, else branch included', async () => {
    assert.equal(await render('{{ with $x := .missing }}yes{{ else }}[{{ $x }}]{{ end }}', {}), '[<no value>]');
  });
});

describe('fields', () => {
  const dot = { Data: { data: { password: 'hunter2' }, username: 'app' }, LeaseID: 'database/creds/ro/abc' };

  it('follows field chains on dot, variables and parenthesised pipelines', async () => {
    assert.equal(await render('{{ .Data.data.password }}', dot), 'hunter2');
    assert.equal(await render('{{ $s := . }}{{ $s.Data.username }}', dot), 'app');
    assert.equal(await render('{{ (.Data).username }}', dot), 'app');
  });

  it('reads Maps by key as well as plain objects', async () => {
    assert.equal(await render('{{ .m.k }}', { m: new Map([['k', 'v']]) }), 'v');
  });

  it('is case-sensitive, as Go is', async () => {
    assert.equal(await render('{{ .data }}|{{ .leaseID }}', dot), '<no value>|<no value>');
  });

  it('prints <no value> for a missing key by default', async () => {
    assert.equal(await render('{{ .Data.nope }} {{ .nope.deeper }}', dot), '<no value> <no value>');
  });

  it('fails on a missing key with missingKey "error", naming the key', async () => {
    const err = await renderError('ok\n{{ .Data.data.pasword }}', dot, { missingKey: 'error' });
    assert.equal(err.message, 't:2:3: executing "t" at <.Data.data.pasword>: map has no entry for key "pasword"');
  });

  it('never reaches inherited properties such as constructor through a map', async () => {
    assert.equal(await render('{{ .constructor }} {{ .__proto__ }} {{ .toString }}', {}), '<no value> <no value> <no value>');
  });

  it('reads the properties and calls the methods of a class instance, as a struct', async () => {
    class Lease {
      constructor(readonly id: string) {}
      get ttl(): number {
        return 60;
      }
      describe(prefix: string): string {
        return `${prefix}${this.id}`;
      }
    }
    assert.equal(await render('{{ .id }} {{ .ttl }} {{ .describe "lease " }}', new Lease('l1')), 'l1 60 lease l1');
    assert.equal((await renderError('{{ .constructor }}', new Lease('l1'))).message, 't:1:3: executing "t" at <.constructor>: can\'t evaluate field constructor in type Lease');
  });

  it('fails on a field of something that has none', async () => {
    assert.equal((await renderError('{{ .s.x }}', { s: 'str' })).message, 't:1:3: executing "t" at <.s.x>: can\'t evaluate field x in type string');
    assert.equal((await renderError('{{ .n.x }}', { n: null })).message, 't:1:3: executing "t" at <.n.x>: nil pointer evaluating interface {}.x');
  });
});

describe('if, with and range', () => {
  it('chooses among if, else if and else', async () => {
    const text = '{{ if eq .n 1 }}one{{ else if eq .n 2 }}two{{ else }}many{{ end }}';
    assert.deepEqual(await Promise.all([1, 2, 3].map((n) => render(text, { n }))), ['one', 'two', 'many']);
  });

  it('follows Go truth: false, 0, nil, no value and empty strings, arrays and maps are false', async () => {
    const falsy = [false, 0, 0.0, '', [], {}, new Map(), null, undefined];
    const truthy = [true, 1, -1, 0.5, '0', ' ', [0], { a: 0 }, new Map([[1, 1]]), new Date(0)];
    for (const v of falsy) assert.equal(await render('{{ if .v }}T{{ else }}F{{ end }}', { v }), 'F', String(v));
    for (const v of truthy) assert.equal(await render('{{ if .v }}T{{ else }}F{{ end }}', { v }), 'T', String(v));
  });

  it('sets dot in with, and leaves it alone in else', async () => {
    assert.equal(await render('{{ with .a }}{{ . }}{{ else }}{{ .b }}{{ end }}', { a: 'A', b: 'B' }), 'A');
    assert.equal(await render('{{ with .a }}{{ . }}{{ else }}{{ .b }}{{ end }}', { a: '', b: 'B' }), 'B');
  });

  it('chains else with', async () => {
    assert.equal(await render('{{ with .a }}a={{ . }}{{ else with .b }}b={{ . }}{{ else }}none{{ end }}', { b: 2 }), 'b=2');
  });

  it('ranges over a map, a Map and an object in sorted key order', async () => {
    assert.equal(await render('{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}', { b: 2, a: 1, c: 3 }), 'a=1;b=2;c=3;');
    assert.equal(await render('{{ range . }}{{ . }}{{ end }}', new Map([['z', 1], ['y', 2]])), '21');
  });

  it('runs the else branch of a range over nothing', async () => {
    for (const v of [[], {}, null, undefined]) assert.equal(await render('{{ range .v }}x{{ else }}empty{{ end }}', { v }), 'empty');
  });

  it('ranges over an integer, as Go 1.22 does', async () => {
    assert.equal(await render('{{ range 3 }}{{ . }}{{ end }}'), '012');
  });

  it('stops at break and skips at continue', async () => {
    const text = '{{ range . }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}';
    assert.equal(await render(text, [1, 2, 3, 4, 5]), '13');
  });

  it('refuses to range over a string', async () => {
    assert.equal((await renderError('{{ range .s }}{{ end }}', { s: 'abc' })).message, 't:1:9: executing "t" at <.s>: range can\'t iterate over abc');
  });
});

describe('define, template and block', () => {
  it('executes a defined template with the data it is given', async () => {
    assert.equal(await render('{{ define "T1" }}ONE{{ end }}{{ define "T2" }}TWO{{ end }}{{ define "T3" }}{{ template "T1" }} {{ template "T2" }}{{ end }}{{ template "T3" }}'), 'ONE TWO');
    assert.equal(await render('{{ define "user" }}<{{ .name }}>{{ end }}{{ range . }}{{ template "user" . }}{{ end }}', [{ name: 'a' }, { name: 'b' }]), '<a><b>');
  });

  it('gives a template called without data no value as dot', async () => {
    assert.equal(await render('{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" }}', 'ignored'), '[<no value>]');
  });

  it('does not let a defined template see the caller\'s variables', () => {
    assert.throws(() => parseTemplate('{{ $x := 1 }}{{ define "t" }}{{ $x }}{{ end }}'), /undefined variable "\$x"/);
  });

  it('defines and executes a block in place', async () => {
    assert.equal(await render('{{ block "greeting" .name }}Hello, {{ . }}{{ end }}!', { name: 'Ann' }), 'Hello, Ann!');
  });

  it('fails when it executes a template that is not defined', async () => {
    assert.equal(await render('{{ if false }}{{ template "nope" }}{{ end }}ok'), 'ok');
    assert.equal((await renderError('{{ template "nope" }}')).message, 't:1:12: executing "t" at <{{template "nope"}}>: template "nope" not defined');
  });

  it('stops a runaway recursion with a TemplateError', async () => {
    const err = await renderError('{{ define "r" }}{{ template "r" }}{{ end }}{{ template "r" }}');
    assert.match(err.message, /exceeded maximum template depth \(10000\)/);
  });
});

describe('printing', () => {
  it('prints values as Go\'s fmt %v does', async () => {
    const dot = { s: 'text', i: 42, f: 1.25, big: 1e21, b: true, n: null, list: ['a', 1, null], m: { b: [1, 2], a: { c: null } } };
    assert.equal(await render('{{ .s }} {{ .i }} {{ .f }} {{ .big }} {{ .b }} {{ .list }} {{ .m }}', dot), 'text 42 1.25 1e+21 true [a 1 <nil>] map[a:map[c:<nil>] b:[1 2]]');
  });

  it('prints a JSON null read from a map as <no value>, as Go does', async () => {
    assert.equal(await render('{{ .n }}', { n: null }), '<no value>');
  });

  it('prints an Error by its message and a Date as Go prints a time.Time', async () => {
    assert.equal(await render('{{ .e }} | {{ .d }}', { e: new Error('boom'), d: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 600)) }), 'boom | 2024-01-02 03:04:05.6 +0000 UTC');
  });

  it('prints a value that holds itself without overflowing the stack', async () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop['self'] = loop;
    assert.equal(await render('{{ . }}', loop), 'map[a:1 self:<cycle>]');
  });

  it('refuses to print a function', async () => {
    assert.equal((await renderError('{{ .f }}', { f: () => 1 })).message, 't:1:3: executing "t" at <.f>: can\'t print .f of type func(...interface {}) interface {}');
  });
});

describe('rendering', () => {
  it('renders the same template concurrently with different data', async () => {
    const template = parseTemplate('{{ range . }}{{ . }}{{ end }}');
    const results = await Promise.all(['abc', 'xyz'].map((s) => template.render({}, { dot: [...s] })));
    assert.deepEqual(results, ['abc', 'xyz']);
  });

  it('lets the caller override a built-in function', async () => {
    assert.equal(await render('{{ len "abc" }}', undefined, { len: () => 'mine' }), 'mine');
  });
});
