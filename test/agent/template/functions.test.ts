import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { parseTemplate, standardFunctions, TemplateError, type StandardFunctionsOptions } from '../../../src/agent/template/index.js';

// consul-template's functions (template/funcs.go). Expected strings are what consul-template renders.

const NOW = new Date(Date.UTC(2024, 2, 5, 7, 8, 9, 123));

async function render(text: string, dot?: unknown, options: StandardFunctionsOptions = {}): Promise<string> {
  return parseTemplate(text, { name: 't' }).render(standardFunctions({ now: () => NOW, ...options }), { dot });
}

async function renderError(text: string, dot?: unknown): Promise<string> {
  try {
    await render(text, dot);
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected a TemplateError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`${JSON.stringify(text)} rendered`);
}

describe('JSON and YAML', () => {
  it('toJSON sorts keys and escapes <, > and & as Go does', async () => {
    const dot = { b: '<x> & y', a: [1, 2.5, null, true], c: { z: 1, y: 'é\n' } };
    assert.equal(await render('{{ toJSON . }}', dot), '{"a":[1,2.5,null,true],"b":"\\u003cx\\u003e \\u0026 y","c":{"y":"é\\n","z":1}}');
  });

  it('toUnescapedJSON leaves <, > and & alone', async () => {
    assert.equal(await render('{{ toUnescapedJSON . }}', { a: '<&>' }), '{"a":"<&>"}');
  });

  it('toJSONPretty indents by two spaces and keeps empty collections short', async () => {
    assert.equal(await render('{{ toJSONPretty . }}', { c: [], a: { b: 1 }, d: {} }), '{\n  "a": {\n    "b": 1\n  },\n  "c": [],\n  "d": {}\n}');
  });

  it('toJSON refuses what JSON cannot hold', async () => {
    assert.equal(await renderError('{{ toJSON .n }}', { n: NaN }), 't:1:3: executing "t" at <toJSON .n>: error calling toJSON: toJSON: json: unsupported value: NaN');
  });

  it('toYAML sorts keys and does not indent sequences, as yaml.v2 writes them', async () => {
    const out = await render('{{ toYAML . }}', { b: ['x', 'z'], a: 'true', c: { d: 1 } });
    assert.equal(out, 'a: "true"\nb:\n- x\n- z\nc:\n  d: 1');
    assert.deepEqual(YAML.parse(out), { a: 'true', b: ['x', 'z'], c: { d: 1 } });
  });

  it('parseJSON turns text into values a template can walk; empty text is an empty map', async () => {
    assert.equal(await render('{{ (parseJSON `{"a": [1, 2], "b": {"c": "d"}}`).b.c }} {{ parseJSON "" }}'), 'd map[]');
  });
});

describe('base64', () => {
  it('encodes and decodes standard and URL-safe base64', async () => {
    assert.equal(await render('{{ "hi" | base64Encode }} {{ "aGk=" | base64Decode }} {{ "??>" | base64URLEncode }} {{ "Pz8-" | base64URLDecode }}'), 'aGk= hi Pz8- ??>');
  });

  it('refuses base64 that Go refuses: no padding, or a stray character', async () => {
    assert.equal(await renderError('{{ base64Decode "aGk" }}'), 't:1:3: executing "t" at <base64Decode "aGk">: error calling base64Decode: base64Decode: illegal base64 data at input byte 0');
    assert.equal(await renderError('{{ base64Decode "aG!=" }}'), 't:1:3: executing "t" at <base64Decode "aG!=">: error calling base64Decode: base64Decode: illegal base64 data at input byte 2');
  });
});

describe('strings', () => {
  it('trims space, a cutset, a prefix and a suffix', async () => {
    assert.equal(await render('[{{ trimSpace "  x \\n" }}][{{ trim "-_" "-_x_-" }}][{{ "v1.2" | trimPrefix "v" }}][{{ "a.txt" | trimSuffix ".txt" }}]'), '[x][x][1.2][a]');
  });

  it('splits and joins, piping the string last', async () => {
    assert.equal(await render('{{ "a,b,,c" | split "," }} {{ split "," "  " }} {{ "a,b" | split "," | join ";" }}'), '[a b  c] [] a;b');
  });

  it('changes case', async () => {
    assert.equal(await render('{{ toLower "AbC" }} {{ toUpper "AbC" }} {{ toTitle "hello wORLD don\'t-stop" }}'), 'abc ABC Hello WORLD Don\'t-Stop');
  });

  it('replaces every occurrence', async () => {
    assert.equal(await render('{{ "banana" | replaceAll "a" "o" }} {{ replaceAll "" "-" "ab" }}'), 'bonono -a-b-');
  });

  it('indents every line', async () => {
    assert.equal(await render('{{ "a\\nb" | indent 2 }}'), '  a\n  b');
  });

  it('tests membership with contains, in and the contains* family', async () => {
    const dot = { tags: ['prod', 'eu'] };
    assert.equal(await render('{{ .tags | contains "prod" }} {{ "foobar" | contains "oba" }} {{ in .tags "us" }}', dot), 'true true false');
    assert.equal(
      await render('{{ containsAny (split "," "us,eu") .tags }} {{ containsAll (split "," "us,eu") .tags }} {{ containsNone (split "," "us") .tags }} {{ containsNotAll (split "," "prod,us") .tags }}', dot),
      'true false true true',
    );
  });
});

describe('regular expressions', () => {
  it('regexMatch reads Go syntax, inline flags included', async () => {
    assert.equal(await render('{{ regexMatch "^v[0-9]+$" "v12" }} {{ regexMatch "(?i)^abc$" "ABC" }} {{ regexMatch "^[[:digit:]]+\\\\z" "12\\n" }}'), 'true true false');
  });

  it('regexReplaceAll expands $1 and ${name} and treats empty matches as Go does', async () => {
    assert.equal(await render('{{ regexReplaceAll "(\\\\w+)@(\\\\w+)" "$2 at $1" "me@host" }}'), 'host at me');
    assert.equal(await render('{{ regexReplaceAll "(?P<user>\\\\w+)@(?P<host>\\\\w+)" "${host}:$user$$" "me@box" }}'), 'box:me$');
    assert.equal(await render('{{ regexReplaceAll "a*" "-" "baaac" }}'), '-b-c-');
  });

  it('names a bad expression', async () => {
    assert.match(await renderError('{{ regexMatch "(" "x" }}'), /error calling regexMatch: error parsing regexp: /);
  });
});

describe('environment and time', () => {
  it('env reads the environment it was given, never process.env', async () => {
    const env = { HOME: '/home/app', EMPTY: '' };
    assert.equal(await render('{{ env "HOME" }}|{{ env "PATH" }}|{{ envOrDefault "EMPTY" "d" }}|{{ envOrDefault "NONE" "d" }}', undefined, { env }), '/home/app|||d');
    assert.ok(process.env['PATH'], 'the test needs a PATH in process.env');
  });

  it('mustEnv fails on a variable that is empty or unset', async () => {
    assert.equal(await renderError('{{ mustEnv "NONE" }}'), 't:1:3: executing "t" at <mustEnv "NONE">: error calling mustEnv: required environment variable NONE is empty');
  });

  it('timestamp formats the current UTC time with Go layouts', async () => {
    assert.equal(await render('{{ timestamp }}|{{ timestamp "unix" }}|{{ timestamp "Jan 2, 2006 15:04:05.000 MST" }}|{{ timestamp "Monday 02/01/06 3:04PM .999" }}'), '2024-03-05T07:08:09Z|1709622489|Mar 5, 2024 07:08:09.123 UTC|Tuesday 05/03/24 7:08AM .123');
  });
});

describe('hashes and parsing', () => {
  it('hashes with sha256Hex and md5sum', async () => {
    assert.equal(await render('{{ sha256Hex "hello" }} {{ md5sum "hello" }}'), '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 5d41402abc4b2a76b9719d911017c592');
  });

  it('parses integers, unsigned integers, floats and booleans', async () => {
    assert.equal(await render('{{ parseInt "-42" }} {{ parseUint "7" }} {{ parseFloat "1.5" }} {{ parseBool "TRUE" }} {{ parseInt "" }} {{ add 1 (parseInt "41") }}'), '-42 7 1.5 true 0 42');
  });

  it('reports a bad number as strconv does', async () => {
    assert.equal(await renderError('{{ parseInt "4x" }}'), 't:1:3: executing "t" at <parseInt "4x">: error calling parseInt: parseInt: strconv.ParseInt: parsing "4x": invalid syntax');
  });
});

describe('arithmetic', () => {
  it('takes the piped value as the left operand', async () => {
    assert.equal(await render('{{ add 1 2 }} {{ 10 | subtract 3 }} {{ multiply 4 2.5 }} {{ 7 | divide 2 }} {{ 10 | modulo 3 }} {{ 7.5 | divide 2 }}'), '3 7 10 3 1 3.75');
  });

  it('picks the smaller and the larger number', async () => {
    assert.equal(await render('{{ minimum 3 5 }} {{ maximum 3 5 }}'), '3 5');
  });

  it('fails on integer division by zero and on strings', async () => {
    assert.equal(await renderError('{{ divide 0 1 }}'), 't:1:3: executing "t" at <divide 0 1>: error calling divide: runtime error: integer divide by zero');
    assert.equal(await renderError('{{ add 1 "2" }}'), 't:1:3: executing "t" at <add 1 "2">: error calling add: add: unknown type for "2" (string)');
  });

  it('loop counts up to, not including, its end', async () => {
    assert.equal(await render('{{ range loop 3 }}{{ . }}{{ end }} {{ range $i := loop 5 8 }}{{ $i }}{{ end }}'), '012 567');
  });
});

describe('argument checks', () => {
  it('reports a wrong number or type of arguments as Go does', async () => {
    assert.equal(await renderError('{{ toJSON }}'), 't:1:3: executing "t" at <toJSON>: wrong number of args for toJSON: want 1 got 0');
    assert.equal(await renderError('{{ toUpper 5 }}'), 't:1:3: executing "t" at <toUpper 5>: wrong type for value; expected string; got int');
  });
});
