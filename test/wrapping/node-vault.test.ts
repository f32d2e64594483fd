import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { startServer, type TestServer } from '../harness/server.js';
import { INVALID_WRAPPING_TOKEN } from './fixture.js';

// Response wrapping driven by someone else's client: node-vault from npm sends X-Vault-Wrap-TTL
// through its request options and unwraps with its `unwrap` command.

/** What node-vault rejects with on a non-2xx answer (ApiResponseError in its source). */
interface ApiResponseError extends Error {
  response: { statusCode: number; body: { errors?: string[] } | undefined };
}

async function rejection(promise: Promise<unknown>): Promise<ApiResponseError> {
  try {
    await promise;
  } catch (err) {
    const apiError = err as ApiResponseError;
    assert.ok(apiError.response, `expected an ApiResponseError, got ${String(err)}`);
    return apiError;
  }
  assert.fail('expected the request to be refused');
}

interface Wrapped {
  wrap_info: { token: string; ttl: number; creation_path: string };
  data: unknown;
}

describe('response wrapping through node-vault', () => {
  let server: TestServer;
  const secret = { api_key: 'node-vault-key' };
  const clientFor = (token: string) => nodeVault({ apiVersion: 'v1', endpoint: server.address, token });
  const wrappedRead = async () =>
    (await clientFor(server.rootToken).read('secret/data/nv/app', { headers: { 'X-Vault-Wrap-TTL': '5m' } })) as Wrapped;

  before(async () => {
    server = await startServer();
    await clientFor(server.rootToken).write('secret/data/nv/app', { data: secret });
  });
  after(async () => {
    await server?.destroy();
  });

  it('read with an X-Vault-Wrap-TTL header answers wrap_info and no data', async () => {
    const res = await wrappedRead();
    assert.equal(res.data, null);
    assert.equal(res.wrap_info.ttl, 300);
    assert.equal(res.wrap_info.creation_path, 'secret/data/nv/app');
  });

  it('unwrap({ token }) returns the secret', async () => {
    const { wrap_info } = await wrappedRead();
    const res = (await clientFor(server.rootToken).unwrap({ token: wrap_info.token })) as { data: { data: unknown } };
    assert.deepEqual(res.data.data, secret);
  });

  it('a client whose own token is the wrapping token unwraps with unwrap()', async () => {
    const { wrap_info } = await wrappedRead();
    const res = (await clientFor(wrap_info.token).unwrap()) as { data: { data: unknown } };
    assert.deepEqual(res.data.data, secret);
  });

  it('a second unwrap is rejected with 400 and Vault\'s message', async () => {
    const { wrap_info } = await wrappedRead();
    await clientFor(server.rootToken).unwrap({ token: wrap_info.token });
    const error = await rejection(clientFor(server.rootToken).unwrap({ token: wrap_info.token }));
    assert.equal(error.response.statusCode, 400);
    assert.deepEqual(error.response.body?.errors, [INVALID_WRAPPING_TOKEN]);
  });
});
