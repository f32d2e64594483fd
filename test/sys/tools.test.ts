import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';

// sys/tools/hash and sys/tools/random: Vault's system tools (the same handlers as transit's), which
// the default policy grants for hash.

let server: TestServer;
before(async () => {
  server = await startServer({ dev: true });
});
after(() => server?.destroy());

describe('sys/tools', () => {
  it('hash: SHA2-256 by default, other algorithms by path, hex or base64 sums equal to node:crypto', async () => {
    const input = Buffer.from('the quick brown fox').toString('base64');
    const plain = await api<{ data: { sum: string } }>(server.address, 'POST', 'sys/tools/hash', { token: server.rootToken, body: { input } });
    assert.equal(plain.status, 200, plain.text);
    assert.equal(plain.body.data.sum, createHash('sha256').update('the quick brown fox').digest('hex'));
    const sha3 = await api<{ data: { sum: string } }>(server.address, 'POST', 'sys/tools/hash/sha3-512', { token: server.rootToken, body: { input, format: 'base64' } });
    assert.equal(sha3.body.data.sum, createHash('sha3-512').update('the quick brown fox').digest('base64'));
  });

  it('hash is open to a token with only the default policy; random is not', async () => {
    const made = await api<{ auth: { client_token: string } }>(server.address, 'POST', 'auth/token/create', { token: server.rootToken, body: { policies: ['default'] } });
    const token = made.body.auth.client_token;
    const hash = await api(server.address, 'POST', 'sys/tools/hash', { token, body: { input: 'YQ==' } });
    assert.equal(hash.status, 200, hash.text);
    const random = await api(server.address, 'POST', 'sys/tools/random', { token, body: {} });
    assert.equal(random.status, 403, random.text);
  });

  it('random: 32 base64 bytes by default, a count in the path or body, hex on request; a bad count is a 400', async () => {
    const token = server.rootToken;
    const byDefault = await api<{ data: { random_bytes: string } }>(server.address, 'POST', 'sys/tools/random', { token, body: {} });
    assert.equal(Buffer.from(byDefault.body.data.random_bytes, 'base64').length, 32);
    const inPath = await api<{ data: { random_bytes: string } }>(server.address, 'POST', 'sys/tools/random/48', { token, body: { format: 'hex' } });
    assert.match(inPath.body.data.random_bytes, /^[0-9a-f]{96}$/);
    const source = await api<{ data: { random_bytes: string } }>(server.address, 'POST', 'sys/tools/random/platform/16', { token, body: {} });
    assert.equal(Buffer.from(source.body.data.random_bytes, 'base64').length, 16);
    const refused = await api<{ errors: string[] }>(server.address, 'POST', 'sys/tools/random', { token, body: { bytes: 0 } });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors, ['the number of bytes must be positive']);
  });
});
