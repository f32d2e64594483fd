import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';
import { api, type ApiResponse } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { clientFor, INVALID_WRAPPING_TOKEN, type Envelope } from './fixture.js';

// Security invariant 4 (DESIGN.md): a wrapping token is used at most once, even when many clients
// race to unwrap it; one atomic storage transaction picks the winner.

/** Asserts exactly one success holding `expected` as its data, and Vault's 400 for every other attempt. */
function assertExactlyOneWinner(results: ApiResponse<Envelope>[], expected: Record<string, unknown>): void {
  const winners = results.filter((r) => r.status === 200);
  const losers = results.filter((r) => r.status !== 200);
  assert.equal(winners.length, 1, `expected exactly one 200, got ${winners.length} of ${results.length}`);
  assert.deepEqual(winners[0]!.body.data, expected);
  const unexpected = losers.filter((r) => r.status !== 400 || JSON.stringify(r.body) !== JSON.stringify({ errors: [INVALID_WRAPPING_TOKEN] }));
  assert.deepEqual(unexpected.map((r) => `${r.status} ${r.text}`), [], 'every losing unwrap answers 400 with Vault\'s message');
}

const payload = { db_password: 'only-once', n: 1 };

describe('concurrent unwraps of one wrapping token (server process, keep-alive connections)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.destroy();
  });

  it('250 simultaneous unwraps: exactly one answers the data, the rest 400', async () => {
    const wrap = await clientFor(server.address, api).wrap(payload, server.rootToken);
    const results = await Promise.all(
      Array.from({ length: 250 }, () => api<Envelope>(server.address, 'POST', 'sys/wrapping/unwrap', { token: server.rootToken, body: { token: wrap.token } })),
    );
    assertExactlyOneWinner(results, payload);
  });

  it('250 simultaneous self-authenticated unwraps (token as X-Vault-Token): exactly one wins', async () => {
    const wrap = await clientFor(server.address, api).wrap(payload, server.rootToken);
    const results = await Promise.all(Array.from({ length: 250 }, () => api<Envelope>(server.address, 'POST', 'sys/wrapping/unwrap', { token: wrap.token })));
    assertExactlyOneWinner(results, payload);
  });
});

describe('unwrap racing rewrap on one wrapping token', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.destroy();
  });

  it('100 unwraps and 100 rewraps at once: exactly one of all 200 succeeds', async () => {
    const client = clientFor(server.address, api);
    const wrap = await client.wrap(payload, server.rootToken);
    const attempts = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0
        ? api<Envelope>(server.address, 'POST', 'sys/wrapping/unwrap', { token: server.rootToken, body: { token: wrap.token } })
        : api<Envelope>(server.address, 'POST', 'sys/wrapping/rewrap', { token: server.rootToken, body: { token: wrap.token } }),
    );
    const results = await Promise.all(attempts);
    const successes = results.filter((r) => r.status === 200);
    assert.equal(successes.length, 1, `expected one winner, got ${successes.length}: ${successes.map((r) => r.text).join('\n')}`);
    const others = results.filter((r) => r.status !== 200).filter((r) => r.status !== 400 || JSON.stringify(r.body) !== JSON.stringify({ errors: [INVALID_WRAPPING_TOKEN] }));
    assert.deepEqual(others.map((r) => `${r.status} ${r.text}`), []);
  });
});

describe('concurrent unwraps of one wrapping token (in-process server, storage inspected)', () => {
  let server: InProcessServer;
  let address: string;
  const rootTokenId = 'root-wrapping-exactly-once';

  before(async () => {
    server = await startInProcessServer(rootTokenId);
    address = server.address;
  });
  after(() => server?.destroy());

  /** Top-level entries of the cubbyhole mount's storage that belong to `token`. */
  const cubbyholeEntriesOf = async (token: string) => {
    const id = server.core.tokens.hashToken(token);
    const store = server.core.mountStorage(server.core.mounts.get('cubbyhole/')!);
    return (await store.list('')).filter((key) => key === id || key.startsWith(`${id}/`));
  };

  it('200 simultaneous unwraps: exactly one answers the data, the rest 400', async () => {
    const client = clientFor(address);
    const wrap = await client.wrap(payload, rootTokenId);
    const results = await Promise.all(Array.from({ length: 200 }, () => client.unwrap(wrap.token, rootTokenId)));
    assertExactlyOneWinner(results, payload);
  });

  it('after the race, the wrapping token\'s cubbyhole is gone from storage', async () => {
    const client = clientFor(address);
    const wrap = await client.wrap(payload, rootTokenId);
    assert.notDeepEqual(await cubbyholeEntriesOf(wrap.token), [], 'the control: before unwrapping, the wrapped response is in the cubbyhole');
    await Promise.all(Array.from({ length: 200 }, () => client.unwrap(wrap.token, rootTokenId)));
    assert.deepEqual(await cubbyholeEntriesOf(wrap.token), []);
  });

  it('after the race, the wrapping token itself is gone: lookup-accessor answers 400', async () => {
    const client = clientFor(address);
    const wrap = await client.wrap(payload, rootTokenId);
    await Promise.all(Array.from({ length: 200 }, () => client.unwrap(wrap.token, rootTokenId)));
    const lookup = await client.call('POST', 'auth/token/lookup-accessor', { token: rootTokenId, body: { accessor: wrap.accessor } });
    assert.equal(lookup.status, 400, lookup.text);
  });
});
