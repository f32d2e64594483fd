import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CofferApiError, CofferClient, CofferConnectionError, KvVersionError } from '../../src/client/index.js';
import { envelope, startStub, type SeenRequest, type StubAnswer } from './stub-server.js';

/** Mounts the stub pretends to have: secret/ is KV v2, old/ is KV v1. */
function route(req: SeenRequest): StubAnswer {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/v1/sys/internal/ui/mounts/secret/app/db' || path === '/v1/sys/internal/ui/mounts/secret') {
    return { status: 200, body: envelope({ path: 'secret/', type: 'kv', options: { version: '2' } }) };
  }
  if (path.startsWith('/v1/sys/internal/ui/mounts/old')) return { status: 200, body: envelope({ path: 'old/', type: 'kv', options: null }) };
  if (path === '/v1/secret/data/app/db') return { status: 200, body: envelope({ data: { a: '1' }, metadata: { version: 3 } }) };
  if (path === '/v1/old/app' && req.method === 'PUT') return { status: 204 };
  if (path === '/v1/missing') return { status: 404, body: { errors: [] } };
  if (path === '/v1/forbidden') return { status: 403, body: { errors: ['permission denied'] } };
  return { status: 200, body: envelope({ ok: true }) };
}

describe('CofferClient', () => {
  let stub: Awaited<ReturnType<typeof startStub>>;
  let client: CofferClient;
  const last = () => stub.seen[stub.seen.length - 1] as SeenRequest;

  before(async () => {
    stub = await startStub(route);
    client = new CofferClient({ address: `${stub.address}/`, token: 'hvs.root', namespace: 'team' });
  });
  after(() => stub.close());

  it('sends the token and namespace headers on every request', async () => {
    await client.read('sys/anything');
    assert.equal(last().headers['x-vault-token'], 'hvs.root');
    assert.equal(last().headers['x-vault-namespace'], 'team');
  });

  it('asks for wrapping with X-Vault-Wrap-TTL only when wrapTTL is given', async () => {
    await client.read('sys/anything', { wrapTTL: '5m' });
    assert.equal(last().headers['x-vault-wrap-ttl'], '5m');
    await client.read('sys/anything');
    assert.equal(last().headers['x-vault-wrap-ttl'], undefined);
  });

  it('lets one request use another token', async () => {
    await client.read('sys/anything', { token: 'hvs.other' });
    assert.equal(last().headers['x-vault-token'], 'hvs.other');
  });

  it('lists with GET ?list=true, the form every node:http server can parse', async () => {
    await client.list('secret/metadata/');
    assert.equal(last().method, 'GET');
    assert.equal(last().url, '/v1/secret/metadata/?list=true');
  });

  it('patches with a JSON merge patch content type', async () => {
    await client.patch('secret/data/x', { data: { a: null } });
    assert.equal(last().method, 'PATCH');
    assert.equal(last().headers['content-type'], 'application/merge-patch+json');
    assert.deepEqual(JSON.parse(last().body), { data: { a: null } });
  });

  it('returns undefined for a 204', async () => {
    assert.equal(await client.write('old/app', { a: '1' }), undefined);
  });

  it('throws CofferApiError with the status and errors of a failed request', async () => {
    await assert.rejects(client.read('forbidden'), (err: unknown) => {
      assert.ok(err instanceof CofferApiError);
      assert.equal(err.status, 403);
      assert.deepEqual(err.errors, ['permission denied']);
      assert.equal(err.message, `Error making API request.\n\nURL: GET ${stub.address}/v1/forbidden\nCode: 403. Errors:\n\n* permission denied`);
      return true;
    });
  });

  it('throws CofferConnectionError when nothing listens', async () => {
    const nowhere = new CofferClient({ address: 'http://127.0.0.1:1' });
    await assert.rejects(nowhere.read('sys/health'), CofferConnectionError);
  });

  it('sends a wrapping token as the request token when unwrapping', async () => {
    await client.unwrap('hvs.wrapping');
    assert.equal(last().method, 'POST');
    assert.equal(new URL(last().url, 'http://x').pathname, '/v1/sys/wrapping/unwrap');
    assert.equal(last().headers['x-vault-token'], 'hvs.wrapping');
  });
});

describe('KvClient', () => {
  let stub: Awaited<ReturnType<typeof startStub>>;
  let client: CofferClient;
  const last = () => stub.seen[stub.seen.length - 1] as SeenRequest;

  before(async () => {
    stub = await startStub(route);
    client = new CofferClient({ address: stub.address, token: 'hvs.root' });
  });
  after(() => stub.close());

  it('finds a KV v2 mount and reads through its data/ prefix', async () => {
    const { location, apiPath, secret } = await client.kv.get('secret/app/db', { version: 2 });
    assert.deepEqual(location, { mountPath: 'secret/', version: 2, relative: 'app/db' });
    assert.equal(apiPath, 'secret/data/app/db');
    assert.equal(last().url, '/v1/secret/data/app/db?version=2');
    assert.deepEqual(secret?.data?.data, { a: '1' });
  });

  it('wraps a v2 put in {data, options.cas}', async () => {
    await client.kv.put('app/db', { a: '2' }, { mount: 'secret', cas: 3 });
    assert.equal(last().url, '/v1/secret/data/app/db');
    assert.deepEqual(JSON.parse(last().body), { data: { a: '2' }, options: { cas: 3 } });
  });

  it('writes a v1 secret as the bare body at the path itself', async () => {
    const { apiPath } = await client.kv.put('old/app', { a: '1' });
    assert.equal(apiPath, 'old/app');
    assert.deepEqual(JSON.parse(last().body), { a: '1' });
  });

  it('deletes listed v2 versions through delete/', async () => {
    await client.kv.delete('secret/app/db', { versions: [1, 2] });
    assert.equal(last().method, 'POST');
    assert.equal(last().url, '/v1/secret/delete/app/db');
    assert.deepEqual(JSON.parse(last().body), { versions: [1, 2] });
  });

  it('refuses a v2-only operation on a v1 mount without calling the server for it', async () => {
    const before = stub.seen.length;
    await assert.rejects(client.kv.undelete('old/app', [1]), KvVersionError);
    assert.equal(stub.seen.length, before + 1); // only the mount lookup
  });
});
