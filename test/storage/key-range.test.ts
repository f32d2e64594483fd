import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prefixSuccessor } from '../../src/storage/key-range.js';

describe('prefixSuccessor', () => {
  it('increments the last character', () => {
    assert.equal(prefixSuccessor('app/'), 'app0');
  });

  it('has no bound for the empty prefix', () => {
    assert.equal(prefixSuccessor(''), undefined);
  });

  it('skips the surrogate range, which UTF-8 cannot encode', () => {
    assert.equal(prefixSuccessor('a\uD7FF'), 'a\uE000');
  });

  it('carries past U+10FFFF to the previous character', () => {
    assert.equal(prefixSuccessor('a\u{10FFFF}'), 'b');
    assert.equal(prefixSuccessor('\u{10FFFF}'), undefined);
  });
});
