import assert from 'node:assert/strict';
import { constants, createHash, createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { b64, openssl, Scratch, signatureBytes, TransitServer } from './transit-fixture.js';

// transit/sign and transit/verify against a real dev server. Every kind of signature is checked by
// someone else's code: the openssl CLI and Node's crypto.verify, with the public key that
// export/public-key answers.

type Signed = { signature: string; key_version: number; public_key?: string };
type Exported = { name: string; type: string; keys: Record<string, string> };

describe('transit sign and verify', () => {
  let t: TransitServer;
  let scratch: Scratch;

  before(async () => {
    t = await TransitServer.start();
    scratch = await Scratch.create();
  });
  after(async () => {
    await t?.destroy();
    await scratch?.remove();
  });

  const publicKeyPem = async (name: string, version = 'latest') => {
    const exported = await t.ok<Exported>('GET', `export/public-key/${name}/${version}`);
    return Object.values(exported.keys)[0]!;
  };

  /** openssl dgst -verify over `data` with `pem` and the raw signature bytes; extra options before -verify. */
  const opensslVerifies = async (pem: string, data: Buffer, signature: Buffer, options: string[]) => {
    const files = [await scratch.file('pub.pem', pem), await scratch.file('data.bin', data), await scratch.file('sig.bin', signature)];
    const run = await openssl(['dgst', ...options, '-verify', files[0]!, '-signature', files[2]!, files[1]!]);
    return run.code === 0 && /Verified OK/.test(run.out);
  };

  it('signs with ed25519; openssl pkeyutl and crypto.verify accept the signature with the exported public key', async () => {
    await t.ok('POST', 'keys/ed', { type: 'ed25519' });
    const data = Buffer.from('release 1.4.2 artifact digest');
    const { signature, key_version } = await t.ok<Signed>('POST', 'sign/ed', { input: b64(data) });
    assert.match(signature, /^vault:v1:[A-Za-z0-9+/]+=*$/);
    assert.equal(key_version, 1);
    const raw = signatureBytes(signature);
    assert.equal(raw.length, 64);

    const exported = await t.ok<Exported>('GET', 'export/public-key/ed');
    const publicB64 = exported.keys['1']!;
    const read = await t.readKey<{ keys: Record<string, { public_key: string; name: string }> }>('ed');
    assert.equal(read.keys['1']!.public_key, publicB64, 'keys/:name shows the same public key');
    assert.equal(read.keys['1']!.name, 'ed25519');
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicB64, 'base64').toString('base64url') }, format: 'jwk' });
    assert.equal(verify(null, data, publicKey, raw), true);

    const files = [await scratch.file('ed.pem', publicKey.export({ type: 'spki', format: 'pem' })), await scratch.file('ed.bin', data), await scratch.file('ed.sig', raw)];
    const run = await openssl(['pkeyutl', '-verify', '-pubin', '-inkey', files[0]!, '-rawin', '-in', files[1]!, '-sigfile', files[2]!]);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /Signature Verified Successfully/);

    assert.deepEqual(await t.ok('POST', 'verify/ed', { input: b64(data), signature }), { valid: true });
    assert.deepEqual(await t.ok('POST', 'verify/ed', { input: b64('release 1.4.3'), signature }), { valid: false });
  });

  for (const [type, hash, digest] of [
    ['ecdsa-p256', 'sha2-256', '-sha256'],
    ['ecdsa-p384', 'sha2-384', '-sha384'],
    ['ecdsa-p521', 'sha2-512', '-sha512'],
  ] as const) {
    it(`signs with ${type} over ${hash} (URL segment) as DER that openssl dgst ${digest} verifies`, async () => {
      const name = `ec-${type}`;
      await t.ok('POST', `keys/${name}`, { type });
      const data = Buffer.from(`payload for ${type}`);
      const { signature } = await t.ok<Signed>('POST', `sign/${name}/${hash}`, { input: b64(data) });
      const pem = await publicKeyPem(name);
      assert.match(pem, /^-----BEGIN PUBLIC KEY-----/);
      assert.equal(await opensslVerifies(pem, data, signatureBytes(signature), [digest]), true);
      assert.equal(await opensslVerifies(pem, Buffer.from('other payload'), signatureBytes(signature), [digest]), false);
      assert.deepEqual(await t.ok('POST', `verify/${name}/${hash}`, { input: b64(data), signature }), { valid: true });
      // The same signature checked under another hash is not valid.
      assert.deepEqual(await t.ok('POST', `verify/${name}`, { input: b64(data), signature, hash_algorithm: 'sha2-224' }), { valid: false });
    });
  }

  it('marshals ECDSA as JWS: raw r ‖ s in unpadded base64url, which crypto.verify takes as ieee-p1363', async () => {
    for (const [type, size] of [['ecdsa-p256', 64], ['ecdsa-p521', 132]] as const) {
      const name = `jws-${type}`;
      await t.ok('POST', `keys/${name}`, { type });
      const data = Buffer.from('{"alg":"ES256"}.{"sub":"coffer"}');
      const { signature } = await t.ok<Signed>('POST', `sign/${name}`, { input: b64(data), marshaling_algorithm: 'jws', hash_algorithm: type === 'ecdsa-p256' ? 'sha2-256' : 'sha2-512' });
      assert.match(signature, /^vault:v1:[A-Za-z0-9_-]+$/, 'base64url without padding');
      const raw = signatureBytes(signature, 'base64url');
      assert.equal(raw.length, size);
      const key = createPublicKey(await publicKeyPem(name));
      assert.equal(verify(type === 'ecdsa-p256' ? 'sha256' : 'sha512', data, { key, dsaEncoding: 'ieee-p1363' }, raw), true);
      const hash = type === 'ecdsa-p256' ? 'sha2-256' : 'sha2-512';
      assert.deepEqual(await t.ok('POST', `verify/${name}`, { input: b64(data), signature, marshaling_algorithm: 'jws', hash_algorithm: hash }), { valid: true });
    }
  });

  it('signs with RSA-PSS by default (largest salt) and with PKCS #1 v1.5; openssl verifies both', async () => {
    await t.ok('POST', 'keys/rsa', { type: 'rsa-2048' });
    const data = Buffer.from('invoice #4411, total 129.00');
    const pem = await publicKeyPem('rsa');
    const pss = await t.ok<Signed>('POST', 'sign/rsa', { input: b64(data) });
    assert.equal(await opensslVerifies(pem, data, signatureBytes(pss.signature), ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:auto']), true);
    assert.equal(
      verify('sha256', data, { key: createPublicKey(pem), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 2048 / 8 - 2 - 32 }, signatureBytes(pss.signature)),
      true,
      'the salt is as long as it can be (Go\'s PSSSaltLengthAuto when signing)',
    );
    const pkcs = await t.ok<Signed>('POST', 'sign/rsa/sha2-512', { input: b64(data), signature_algorithm: 'pkcs1v15' });
    assert.equal(await opensslVerifies(pem, data, signatureBytes(pkcs.signature), ['-sha512']), true);
    assert.deepEqual(await t.ok('POST', 'verify/rsa/sha2-512', { input: b64(data), signature: pkcs.signature, signature_algorithm: 'pkcs1v15' }), { valid: true });
    assert.deepEqual(await t.ok('POST', 'verify/rsa', { input: b64(data), signature: pss.signature }), { valid: true });
    assert.deepEqual(await t.ok('POST', 'verify/rsa', { input: b64(data), signature: pss.signature, signature_algorithm: 'pkcs1v15' }), { valid: false });
    const hashSalt = await t.ok<Signed>('POST', 'sign/rsa', { input: b64(data), salt_length: 'hash' });
    assert.equal(await opensslVerifies(pem, data, signatureBytes(hashSalt.signature), ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']), true);
  });

  it('signs with rsa-3072 over SHA3-256 and rsa-4096 over SHA-1, and crypto.verify agrees', async () => {
    await t.ok('POST', 'keys/rsa3k', { type: 'rsa-3072' });
    await t.ok('POST', 'keys/rsa4k', { type: 'rsa-4096' });
    const data = Buffer.from('long-lived firmware image');
    const sha3 = await t.ok<Signed>('POST', 'sign/rsa3k/sha3-256', { input: b64(data), signature_algorithm: 'pkcs1v15' });
    assert.equal(signatureBytes(sha3.signature).length, 384);
    assert.equal(verify('sha3-256', data, { key: createPublicKey(await publicKeyPem('rsa3k')), padding: constants.RSA_PKCS1_PADDING }, signatureBytes(sha3.signature)), true);
    const sha1 = await t.ok<Signed>('POST', 'sign/rsa4k/sha1', { input: b64(data), signature_algorithm: 'pkcs1v15' });
    assert.equal(signatureBytes(sha1.signature).length, 512);
    assert.equal(verify('sha1', data, { key: createPublicKey(await publicKeyPem('rsa4k')), padding: constants.RSA_PKCS1_PADDING }, signatureBytes(sha1.signature)), true);
  });

  it('signs a prehashed SHA-256 digest with RSA PKCS #1 v1.5: the same signature openssl verifies over the data itself', async () => {
    const data = Buffer.from('a large file, hashed by the client');
    const digest = createHash('sha256').update(data).digest();
    const { signature } = await t.ok<Signed>('POST', 'sign/rsa', { input: b64(digest), prehashed: true, signature_algorithm: 'pkcs1v15', hash_algorithm: 'sha2-256' });
    assert.equal(await opensslVerifies(await publicKeyPem('rsa'), data, signatureBytes(signature), ['-sha256']), true);
    assert.deepEqual(await t.ok('POST', 'verify/rsa', { input: b64(digest), prehashed: true, signature_algorithm: 'pkcs1v15', signature }), { valid: true });
    assertErrorAnswer(await t.call('POST', 'sign/rsa', { input: b64(data), prehashed: true, signature_algorithm: 'pkcs1v15' }), 400, /prehashed input must be a sha2-256 digest of 32 bytes/);
  });

  it('refuses prehashed ECDSA and RSA-PSS input with a 400 that says why (Node cannot sign a digest there)', async () => {
    const digest = b64(createHash('sha256').update('x').digest());
    assertErrorAnswer(await t.call('POST', 'sign/ec-ecdsa-p256', { input: digest, prehashed: true }), 400, /prehashed input is not supported for ECDSA/);
    assertErrorAnswer(await t.call('POST', 'sign/rsa', { input: digest, prehashed: true }), 400, /prehashed input is not supported for RSA-PSS/);
  });

  it('signs with an older version on request, honours min_encryption_version, and refuses signatures below min_decryption_version', async () => {
    await t.ok('POST', 'keys/versioned', { type: 'ecdsa-p256' });
    const data = b64('rotating signer');
    const v1 = await t.ok<Signed>('POST', 'sign/versioned', { input: data });
    await t.ok('POST', 'keys/versioned/rotate');
    const v2 = await t.ok<Signed>('POST', 'sign/versioned', { input: data });
    assert.match(v2.signature, /^vault:v2:/);
    assert.equal(v2.key_version, 2);
    const pinned = await t.ok<Signed>('POST', 'sign/versioned', { input: data, key_version: 1 });
    assert.match(pinned.signature, /^vault:v1:/);
    assert.equal(await opensslVerifies(await publicKeyPem('versioned', '1'), Buffer.from('rotating signer'), signatureBytes(pinned.signature), ['-sha256']), true);
    assert.equal(await opensslVerifies(await publicKeyPem('versioned', '2'), Buffer.from('rotating signer'), signatureBytes(pinned.signature), ['-sha256']), false);

    await t.ok('POST', 'keys/versioned/config', { min_encryption_version: 2 });
    assertErrorAnswer(await t.call('POST', 'sign/versioned', { input: data, key_version: 1 }), 400, 'requested version for signing is less than the minimum encryption key version');
    assertErrorAnswer(await t.call('POST', 'sign/versioned', { input: data, key_version: 3 }), 400, 'requested version for signing is higher than the latest key version');
    assert.deepEqual(await t.ok('POST', 'verify/versioned', { input: data, signature: v1.signature }), { valid: true });
    await t.ok('POST', 'keys/versioned/config', { min_decryption_version: 2 });
    assertErrorAnswer(await t.call('POST', 'verify/versioned', { input: data, signature: v1.signature }), 400, 'ciphertext or signature version is disallowed by policy (too old)');
    assert.deepEqual(await t.ok('POST', 'verify/versioned', { input: data, signature: v2.signature }), { valid: true });
  });

  it('signs and verifies batch_input in order, with references, and a bad item failing alone', async () => {
    const signed = await t.ok<{ batch_results: Array<Signed & { reference: string; error?: string }> }>('POST', 'sign/ed', {
      batch_input: [{ input: b64('one'), reference: 'a' }, { input: '%%%', reference: 'b' }, { input: b64('three'), reference: 'c' }],
    });
    const results = signed.batch_results;
    assert.deepEqual(results.map((r) => r.reference), ['a', 'b', 'c']);
    assert.equal(results[1]!.error, 'unable to decode input as base64');
    const verified = await t.ok<{ batch_results: Array<{ valid: boolean; reference: string }> }>('POST', 'verify/ed', {
      batch_input: [
        { input: b64('one'), signature: results[0]!.signature, reference: 'x' },
        { input: b64('tampered'), signature: results[2]!.signature, reference: 'y' },
        { input: b64('three'), signature: results[2]!.signature, reference: 'z' },
      ],
    });
    assert.deepEqual(verified.batch_results.map((r) => [r.reference, r.valid]), [['x', true], ['y', false], ['z', true]]);
  });

  it('derives an ed25519 key per context: same context, same public key; another context does not verify', async () => {
    await t.ok('POST', 'keys/tenant-signer', { type: 'ed25519', derived: true });
    const data = Buffer.from('tenant statement');
    const a1 = await t.ok<Signed>('POST', 'sign/tenant-signer', { input: b64(data), context: b64('tenant-a') });
    const a2 = await t.ok<Signed>('POST', 'sign/tenant-signer', { input: b64(data), context: b64('tenant-a') });
    const b = await t.ok<Signed>('POST', 'sign/tenant-signer', { input: b64(data), context: b64('tenant-b') });
    assert.ok(a1.public_key && b.public_key);
    assert.equal(a1.public_key, a2.public_key);
    assert.notEqual(a1.public_key, b.public_key);
    const read = await t.ok<{ keys: Record<string, { public_key: string }> }>('GET', `keys/tenant-signer?context=${encodeURIComponent(b64('tenant-a'))}`);
    assert.equal(read.keys['1']!.public_key, a1.public_key);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(a1.public_key!, 'base64').toString('base64url') }, format: 'jwk' });
    assert.equal(verify(null, data, key, signatureBytes(a1.signature)), true);
    assert.deepEqual(await t.ok('POST', 'verify/tenant-signer', { input: b64(data), signature: a1.signature, context: b64('tenant-a') }), { valid: true });
    assert.deepEqual(await t.ok('POST', 'verify/tenant-signer', { input: b64(data), signature: a1.signature, context: b64('tenant-b') }), { valid: false });
    assertErrorAnswer(await t.call('POST', 'sign/tenant-signer', { input: b64(data) }), 400, /missing 'context' for key derivation/);
  });

  it('answers 400 in Vault\'s words for bad input, and the key is unchanged afterwards', async () => {
    await t.ok('POST', 'keys/aes-only', {});
    const before = await t.readKey('ed');
    const input = b64('x');
    const { signature } = await t.ok<Signed>('POST', 'sign/ed', { input });
    assertErrorAnswer(await t.call('POST', 'sign/aes-only', { input }), 400, 'key type aes256-gcm96 does not support signing');
    assertErrorAnswer(await t.call('POST', 'verify/aes-only', { input, signature }), 400, 'key type aes256-gcm96 does not support verification');
    assertErrorAnswer(await t.call('POST', 'sign/nobody', { input }), 400, 'encryption key not found');
    assertErrorAnswer(await t.call('POST', 'sign/rsa', { input, hash_algorithm: 'md5' }), 400, 'invalid hash algorithm "md5"');
    assertErrorAnswer(await t.call('POST', 'sign/rsa', { input, marshaling_algorithm: 'pem' }), 400, 'invalid marshaling type "pem"');
    assertErrorAnswer(await t.call('POST', 'sign/rsa', { input, signature_algorithm: 'raw' }), 400, 'unsupported rsa signature algorithm raw');
    assertErrorAnswer(await t.call('POST', 'sign/rsa', { input, salt_length: 'lots' }), 400, /invalid salt_length/);
    assertErrorAnswer(await t.call('POST', 'sign/rsa', { input, salt_length: '4000' }), 400, 'requested salt length 4000 is invalid');
    assertErrorAnswer(await t.call('POST', 'sign/ed', { input: 'not base64!' }), 400, 'unable to decode input as base64');
    assertErrorAnswer(await t.call('POST', 'sign/ed', { input, key_version: -1 }), 400, 'requested version for signing is negative');
    assertErrorAnswer(await t.call('POST', 'verify/ed', { input }), 400, "neither a 'signature' nor an 'hmac' were given to verify");
    assertErrorAnswer(await t.call('POST', 'verify/ed', { input, signature, hmac: 'vault:v1:AAAA' }), 400, "provide one of 'signature' or 'hmac'");
    assertErrorAnswer(await t.call('POST', 'verify/ed', { input, signature: 'v1:abc' }), 400, 'invalid signature: no prefix');
    assertErrorAnswer(await t.call('POST', 'verify/ed', { input, signature: 'vault:vX:abc' }), 400, 'invalid signature: version number could not be decoded');
    assertErrorAnswer(await t.call('POST', 'verify/ed', { input, signature: 'vault:v9:' + signature.slice(9) }), 400, 'invalid signature: version is too new');
    assertErrorAnswer(await t.call('POST', 'verify/ed', { input, signature: 'vault:v1:***' }), 400, 'invalid base64 signature value');
    assertErrorAnswer(
      await t.call('POST', 'verify/ed', { batch_input: [{ input, signature }, { input, hmac: 'vault:v1:AAAA' }] }),
      400,
      "elements of batch_input must all provide 'signature' or all provide 'hmac'",
    );
    assert.deepEqual(await t.readKey('ed'), before);
  });
});
