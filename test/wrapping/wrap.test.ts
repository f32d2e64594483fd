import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { startServer, type TestServer } from '../harness/server.js';
import { assertNoContent, createToken, writePolicy } from '../sys/fixture.js';
import { clientFor, expectInvalidWrappingToken, expectWrapped, RFC3339, type Envelope } from './fixture.js';

// Response wrapping as a client sees it over HTTP:
// https://developer.hashicorp.com/vault/docs/concepts/response-wrapping and /v1/sys/wrapping/*.

describe('response wrapping over HTTP', () => {
  let server: TestServer;
  let root: string;
  let client: ReturnType<typeof clientFor>;
  /** A token with only the default policy: any valid token may unwrap a wrapping token it holds. */
  let bystander: string;
  const secret = { user: 'app', password: 'correct horse battery staple', nested: { port: 5432, tls: true } };

  before(async () => {
    server = await startServer();
    root = server.rootToken;
    client = clientFor(server.address);
    const write = await client.call('POST', 'secret/data/wrap/db', { token: root, body: { data: secret } });
    assert.equal(write.status, 200, write.text);
    bystander = (await createToken(server.address, root, { policies: ['default'] })).token;
  });
  after(async () => {
    await server?.destroy();
  });

  const wrapSecretRead = async (ttl = '5m') => expectWrapped(await client.wrapped('GET', 'secret/data/wrap/db', ttl, { token: root }), `wrapped read (${ttl})`);

  describe('X-Vault-Wrap-TTL on a request', () => {
    it('a KV v2 read asked to wrap for 5m answers only wrap_info', async () => {
      const before = Date.now();
      const res = await client.wrapped('GET', 'secret/data/wrap/db', '5m', { token: root });
      const wrap = expectWrapped(res, 'wrapped read');
      assert.equal(wrap.ttl, 300);
      assert.equal(wrap.creation_path, 'secret/data/wrap/db');
      assert.equal(wrap.wrapped_accessor, '');
      assert.equal(typeof wrap.accessor, 'string');
      assert.ok(wrap.accessor.length > 0 && wrap.accessor !== wrap.token, `accessor: ${res.text}`);
      assert.match(wrap.creation_time, RFC3339);
      const created = Date.parse(wrap.creation_time);
      assert.ok(created >= before - 5_000 && created <= Date.now() + 5_000, `creation_time ${wrap.creation_time} is not now`);
      assert.ok(!res.text.includes(secret.password), 'the secret itself must not be in the wrapped answer');
    });

    it('a wrap TTL given in seconds ("300") wraps for 300 s', async () => {
      const wrap = await wrapSecretRead('300');
      assert.equal(wrap.ttl, 300);
    });

    it('refuses a wrap TTL that is not a duration ("abc") with 400', async () => {
      assertErrorAnswer(await client.wrapped('GET', 'secret/data/wrap/db', 'abc', { token: root }), 400);
    });

    it('refuses a negative wrap TTL ("-5") with 400', async () => {
      assertErrorAnswer(await client.wrapped('GET', 'secret/data/wrap/db', '-5', { token: root }), 400);
    });

    it('a wrapped KV v2 write answers wrap_info; unwrapping gives the version metadata', async () => {
      const res = await client.wrapped('POST', 'secret/data/wrap/written', '5m', { token: root, body: { data: { k: 'v' } } });
      const wrap = expectWrapped(res, 'wrapped write');
      assert.equal(wrap.creation_path, 'secret/data/wrap/written');
      const unwrapped = await client.unwrap(wrap.token, bystander);
      assert.equal(unwrapped.status, 200, unwrapped.text);
      assert.equal(unwrapped.body.data?.['version'], 1);
      assert.match(String(unwrapped.body.data?.['created_time']), RFC3339);
      const read = await client.call('GET', 'secret/data/wrap/written', { token: root });
      assert.deepEqual(read.body.data?.['data'], { k: 'v' }, 'the wrapped write did happen');
    });
  });

  describe('what gets wrapped', () => {
    it('a wrapped read of a missing secret answers 404 and no wrapping token', async () => {
      const res = await client.wrapped('GET', 'secret/data/wrap/does-not-exist', '5m', { token: root });
      assert.equal(res.status, 404, res.text);
      assert.ok(!res.body.wrap_info, `an error is not wrapped: ${res.text}`);
    });

    it('a wrapped LIST answers wrap_info; unwrapping gives the keys', async () => {
      const res = await client.wrapped('GET', 'secret/metadata/wrap?list=true', '5m', { token: root });
      const wrap = expectWrapped(res, 'wrapped list');
      const unwrapped = await client.unwrap(wrap.token, bystander);
      assert.equal(unwrapped.status, 200, unwrapped.text);
      assert.ok((unwrapped.body.data?.['keys'] as string[]).includes('db'), unwrapped.text);
    });

    it('a wrapped LIST of an empty folder answers 404, not a wrapping token for nothing', async () => {
      const res = await client.wrapped('GET', 'secret/metadata/wrap-nothing-here?list=true', '5m', { token: root });
      assert.equal(res.status, 404, res.text);
    });
  });

  describe('the wrapping token\'s lifetime is its own', () => {
    it('outlives the token that asked for the wrap (wrapping tokens are orphans)', async () => {
      await writePolicy(server.address, root, 'wrap-reader', 'path "secret/data/wrap/*" {\n  capabilities = ["read"]\n}\n');
      const asker = (await createToken(server.address, root, { policies: ['wrap-reader'] })).token;
      const wrap = expectWrapped(await client.wrapped('GET', 'secret/data/wrap/db', '5m', { token: asker }), 'wrapped read by the asker');
      assertNoContent(await client.call('POST', 'auth/token/revoke', { token: root, body: { token: asker } }), 'revoke the asker');
      const res = await client.unwrap(wrap.token, bystander);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual((res.body.data as { data: unknown }).data, secret);
    });

    it('used as a client token anywhere else it gets 403, and that does not spend its single use', async () => {
      const wrap = await wrapSecretRead();
      assertErrorAnswer(await client.call('GET', 'secret/data/wrap/db', { token: wrap.token }), 403, /permission denied/);
      const res = await client.unwrap(wrap.token, bystander);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual((res.body.data as { data: unknown }).data, secret);
    });
  });

  describe('sys/wrapping/unwrap', () => {
    it('with the wrapping token in the body, returns the original read\'s data exactly', async () => {
      const plain = await client.call('GET', 'secret/data/wrap/db', { token: root });
      assert.equal(plain.status, 200, plain.text);
      const wrap = await wrapSecretRead();
      const res = await client.unwrap(wrap.token, bystander);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data, plain.body.data);
      assert.deepEqual((res.body.data as { data: unknown }).data, secret);
    });

    it('with the wrapping token as X-Vault-Token and an empty body, returns the data', async () => {
      const wrap = await wrapSecretRead();
      const res = await client.unwrapSelf(wrap.token);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual((res.body.data as { data: unknown }).data, secret);
    });

    it('a second unwrap of the same token is refused with 400', async () => {
      const wrap = await wrapSecretRead();
      assert.equal((await client.unwrap(wrap.token, bystander)).status, 200);
      expectInvalidWrappingToken(await client.unwrap(wrap.token, bystander), 'second unwrap');
    });

    it('a token that never existed is refused with 400', async () => {
      expectInvalidWrappingToken(await client.unwrap('hvs.this-was-never-issued', bystander), 'made-up token');
    });

    it('a caller with an invalid X-Vault-Token gets 403 and does not spend the wrapping token', async () => {
      const wrap = await wrapSecretRead();
      assertErrorAnswer(await client.unwrap(wrap.token, 'hvs.not-a-real-caller-token'), 403, /permission denied/);
      const res = await client.unwrap(wrap.token, bystander);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual((res.body.data as { data: unknown }).data, secret);
    });

    it('a wrapping token revoked by its accessor can no longer be unwrapped', async () => {
      const wrap = await wrapSecretRead();
      assertNoContent(await client.call('POST', 'auth/token/revoke-accessor', { token: root, body: { accessor: wrap.accessor } }), 'revoke-accessor');
      expectInvalidWrappingToken(await client.unwrap(wrap.token, bystander), 'unwrap after revoke');
    });
  });

  describe('wrapping a token creation', () => {
    it('wrap_info.wrapped_accessor is the new token\'s accessor', async () => {
      const res = await client.wrapped('POST', 'auth/token/create', '5m', { token: root, body: { policies: ['default'] } });
      const wrap = expectWrapped(res, 'wrapped token create');
      assert.equal(wrap.creation_path, 'auth/token/create');
      assert.ok(wrap.wrapped_accessor.length > 0, `no wrapped_accessor: ${res.text}`);
      const unwrapped = await client.unwrap(wrap.token, bystander);
      assert.equal(unwrapped.status, 200, unwrapped.text);
      assert.equal(unwrapped.body.auth?.accessor, wrap.wrapped_accessor);
    });

    it('unwrapping answers an auth block whose client_token works', async () => {
      const wrap = expectWrapped(await client.wrapped('POST', 'auth/token/create', '5m', { token: root, body: { policies: ['default'] } }), 'create');
      const unwrapped = await client.unwrapSelf(wrap.token);
      assert.equal(unwrapped.status, 200, unwrapped.text);
      const created = unwrapped.body.auth?.client_token;
      assert.ok(created, `no auth.client_token: ${unwrapped.text}`);
      const self = await client.call<{ data: { accessor: string; policies: string[] } }>('GET', 'auth/token/lookup-self', { token: created });
      assert.equal(self.status, 200, self.text);
      assert.equal(self.body.data.accessor, wrap.wrapped_accessor);
      assert.deepEqual(self.body.data.policies, ['default']);
    });
  });

  describe('sys/wrapping/wrap', () => {
    it('wraps an arbitrary JSON body; unwrap gives it back as data', async () => {
      const payload = { a: 'b', n: 42, list: [1, 'two', { three: 3 }], deep: { x: { y: null } }, flag: false };
      const wrap = await client.wrap(payload, root);
      assert.equal(wrap.creation_path, 'sys/wrapping/wrap');
      const res = await client.unwrap(wrap.token, bystander);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data, payload);
    });
  });

  describe('the wrapping token itself', () => {
    it('lookup-accessor shows a single-use token with the response-wrapping policy', async () => {
      const wrap = await wrapSecretRead();
      const res = await client.call<{ data: { policies: string[]; num_uses: number; ttl: number } }>('POST', 'auth/token/lookup-accessor', {
        token: root,
        body: { accessor: wrap.accessor },
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data.policies, ['response-wrapping']);
      assert.equal(res.body.data.num_uses, 1);
      assert.ok(res.body.data.ttl > 0 && res.body.data.ttl <= 300, `ttl ${res.body.data.ttl}`);
    });
  });

  describe('sys/wrapping/lookup', () => {
    it('answers creation_path, creation_time and creation_ttl without a client token', async () => {
      const wrap = await wrapSecretRead();
      const res = await client.call('POST', 'sys/wrapping/lookup', { body: { token: wrap.token } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data?.['creation_path'], 'secret/data/wrap/db');
      assert.equal(res.body.data?.['creation_ttl'], 300);
      assert.equal(Date.parse(String(res.body.data?.['creation_time'])), Date.parse(wrap.creation_time));
      assert.ok(!res.text.includes(secret.password), 'lookup must not reveal the wrapped response');
    });

    it('does not consume the token: unwrap still works after a lookup', async () => {
      const wrap = await wrapSecretRead();
      assert.equal((await client.call('POST', 'sys/wrapping/lookup', { body: { token: wrap.token } })).status, 200);
      const res = await client.unwrap(wrap.token, bystander);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual((res.body.data as { data: unknown }).data, secret);
    });

    it('refuses a token that was already unwrapped with 400', async () => {
      const wrap = await wrapSecretRead();
      assert.equal((await client.unwrap(wrap.token, bystander)).status, 200);
      expectInvalidWrappingToken(await client.call('POST', 'sys/wrapping/lookup', { body: { token: wrap.token } }), 'lookup after unwrap');
    });

    it('refuses an unknown token with 400', async () => {
      expectInvalidWrappingToken(await client.call('POST', 'sys/wrapping/lookup', { body: { token: 'hvs.never-issued' } }), 'lookup');
    });
  });

  describe('sys/wrapping/rewrap', () => {
    it('answers a new wrapping token with the same creation_ttl and creation_path', async () => {
      const wrap = await wrapSecretRead();
      const res = await client.call('POST', 'sys/wrapping/rewrap', { token: root, body: { token: wrap.token } });
      const next = expectWrapped(res, 'rewrap');
      assert.notEqual(next.token, wrap.token);
      assert.equal(next.ttl, 300);
      const lookup = await client.call('POST', 'sys/wrapping/lookup', { body: { token: next.token } });
      assert.equal(lookup.status, 200, lookup.text);
      assert.equal(lookup.body.data?.['creation_ttl'], 300);
      assert.equal(lookup.body.data?.['creation_path'], 'secret/data/wrap/db');
    });

    it('the new token unwraps to the same data', async () => {
      const wrap = await wrapSecretRead();
      const next = expectWrapped(await client.call('POST', 'sys/wrapping/rewrap', { token: root, body: { token: wrap.token } }), 'rewrap');
      const res = await client.unwrap(next.token, bystander);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual((res.body.data as { data: unknown }).data, secret);
    });

    it('the old token is no longer valid', async () => {
      const wrap = await wrapSecretRead();
      expectWrapped(await client.call('POST', 'sys/wrapping/rewrap', { token: root, body: { token: wrap.token } }), 'rewrap');
      expectInvalidWrappingToken(await client.unwrap(wrap.token, bystander), 'unwrap of the rewrapped token');
    });
  });

  describe('policies with min_wrapping_ttl / max_wrapping_ttl', () => {
    // Vault's ACL simply does not grant the operation when the wrap TTL is out of bounds
    // (vault/acl.go, AllowOperation), so the client sees 403 "permission denied".
    let minToken: string;
    let maxToken: string;
    before(async () => {
      const write = await client.call('POST', 'secret/data/wrap/bounded', { token: root, body: { data: { k: 'bounded' } } });
      assert.equal(write.status, 200, write.text);
      await writePolicy(server.address, root, 'wrap-min', 'path "secret/data/wrap/bounded" {\n  capabilities = ["read"]\n  min_wrapping_ttl = "1m"\n}\n');
      await writePolicy(server.address, root, 'wrap-max', 'path "secret/data/wrap/bounded" {\n  capabilities = ["read"]\n  max_wrapping_ttl = "10m"\n}\n');
      minToken = (await createToken(server.address, root, { policies: ['wrap-min'] })).token;
      maxToken = (await createToken(server.address, root, { policies: ['wrap-max'] })).token;
    });

    it('min_wrapping_ttl makes wrapping mandatory: an unwrapped read is refused', async () => {
      assertErrorAnswer(await client.call('GET', 'secret/data/wrap/bounded', { token: minToken }), 403, /permission denied/);
    });

    it('min_wrapping_ttl = 1m refuses a 30s wrap', async () => {
      assertErrorAnswer(await client.wrapped('GET', 'secret/data/wrap/bounded', '30s', { token: minToken }), 403, /permission denied/);
    });

    it('min_wrapping_ttl = 1m allows a 5m wrap whose unwrap holds the secret', async () => {
      const wrap = expectWrapped(await client.wrapped('GET', 'secret/data/wrap/bounded', '5m', { token: minToken }), 'wrapped read at 5m');
      const res = await client.unwrapSelf(wrap.token);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual((res.body.data as { data: unknown }).data, { k: 'bounded' });
    });

    it('max_wrapping_ttl = 10m refuses a 1h wrap', async () => {
      assertErrorAnswer(await client.wrapped('GET', 'secret/data/wrap/bounded', '1h', { token: maxToken }), 403, /permission denied/);
    });

    it('max_wrapping_ttl = 10m allows a 5m wrap', async () => {
      expectWrapped(await client.wrapped('GET', 'secret/data/wrap/bounded', '5m', { token: maxToken }), 'wrapped read at 5m');
    });

    it('a policy whose max_wrapping_ttl is below its min_wrapping_ttl is refused with 400', async () => {
      const res = await client.call<Envelope>('PUT', 'sys/policies/acl/wrap-inverted', {
        token: root,
        body: { policy: 'path "secret/*" {\n  capabilities = ["read"]\n  min_wrapping_ttl = "10m"\n  max_wrapping_ttl = "1m"\n}\n' },
      });
      assertErrorAnswer(res, 400, /max_wrapping_ttl cannot be less than min_wrapping_ttl/);
    });
  });
});
