import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HelpRequested, UsageError } from '../../src/cli/exit-codes.js';
import { keyValuePairs, normaliseGoFlags, parseFlags } from '../../src/cli/flags.js';

const spec = {
  format: { type: 'string', description: 'Output format.' },
  policy: { type: 'string', multiple: true, description: 'A policy.' },
  renewable: { type: 'boolean', description: 'Renewable or not.' },
} as const;

describe('normaliseGoFlags', () => {
  it('turns a single-dash flag with = into a long option', () => {
    assert.deepEqual(normaliseGoFlags(['-format=json'], spec), ['--format=json']);
  });

  it('takes the next argument as the value of a string flag written without =', () => {
    assert.deepEqual(normaliseGoFlags(['-format', 'json', 'secret/a'], spec), ['--format=json', '--', 'secret/a']);
  });

  it('gives a bare boolean flag an explicit true', () => {
    assert.deepEqual(normaliseGoFlags(['-renewable'], spec), ['--renewable=true']);
  });

  it('stops at the first positional argument, as Go flag parsing does', () => {
    assert.deepEqual(normaliseGoFlags(['secret/a', '-format=json', 'k=-v'], spec), ['--', 'secret/a', '-format=json', 'k=-v']);
  });

  it('keeps a lone dash (stdin) as a positional argument', () => {
    assert.deepEqual(normaliseGoFlags(['-', 'x'], spec), ['--', '-', 'x']);
  });

  it('reports a string flag missing its value as a usage error', () => {
    assert.throws(() => normaliseGoFlags(['-format'], spec), UsageError);
  });

  it('signals help for -h and -help', () => {
    assert.throws(() => normaliseGoFlags(['-h'], spec), HelpRequested);
    assert.throws(() => normaliseGoFlags(['-help'], spec), HelpRequested);
  });
});

describe('parseFlags', () => {
  it('collects a repeated flag in order', () => {
    const { flags } = parseFlags(['-policy=a', '-policy', 'b', '--policy=c'], spec);
    assert.deepEqual(flags.policy, ['a', 'b', 'c']);
  });

  it('gives a repeatable flag that was not used an empty list', () => {
    assert.deepEqual(parseFlags([], spec).flags.policy, []);
  });

  it('reads Go boolean spellings', () => {
    assert.equal(parseFlags(['-renewable=false'], spec).flags.renewable, false);
    assert.equal(parseFlags(['-renewable=1'], spec).flags.renewable, true);
    assert.equal(parseFlags([], spec).flags.renewable, undefined);
  });

  it('rejects a boolean flag given a non-boolean value', () => {
    assert.throws(() => parseFlags(['-renewable=maybe'], spec), UsageError);
  });

  it('names an unknown flag the way Go does', () => {
    assert.throws(() => parseFlags(['-nope=1'], spec), { name: 'UsageError', message: 'flag provided but not defined: -nope' });
  });

  it('returns positionals, including dashes after the first one', () => {
    const { flags, positionals } = parseFlags(['-format=yaml', 'secret/x', 'a=1', '-b=2'], spec);
    assert.equal(flags.format, 'yaml');
    assert.deepEqual(positionals, ['secret/x', 'a=1', '-b=2']);
  });
});

describe('keyValuePairs', () => {
  it('splits at the first =', () => {
    assert.deepEqual(keyValuePairs('metadata', ['a=1', 'b=x=y']), { a: '1', b: 'x=y' });
  });

  it('rejects a pair without a key', () => {
    assert.throws(() => keyValuePairs('metadata', ['=1']), UsageError);
  });
});
