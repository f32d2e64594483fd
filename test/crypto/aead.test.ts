import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AeadOpenError, NONCE_BYTES, TAG_BYTES, open, seal } from '../../src/crypto/aead.js';
import { constantTimeEqual } from '../../src/crypto/constant-time.js';
import { randomBytes, randomId, randomKey } from '../../src/crypto/random.js';
import { zeroize } from '../../src/crypto/zeroize.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('XChaCha20-Poly1305 seal/open', () => {
  const key = randomKey();

  it('opens what it sealed', () => {
    assert.deepEqual(open(key, seal(key, bytes('s3cr3t'), 'aad'), 'aad'), Buffer.from('s3cr3t'));
  });

  it('adds exactly a 24-byte nonce and a 16-byte tag', () => {
    assert.equal(seal(key, bytes('12345'), 'x').byteLength, 5 + NONCE_BYTES + TAG_BYTES);
  });

  it('uses a fresh nonce each time, so equal plaintexts give different ciphertexts', () => {
    const first = seal(key, bytes('same'), 'aad');
    const second = seal(key, bytes('same'), 'aad');
    assert.notDeepEqual(first.subarray(0, NONCE_BYTES), second.subarray(0, NONCE_BYTES));
    assert.notDeepEqual(first, second);
  });

  it('refuses a ciphertext with any single bit flipped', () => {
    const sealed = seal(key, bytes('tamper me'), 'aad');
    for (let i = 0; i < sealed.byteLength; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i]! ^= 0x01;
      assert.throws(() => open(key, tampered, 'aad'), AeadOpenError, `bit flip at byte ${i} was accepted`);
    }
  });

  it('refuses the wrong additional data', () => {
    assert.throws(() => open(key, seal(key, bytes('v'), 'secret/a'), 'secret/b'), AeadOpenError);
  });

  it('refuses a missing additional data when some was bound', () => {
    assert.throws(() => open(key, seal(key, bytes('v'), 'secret/a')), AeadOpenError);
  });

  it('refuses the wrong key', () => {
    assert.throws(() => open(randomKey(), seal(key, bytes('v'), 'a'), 'a'), AeadOpenError);
  });

  it('refuses input shorter than a nonce and a tag', () => {
    assert.throws(() => open(key, new Uint8Array(NONCE_BYTES + TAG_BYTES - 1)), AeadOpenError);
  });

  it('rejects a key that is not 32 bytes', () => {
    assert.throws(() => seal(new Uint8Array(16), bytes('v')), /must be 32 bytes/);
  });

  it('round-trips any bytes under any additional data (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ maxLength: 256 }), (plaintext, aad) => {
        assert.deepEqual(Uint8Array.from(open(key, seal(key, plaintext, aad), aad)), plaintext);
      }),
    );
  });

  it('never opens under different additional data (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.string(), fc.string(), (plaintext, aad, other) => {
        fc.pre(aad !== other);
        assert.throws(() => open(key, seal(key, plaintext, aad), other), AeadOpenError);
      }),
    );
  });
});

describe('random, zeroize, constant-time compare', () => {
  it('gives random bytes of the asked length that differ between calls', () => {
    assert.equal(randomBytes(48).byteLength, 48);
    assert.notDeepEqual(randomBytes(32), randomBytes(32));
  });

  it('renders a 256-bit id as 43 URL-safe characters', () => {
    assert.match(randomId(), /^[A-Za-z0-9_-]{43}$/);
  });

  it('wipes a buffer to zeros', () => {
    const secret = randomBytes(32);
    secret[0] = 1;
    zeroize(secret);
    assert.ok(secret.every((b) => b === 0));
  });

  it('wipes a Uint8Array view inside a larger buffer without touching its neighbours', () => {
    const backing = Buffer.alloc(8, 0xff);
    zeroize(new Uint8Array(backing.buffer, backing.byteOffset + 2, 4));
    assert.deepEqual([...backing], [0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff]);
  });

  it('compares equal and unequal secrets, including different lengths', () => {
    assert.equal(constantTimeEqual('token-a', 'token-a'), true);
    assert.equal(constantTimeEqual('token-a', 'token-b'), false);
    assert.equal(constantTimeEqual('short', 'longer'), false);
  });
});
