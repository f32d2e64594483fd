import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseTemplate, TemplateError } from '../../../src/agent/template/index.js';

// Pieces of template syntax, so random input reaches deep into the lexer and parser, not only
// its first error.
const FRAGMENTS = [
  '{{', '}}', '{{- ', ' -}}', '{{/*', '*/}}', ' ', '\n', '\t', '"', '`', "'", '\\', '$', '$x', '.', '.Data', '(', ')', '|', ':=', '=', ',',
  'if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil', 'true', 'false',
  '1', '-1', '0x1F', '1.5e3', "'a'", '"s"', '`raw`', 'printf', 'len', 'index', 'eq', 'and', 'or', 'not', 'print', 'slice',
  '%d', '%v', 'é', '€', '\u{1F600}', '-', '+', '*', '[[', ']]', '#', '}', '{',
];

const templateLike = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((parts) => parts.join(''));

// Whole actions made of plausible words, so that many random templates parse and get executed.
const WORDS = [
  '.', '.Data', '.Data.a', '.Data.m.k', '$', '$x', '1', '0', '-1', '2.5', '"s"', '`r`', "'a'", 'nil', 'true', 'false', '"%d"', '"%v %s"',
  'printf', 'print', 'println', 'len', 'index', 'slice', 'eq', 'ne', 'lt', 'and', 'or', 'not', 'html', 'js', 'urlquery', 'call',
  '|', '(', ')', ':=', '=', ',', '$x :=', '$i, $v :=', '$x =',
];
const KEYWORDS = ['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'else if', 'else with', 'define "d"', 'template "d"', 'block "b"'];
const action = fc
  .tuple(fc.boolean(), fc.option(fc.constantFrom(...KEYWORDS)), fc.array(fc.constantFrom(...WORDS), { maxLength: 6 }), fc.boolean())
  .map(([trimLeft, keyword, words, trimRight]) => `{{${trimLeft ? '- ' : ' '}${keyword ?? ''} ${words.join(' ')}${trimRight ? ' -' : ' '}}}`);
const actions = fc.array(fc.oneof(fc.constantFrom('x', ' ', '\n'), action), { maxLength: 12 }).map((parts) => parts.join(''));
const anyText = fc.string({ unit: 'binary', maxLength: 200 });

function parseOrTemplateError(text: string, options = {}): ReturnType<typeof parseTemplate> | undefined {
  try {
    return parseTemplate(text, options);
  } catch (err) {
    if (err instanceof TemplateError) return undefined;
    throw err;
  }
}

describe('template properties', () => {
  it('renders text without delimiters unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(anyText.filter((s) => !s.includes('{{')), async (text) => {
        assert.equal(await parseTemplate(text).render({}), text);
      }),
      { numRuns: 300 },
    );
  });

  it('renders text without custom delimiters unchanged, {{ included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText, templateLike).filter((s) => !s.includes('[[')), async (text) => {
        assert.equal(await parseTemplate(text, { leftDelimiter: '[[', rightDelimiter: ']]' }).render({}), text);
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a TemplateError when parsing any input', () => {
    fc.assert(
      fc.property(fc.oneof(templateLike, actions, anyText), (text) => {
        parseOrTemplateError(text);
        parseOrTemplateError(text, { leftDelimiter: '[[', rightDelimiter: ']]' });
      }),
      { numRuns: 3000 },
    );
  });

  it('fails a render of any parsed input with nothing but a TemplateError', async () => {
    // Without template calls, which can recurse without end, and without ranges deep or long
    // enough to run for minutes; everything else finishes quickly.
    const bounded = fc
      .oneof(templateLike, actions)
      .filter((s) => !s.includes('template') && !s.includes('block') && !/1\.5e3|0x1F/.test(s) && s.split('range').length <= 3);
    await fc.assert(
      fc.asyncProperty(bounded, async (text) => {
        const template = parseOrTemplateError(text);
        if (!template) return;
        try {
          await template.render({}, { dot: { Data: { a: [1, 'x', null], m: new Map([['k', 'v']]) } } });
        } catch (err) {
          if (!(err instanceof TemplateError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
