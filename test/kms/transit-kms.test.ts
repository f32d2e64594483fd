import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CofferError } from '../../src/framework/errors.js';
import { KmsUnwrapError } from '../../src/kms/kms.js';
import { parseTransitSeal, TransitKms } from '../../src/kms/transit.js';
import { api } from '../harness/http.js';
import { freePort } from '../harness/process.js';
import { startServer, type TestServer } from '../harness/server.js';

// TransitKms against a real Coffer transit engine (a dev server), and against addresses where no
// transit server answers.

describe('TransitKms against a real transit engine', () => {
  let transit: TestServer;
  let kms: TransitKms;
  const key = new Uint8Array(Buffer.from('0123456789abcdef0123456789abcdef'));

  before(async () => {
    transit = await startServer();
    assert.equal((await api(transit.address, 'POST', 'sys/mounts/transit', { token: transit.rootToken, body: { type: 'transit' } })).status, 204);
    assert.equal((await api(transit.address, 'POST', 'transit/keys/kms', { token: transit.rootToken, body: {} })).status, 200);
    kms = new TransitKms(parseTransitSeal({ address: transit.address, token: transit.rootToken, key_name: 'kms' }));
  });
  after(async () => {
    kms?.close();
    await transit?.destroy();
  });

  it('wraps into a vault:v1: ciphertext and unwraps it back with the same aad', async () => {
    const wrapped = await kms.wrap(key, 'core/barrier/root-key');
    assert.match(Buffer.from(wrapped).toString('utf8'), /^vault:v1:/);
    assert.deepEqual(new Uint8Array(await kms.unwrap(wrapped, 'core/barrier/root-key')), key);
    assert.equal(kms.keyId, `transit:${transit.address}/transit/kms:v1`);
  });

  it('refuses to unwrap under another aad (KmsUnwrapError naming the transit KMS)', async () => {
    const wrapped = await kms.wrap(key, 'purpose-a');
    await assert.rejects(kms.unwrap(wrapped, 'purpose-b'), (err: unknown) => {
      assert.ok(err instanceof KmsUnwrapError);
      assert.match(err.message, /transit KMS at .* refused to decrypt: cipher: message authentication failed/);
      return true;
    });
  });

  it('after the transit key rotates: keyId follows, old wraps unwrap, rewrap moves them to v2 under the same aad', async () => {
    const old = await kms.wrap(key, 'kv:secret/app:1');
    await api(transit.address, 'POST', 'transit/keys/kms/rotate', { token: transit.rootToken, body: {} });
    assert.equal(await kms.currentKeyVersion(), '2');
    assert.equal(kms.keyId, `transit:${transit.address}/transit/kms:v2`);
    assert.deepEqual(new Uint8Array(await kms.unwrap(old, 'kv:secret/app:1')), key);
    const moved = await kms.rewrap(old, 'kv:secret/app:1');
    assert.match(Buffer.from(moved).toString('utf8'), /^vault:v2:/);
    assert.deepEqual(new Uint8Array(await kms.unwrap(moved, 'kv:secret/app:1')), key);
    await assert.rejects(kms.rewrap(old, 'another aad'), KmsUnwrapError);
  });

  it('fails with kms_unavailable (502) naming the KMS, for the log, when the token is refused', async () => {
    const denied = new TransitKms(parseTransitSeal({ address: transit.address, token: 'not-a-token', key_name: 'kms' }));
    try {
      await assert.rejects(denied.wrap(key, 'x'), (err: unknown) => {
        assert.ok(err instanceof CofferError);
        assert.equal(err.code, 'kms_unavailable');
        assert.equal(err.status, 502);
        assert.match(err.message, /^transit KMS at .* refused encrypt with key kms \(HTTP 403\): permission denied$/);
        assert.ok(!err.message.includes('not-a-token'), 'the token is never in the message');
        return true;
      });
    } finally {
      denied.close();
    }
  });
});

describe('TransitKms with no transit server answering', () => {
  it('fails with 503 "transit KMS at ... unreachable" when nothing listens', async () => {
    const address = `http://127.0.0.1:${await freePort()}`;
    const kms = new TransitKms(parseTransitSeal({ address, token: 't', key_name: 'k' }));
    await assert.rejects(kms.unwrap(Buffer.from('vault:v1:AAAA'), 'aad'), (err: unknown) => {
      assert.ok(err instanceof CofferError);
      assert.equal(err.status, 503);
      assert.match(err.message, new RegExp(`^transit KMS at ${address} unreachable: .*ECONNREFUSED`));
      return true;
    });
    kms.close();
  });

  it('gives up after its timeout when the server accepts but never answers', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const address = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const kms = new TransitKms(parseTransitSeal({ address, token: 't', key_name: 'k' }), { timeoutMs: 300 });
    try {
      await assert.rejects(kms.wrap(new Uint8Array(32), 'aad'), (err: unknown) => {
        assert.ok(err instanceof CofferError);
        assert.equal(err.status, 503);
        assert.equal(err.message, `transit KMS at ${address} unreachable: no answer within 300 ms`);
        return true;
      });
    } finally {
      kms.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('seal "transit" stanza', () => {
  it('takes the token from VAULT_TOKEN when the stanza has none, and refuses to start without either', () => {
    const config = parseTransitSeal({ address: 'http://127.0.0.1:8200', key_name: 'autounseal' });
    assert.deepEqual(config, { type: 'transit', address: 'http://127.0.0.1:8200', mountPath: 'transit/', keyName: 'autounseal' });
    new TransitKms(config, { env: { VAULT_TOKEN: 'from-env' } }).close();
    assert.throws(() => new TransitKms(config, { env: {} }), /seal "transit" needs a token: set "token" in the seal stanza or VAULT_TOKEN/);
  });

  it('refuses a missing address or key_name, a bad URL and unknown options', () => {
    assert.throws(() => parseTransitSeal({ key_name: 'k' }), /needs "address"/);
    assert.throws(() => parseTransitSeal({ address: 'http://127.0.0.1:1' }), /needs "key_name"/);
    assert.throws(() => parseTransitSeal({ address: 'ftp://x', key_name: 'k' }), /must use http or https/);
    assert.throws(() => parseTransitSeal({ address: 'http://127.0.0.1:1', key_name: 'k', colour: 'blue' }), /unknown option "colour"/);
  });

  it('normalises mount_path to one trailing slash', () => {
    assert.equal(parseTransitSeal({ address: 'http://h:1/', key_name: 'k', mount_path: '/seal-transit' }).mountPath, 'seal-transit/');
  });
});
