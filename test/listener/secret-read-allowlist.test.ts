import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isSecretRead, secretReadAllowed } from '../../src/core/secret-reads.js';
import { cubbyholeBackend } from '../../src/engines/cubbyhole/index.js';
import { kvV1Backend } from '../../src/engines/kv/v1.js';
import { transitBackend } from '../../src/engines/transit/index.js';
import { matchPath } from '../../src/framework/match.js';
import type { Backend } from '../../src/framework/types.js';
import { auditedAddresses, call, enableFileAudit, expectStatus, SECRET_READ_REFUSED as REFUSED, startFromHcl, type ListenerServer } from './fixture.js';

// Coffer's listener allowlist for secret reads (secret_read_allowed_cidrs): reads of kv and
// cubbyhole, transit decrypt and sys/wrapping/unwrap answer 403 unless the client address is in the list; an empty
// list denies them all; writes and other paths are never affected.

const ALLOWED = '["127.0.0.1/32", "::1/128"]';
const LISTENERS = `
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  secret_read_allowed_cidrs = ${ALLOWED}
}
listener "tcp" {
  address = "[::1]:0"
  tls_disable = true
  secret_read_allowed_cidrs = ${ALLOWED}
}
listener "tcp" {
  address = "[::1]:0"
  tls_disable = true
  secret_read_allowed_cidrs = ["127.0.0.0/8"]
}
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  secret_read_allowed_cidrs = []
}
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  x_forwarded_for_authorized_addrs = "127.0.0.1"
  x_forwarded_for_reject_not_present = false
  secret_read_allowed_cidrs = "10.0.0.0/8"
}
`;

describe('listener allowlist for secret reads (secret_read_allowed_cidrs)', () => {
  let server: ListenerServer;
  let root: string;
  /** 127.0.0.1 listener allowing 127.0.0.1/32 and ::1/128. */
  let v4: string;
  /** [::1] listener with the same list. */
  let v6: string;
  /** [::1] listener allowing only 127.0.0.0/8. */
  let v6Outside: string;
  /** An empty list. */
  let empty: string;
  /** No allowlist at all. */
  let open: string;
  /** Behind a trusted proxy at 127.0.0.1, allowing 10.0.0.0/8. */
  let proxied: string;
  const get = (address: string, path: string, from: string, headers: Record<string, string> = {}) => call(address, 'GET', path, { token: root, from, headers });

  before(async () => {
    server = await startFromHcl(LISTENERS);
    root = server.rootToken;
    [v4, v6, v6Outside, empty, open, proxied] = server.addresses as [string, string, string, string, string, string];
    expectStatus(await call(open, 'PUT', 'secret/data/app', { token: root, body: { data: { password: 'hunter2' } } }), 200);
    expectStatus(await call(open, 'POST', 'sys/mounts/kv1', { token: root, body: { type: 'kv', options: { version: '1' } } }), 204);
    expectStatus(await call(open, 'PUT', 'kv1/app', { token: root, body: { password: 'hunter2' } }), 204);
    expectStatus(await call(open, 'PUT', 'cubbyhole/note', { token: root, body: { pin: '1234' } }), 204);
  });
  after(async () => {
    await server?.destroy();
  });

  it('serves a KV read from 127.0.0.1 and refuses it with 403 from 127.0.0.2', async () => {
    const here = await get(v4, 'secret/data/app', '127.0.0.1');
    expectStatus(here, 200);
    assert.equal((here.body as { data: { data: { password: string } } }).data.data.password, 'hunter2');
    const there = await get(v4, 'secret/data/app', '127.0.0.2');
    expectStatus(there, 403, REFUSED);
    assert.ok(!there.text.includes('hunter2'));
  });

  it('refuses KV v2 lists, metadata, subkeys and HEAD from outside the list', async () => {
    expectStatus(await get(v4, 'secret/metadata/?list=true', '127.0.0.2'), 403, REFUSED);
    expectStatus(await call(v4, 'LIST', 'secret/metadata/', { token: root, from: '127.0.0.2' }), 403, REFUSED);
    expectStatus(await get(v4, 'secret/metadata/app', '127.0.0.2'), 403, REFUSED);
    expectStatus(await get(v4, 'secret/subkeys/app', '127.0.0.2'), 403, REFUSED);
    expectStatus(await call(v4, 'HEAD', 'secret/data/app', { token: root, from: '127.0.0.2' }), 403);
    expectStatus(await get(v4, 'secret/metadata/?list=true', '127.0.0.1'), 200);
  });

  it('refuses KV v1 reads and lists from outside the list', async () => {
    expectStatus(await get(v4, 'kv1/app', '127.0.0.2'), 403, REFUSED);
    expectStatus(await get(v4, 'kv1/?list=true', '127.0.0.2'), 403, REFUSED);
    expectStatus(await get(v4, 'kv1/app', '127.0.0.1'), 200);
  });

  it('refuses cubbyhole reads from outside the list', async () => {
    expectStatus(await get(v4, 'cubbyhole/note', '127.0.0.2'), 403, REFUSED);
    expectStatus(await get(v4, 'cubbyhole/?list=true', '127.0.0.2'), 403, REFUSED);
    expectStatus(await get(v4, 'cubbyhole/note', '127.0.0.1'), 200);
  });

  it('refuses transit decrypt from outside the list (an update that answers plaintext), and leaves encrypt alone', async () => {
    expectStatus(await call(open, 'POST', 'sys/mounts/transit', { token: root, body: { type: 'transit' } }), 204);
    const plaintext = Buffer.from('card 4111').toString('base64');
    const encrypted = await call(v4, 'POST', 'transit/encrypt/payments', { token: root, from: '127.0.0.2', body: { plaintext } });
    expectStatus(encrypted, 200);
    const ciphertext = (encrypted.body as { data: { ciphertext: string } }).data.ciphertext;
    const there = await call(v4, 'POST', 'transit/decrypt/payments', { token: root, from: '127.0.0.2', body: { ciphertext } });
    expectStatus(there, 403, REFUSED);
    assert.ok(!there.text.includes(plaintext));
    const batch = await call(v4, 'POST', 'transit/decrypt/payments', { token: root, from: '127.0.0.2', body: { batch_input: [{ ciphertext }] } });
    expectStatus(batch, 403, REFUSED);
    const here = await call(v4, 'POST', 'transit/decrypt/payments', { token: root, from: '127.0.0.1', body: { ciphertext } });
    expectStatus(here, 200);
    assert.equal((here.body as { data: { plaintext: string } }).data.plaintext, plaintext);
  });

  it('refuses KV v2 config reads from outside the list', async () => {
    expectStatus(await get(v4, 'secret/config', '127.0.0.2'), 403, REFUSED);
    expectStatus(await get(v4, 'secret/config', '127.0.0.1'), 200);
  });

  it('refuses a response-wrapped read from outside the list', async () => {
    expectStatus(await get(v4, 'secret/data/app', '127.0.0.2', { 'X-Vault-Wrap-TTL': '60' }), 403, REFUSED);
  });

  it('refuses sys/wrapping/unwrap from outside the list without spending the wrapping token', async () => {
    const wrapped = await get(v4, 'secret/data/app', '127.0.0.1', { 'X-Vault-Wrap-TTL': '60' });
    expectStatus(wrapped, 200);
    const wrappingToken = (wrapped.body as { wrap_info: { token: string } }).wrap_info.token;
    expectStatus(await call(v4, 'POST', 'sys/wrapping/unwrap', { token: wrappingToken, from: '127.0.0.2' }), 403, REFUSED);
    expectStatus(await call(v4, 'POST', 'sys/wrapping/unwrap', { token: root, from: '127.0.0.2', body: { token: wrappingToken } }), 403, REFUSED);
    const unwrapped = await call(v4, 'POST', 'sys/wrapping/unwrap', { token: wrappingToken, from: '127.0.0.1' });
    expectStatus(unwrapped, 200);
    assert.equal((unwrapped.body as { data: { data: { password: string } } }).data.data.password, 'hunter2');
  });

  it('leaves writes and deletes from outside the list alone (the allowlist is for reads only)', async () => {
    expectStatus(await call(v4, 'PUT', 'secret/data/written-from-outside', { token: root, from: '127.0.0.2', body: { data: { a: '1' } } }), 200);
    expectStatus(await call(v4, 'PUT', 'kv1/written-from-outside', { token: root, from: '127.0.0.2', body: { a: '1' } }), 204);
    expectStatus(await call(v4, 'PUT', 'cubbyhole/written-from-outside', { token: root, from: '127.0.0.2', body: { a: '1' } }), 204);
    expectStatus(await call(v4, 'DELETE', 'secret/data/written-from-outside', { token: root, from: '127.0.0.2' }), 204);
    expectStatus(await get(v4, 'secret/data/written-from-outside', '127.0.0.1'), 404);
  });

  it('leaves reads that are not secret data alone (token lookup, sys)', async () => {
    expectStatus(await get(v4, 'auth/token/lookup-self', '127.0.0.2'), 200);
    expectStatus(await get(v4, 'sys/mounts', '127.0.0.2'), 200);
  });

  it('serves an IPv6 client in the list (::1/128) on an IPv6 listener', async () => {
    expectStatus(await get(v6, 'secret/data/app', '::1'), 200);
    expectStatus(await get(v6, 'cubbyhole/note', '::1'), 200);
  });

  it('refuses an IPv6 client outside the list, even ::1 when only 127.0.0.0/8 is allowed', async () => {
    expectStatus(await get(v6Outside, 'secret/data/app', '::1'), 403, REFUSED);
  });

  it('refuses every secret read when the list is empty, even from 127.0.0.1, and still takes writes', async () => {
    expectStatus(await get(empty, 'secret/data/app', '127.0.0.1'), 403, REFUSED);
    expectStatus(await get(empty, 'kv1/app', '127.0.0.1'), 403, REFUSED);
    expectStatus(await call(empty, 'PUT', 'secret/data/through-empty', { token: root, from: '127.0.0.1', body: { data: { a: '1' } } }), 200);
  });

  it('restricts nothing on a listener without the option', async () => {
    expectStatus(await get(open, 'secret/data/app', '127.0.0.2'), 200);
  });

  it('checks the client a trusted proxy forwards, not the proxy, and never a client\'s own claim', async () => {
    expectStatus(await get(proxied, 'secret/data/app', '127.0.0.1', { 'X-Forwarded-For': '10.1.2.3' }), 200);
    expectStatus(await get(proxied, 'secret/data/app', '127.0.0.1', { 'X-Forwarded-For': '::ffff:10.1.2.3' }), 200);
    expectStatus(await get(proxied, 'secret/data/app', '127.0.0.1', { 'X-Forwarded-For': '192.0.2.1' }), 403, REFUSED);
    expectStatus(await get(proxied, 'secret/data/app', '127.0.0.1'), 403, REFUSED);
    expectStatus(await get(proxied, 'secret/data/app', '127.0.0.2', { 'X-Forwarded-For': '10.1.2.3' }), 400, /not authorized for x-forwarded-for/);
  });

  it('records a refused read in the audit log with its client address and error', async () => {
    const auditFile = await enableFileAudit(open, root, server.dir);
    const path = 'secret/data/audited-refusal';
    expectStatus(await get(v4, path, '127.0.0.2'), 403);
    assert.deepEqual(await auditedAddresses(auditFile, path), ['127.0.0.2', '127.0.0.2']);
    const entries = (await readFile(auditFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { request: { path: string }; error?: string });
    assert.ok(entries.filter((e) => e.request.path === path).every((e) => e.error === 'permission denied: secret reads are not allowed from this client address'));
  });
});

describe('what the allowlist counts as a secret read, and how it fails closed', () => {
  it('counts what each path declares: reads and lists of kv and cubbyhole, transit decrypt, unwrap', () => {
    const at = (backend: Backend, path: string) => {
      const match = matchPath(backend, path);
      assert.ok(match, path);
      return match.def;
    };
    const kv1 = kvV1Backend();
    const cubbyhole = cubbyholeBackend();
    const transit = transitBackend();
    assert.equal(isSecretRead(at(kv1, 'app'), 'read'), true);
    assert.equal(isSecretRead(at(kv1, ''), 'list'), true);
    assert.equal(isSecretRead(at(kv1, 'app'), 'update'), false);
    assert.equal(isSecretRead(at(kv1, 'app'), 'delete'), false);
    assert.equal(isSecretRead(at(cubbyhole, 'note'), 'read'), true);
    assert.equal(isSecretRead(at(transit, 'decrypt/k'), 'update'), true);
    assert.equal(isSecretRead(at(transit, 'encrypt/k'), 'update'), false);
    assert.equal(isSecretRead(at(transit, 'keys/k'), 'read'), false);
  });

  it('allows nobody with an empty list, and nothing matches an unparsable block or address', () => {
    assert.equal(secretReadAllowed('127.0.0.1', []), false);
    assert.equal(secretReadAllowed('127.0.0.1', ['not-a-block']), false);
    assert.equal(secretReadAllowed('127.0.0.1', ['127.0.0.0/33']), false);
    assert.equal(secretReadAllowed('', ['0.0.0.0/0']), false);
    assert.equal(secretReadAllowed('127.0.0.1', ['garbage', '127.0.0.0/8']), true);
  });

  it('counts an IPv4-mapped IPv6 client as IPv4', () => {
    assert.equal(secretReadAllowed('::ffff:127.0.0.1', ['127.0.0.1/32']), true);
    assert.equal(secretReadAllowed('::ffff:127.0.0.2', ['127.0.0.1/32']), false);
    assert.equal(secretReadAllowed('::1', ['127.0.0.1/32']), false);
  });
});
