import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate, TemplateError, type TemplateFunctions } from '../../../src/agent/template/index.js';

// Go's own template functions (text/template/funcs.go). Expected strings are Go's output.

async function render(text: string, dot?: unknown, functions: TemplateFunctions = {}): Promise<string> {
  return parseTemplate(text, { name: 't' }).render(functions, { dot });
}

async function renderError(text: string, dot?: unknown, functions: TemplateFunctions = {}): Promise<string> {
  try {
    await render(text, dot, functions);
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected a TemplateError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`${JSON.stringify(text)} rendered`);
}

describe('and, or, not', () => {
  it('return the value that decides', async () => {
    assert.equal(await render('{{ and 1 "x" }}|{{ and 1 0 2 }}|{{ or 0 "" "y" }}|{{ or 0 "" }}'), 'x|0|y|');
  });

  it('stop evaluating at the deciding argument', async () => {
    const calls: string[] = [];
    const functions = {
      boom: () => {
        calls.push('boom');
        throw new Error('should not run');
      },
    };
    assert.equal(await render('{{ and 0 (boom) }} {{ or 1 (boom) }}', undefined, functions), '0 1');
    assert.deepEqual(calls, []);
  });

  it('not negates Go truth', async () => {
    assert.equal(await render('{{ not "" }} {{ not 1 }} {{ not .missing }}', {}), 'true false true');
  });
});

describe('len, index, slice', () => {
  it('len counts bytes of a string, elements of arrays and keys of maps', async () => {
    assert.equal(await render('{{ len "héllo" }} {{ len .l }} {{ len .m }}', { l: [1, 2, 3], m: { a: 1 } }), '6 3 1');
    assert.equal(await renderError('{{ len 5 }}'), 't:1:3: executing "t" at <len 5>: error calling len: len of type int');
  });

  it('index reaches through several levels', async () => {
    const dot = { m: { a: [10, 20, { deep: 'x' }] } };
    assert.equal(await render('{{ index .m "a" 1 }} {{ index .m "a" 2 "deep" }} {{ index .m "zz" }}', dot), '20 x <no value>');
    assert.equal(await renderError('{{ index .m "a" 5 }}', dot), 't:1:3: executing "t" at <index .m "a" 5>: error calling index: index out of range: 5');
  });

  it('slice cuts strings and arrays', async () => {
    assert.equal(await render('{{ slice "hello" 1 3 }} {{ slice .l 1 }} {{ slice .l }}', { l: [1, 2, 3] }), 'el [2 3] [1 2 3]');
    assert.equal(await renderError('{{ slice "abc" 2 1 }}'), 't:1:3: executing "t" at <slice "abc" 2 1>: error calling slice: invalid slice index: 2 > 1');
  });
});

describe('print, println, printf', () => {
  it('print puts spaces only between operands that are not strings', async () => {
    assert.equal(await render('{{ print 1 2 "a" "b" 3 }}'), '1 2ab3');
  });

  it('println puts spaces between all operands and ends the line', async () => {
    assert.equal(await render('{{ println "a" 1 "b" }}'), 'a 1 b\n');
  });

  it('printf formats strings, integers and characters with widths and flags', async () => {
    assert.equal(
      await render('{{ printf "%-5s|%5s|%05d|%+d|%x|%X|%#x|%o|%b|%c|%U|%q|%.2s" "ab" "cd" 42 5 255 255 255 8 5 65 65 "a\\"b\\n" "héllo" }}'),
      'ab   |   cd|00042|+5|ff|FF|0xff|10|101|A|U+0041|"a\\"b\\n"|hé',
    );
  });

  it('printf formats floats as Go does, rounding half to even', async () => {
    assert.equal(await render('{{ printf "%.2f|%6.2f|%08.3f|%e|%g|%v|%f" 3.14159 -3.14159 3.14159 1234.5678 0.00001234 2.5 1.5 }}'), '3.14| -3.14|0003.142|1.234568e+03|1.234e-05|2.5|1.500000');
    assert.equal(await render('{{ printf "%.0f %.0f %.1f %.2f" 0.5 1.5 0.25 1.005 }}'), '0 2 0.2 1.00');
  });

  it('printf prints maps, arrays, booleans and %% ', async () => {
    assert.equal(await render('{{ printf "%v %d %t %%" .m .l true }}', { m: { b: 2, a: 1 }, l: [1, 2] }), 'map[a:1 b:2] [1 2] true %');
  });

  it('printf takes argument indexes and * widths', async () => {
    assert.equal(await render('{{ printf "%[2]s %[1]s" "a" "b" }}|{{ printf "%*d|%-*d|" 4 7 3 8 }}'), 'b a|   7|8  |');
  });

  it('printf complains inline, as Go does, about wrong, missing and extra arguments', async () => {
    assert.equal(await render('{{ printf "%d|%s|%d" "x" nil }}'), '%!d(string=x)|%!s(<nil>)|%!d(MISSING)');
    assert.equal(await render('{{ printf "%s" "a" 1 "b" }}'), 'a%!(EXTRA int=1, string=b)');
    assert.equal(await render('{{ printf "%z" 1 }}'), '%!z(int=1)');
  });

  it('printf hex-encodes strings', async () => {
    assert.equal(await render('{{ printf "%x % X" "hi" "hi" }}'), '6869 68 69');
  });
});

describe('comparisons', () => {
  it('eq compares the first argument with each of the others', async () => {
    assert.equal(await render('{{ eq 1 2 3 1 }} {{ eq "a" "b" "c" }} {{ eq true true }} {{ eq .missing nil }}', {}), 'true false true true');
  });

  it('ne, lt, le, gt and ge compare numbers and strings', async () => {
    assert.equal(await render('{{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2 }}'), 'true true true true false');
  });

  it('refuses to compare values of different kinds', async () => {
    assert.equal(await renderError('{{ lt 1 "a" }}'), 't:1:3: executing "t" at <lt 1 "a">: error calling lt: incompatible types for comparison: int and string');
    assert.equal(await renderError('{{ eq .l .l }}', { l: [1] }), 't:1:3: executing "t" at <eq .l .l>: error calling eq: non-comparable type [1]: []interface {}');
  });

  it('compares a nil with anything as unequal', async () => {
    assert.equal(await render('{{ eq "a" nil }} {{ ne .n 1 }}', { n: null }), 'false true');
  });
});

describe('html, js, urlquery', () => {
  it('html escapes the five special characters', async () => {
    assert.equal(await render('{{ html "<a href=\\"x\\">\'&\'</a>" }}'), '&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('js escapes quotes, backslashes, angle brackets, & and =', async () => {
    assert.equal(await render('{{ js "it\'s \\"q\\" <b> & = \\\\ \\t" }}'), 'it\\\'s \\"q\\" \\u003Cb\\u003E \\u0026 \\u003D \\\\ \\u0009');
  });

  it('urlquery escapes for a query string', async () => {
    assert.equal(await render('{{ urlquery "a b&c=d/é~" }}'), 'a+b%26c%3Dd%2F%C3%A9~');
  });

  it('prints a missing value as <no value> when escaping it', async () => {
    assert.equal(await render('{{ html .missing }}', {}), '&lt;no value&gt;');
  });
});

describe('call', () => {
  it('calls a function value, awaiting it', async () => {
    const dot = { add: (a: number, b: number) => a + b, later: async (s: string) => `later ${s}` };
    assert.equal(await render('{{ call .add 1 2 }} {{ call .later "x" }}', dot), '3 later x');
  });

  it('refuses to call what is not a function', async () => {
    assert.equal(await renderError('{{ call .n }}', { n: 5 }), 't:1:3: executing "t" at <call .n>: error calling call: non-function of type int');
  });
});

describe('argument counts', () => {
  it('reports a wrong number of arguments as Go does', async () => {
    assert.equal(await renderError('{{ not 1 2 }}'), 't:1:3: executing "t" at <not 1 2>: wrong number of args for not: want 1 got 2');
    assert.equal(await renderError('{{ and }}'), 't:1:3: executing "t" at <and>: wrong number of args for and: want at least 1 got 0');
  });
});
