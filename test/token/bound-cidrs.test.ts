import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { assertErrorAnswer } from '../harness/errors.js';
import { CofferError } from '../../src/framework/errors.js';
import { addressAllowed, parseCidrList } from '../../src/framework/cidr.js';
import { api, type ApiOptions } from '../harness/http.js';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';
import { startServer, type TestServer } from '../harness/server.js';
import type { Envelope, TokenLookup } from '../harness/vault-types.js';
import { assertNoContent, closingApi } from '../sys/fixture.js';

// token_bound_cidrs (https://developer.hashicorp.com/vault/api-docs/auth/token, token roles): a
// token made from a role with bound CIDRs can only be used from those addresses; its children
// carry the binding; auth/token/create itself takes no CIDRs, as in Vault.

describe('tokens bound to CIDR blocks, over IPv4', () => {
  let server: TestServer;
  let root: string;
  let roleCounter = 0;
  /** Each request on its own connection, from the given loopback address. */
  const from = <T = Envelope>(localAddress: string, method: string, path: string, options: ApiOptions = {}) =>
    closingApi<T>(server.address, method, path, { token: root, localAddress, ...options });
  const newRole = async (body: Record<string, unknown>) => {
    const name = `bound-${++roleCounter}`;
    assertNoContent(await from('127.0.0.1', 'POST', `auth/token/roles/${name}`, { body }), `write role ${name}`);
    return name;
  };
  const tokenFromRole = async (role: string, body: Record<string, unknown> = {}) => {
    const res = await from('127.0.0.1', 'POST', `auth/token/create/${role}`, { body });
    assert.equal(res.status, 200, res.text);
    return res.body.auth!.client_token;
  };
  const lookupSelf = (localAddress: string, token: string) => from<Envelope<TokenLookup>>(localAddress, 'GET', 'auth/token/lookup-self', { token });

  before(async () => {
    server = await startServer();
    root = server.rootToken;
  });
  after(async () => {
    await server?.destroy();
  });

  it('lets a token bound to 127.0.0.1/32 work from 127.0.0.1 and refuses it from 127.0.0.2', async () => {
    const token = await tokenFromRole(await newRole({ allowed_policies: ['app'], token_bound_cidrs: ['127.0.0.1/32'] }));
    const here = await lookupSelf('127.0.0.1', token);
    assert.equal(here.status, 200, here.text);
    assert.deepEqual(here.body.data!.bound_cidrs, ['127.0.0.1']);
    assertErrorAnswer(await lookupSelf('127.0.0.2', token), 403, /^permission denied$/);
  });

  it('lets a token bound to a wider block work from any address inside it', async () => {
    const token = await tokenFromRole(await newRole({ allowed_policies: ['app'], token_bound_cidrs: '127.0.0.0/30, 10.0.0.0/8' }));
    assert.equal((await lookupSelf('127.0.0.2', token)).status, 200);
    assert.deepEqual((await lookupSelf('127.0.0.3', token)).body.data!.bound_cidrs, ['127.0.0.0/30', '10.0.0.0/8']);
    assertErrorAnswer(await lookupSelf('127.0.0.4', token), 403);
  });

  it('does not spend a use of a token refused for its address', async () => {
    const token = await tokenFromRole(await newRole({ allowed_policies: ['app'], token_bound_cidrs: ['127.0.0.1'], token_num_uses: 2 }));
    for (let attempt = 0; attempt < 3; attempt++) assertErrorAnswer(await lookupSelf('127.0.0.2', token), 403);
    assert.equal((await lookupSelf('127.0.0.1', token)).status, 200);
    assert.equal((await lookupSelf('127.0.0.1', token)).status, 200);
    assertErrorAnswer(await lookupSelf('127.0.0.1', token), 403);
  });

  it("binds a child token to its parent's blocks", async () => {
    const parent = await tokenFromRole(await newRole({ allowed_policies: ['app', 'maker'], token_bound_cidrs: ['127.0.0.1/32'] }));
    assertNoContent(
      await from('127.0.0.1', 'PUT', 'sys/policies/acl/maker', { body: { policy: 'path "auth/token/create" { capabilities = ["update"] }' } }),
      'write policy maker',
    );
    const res = await from('127.0.0.1', 'POST', 'auth/token/create', { token: parent, body: { policies: ['app'] } });
    assert.equal(res.status, 200, res.text);
    const child = res.body.auth!.client_token;
    assert.deepEqual((await lookupSelf('127.0.0.1', child)).body.data!.bound_cidrs, ['127.0.0.1']);
    assertErrorAnswer(await lookupSelf('127.0.0.2', child), 403);
  });

  it('ignores token_bound_cidrs on auth/token/create, as Vault does, and says so', async () => {
    const res = await from('127.0.0.1', 'POST', 'auth/token/create', { body: { policies: ['app'], token_bound_cidrs: ['127.0.0.1/32'] } });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.warnings?.some((w) => /ignored these unrecognized parameters: \[token_bound_cidrs\]/.test(w)), res.text);
    const elsewhere = await lookupSelf('127.0.0.2', res.body.auth!.client_token);
    assert.equal(elsewhere.status, 200, elsewhere.text);
    assert.equal(elsewhere.body.data!.bound_cidrs, undefined);
  });

  it('refuses a role whose CIDR list has a bad block, and writes nothing', async () => {
    for (const list of [['127.0.0.1/32', '127.0.0.1/40'], ['fd00::/129'], ['localhost'], ['10.0.0.0/8/8']]) {
      const res = await from('127.0.0.1', 'POST', 'auth/token/roles/bad-cidrs', { body: { token_bound_cidrs: list } });
      assertErrorAnswer(res, 400, /invalid CIDR block/);
    }
    assert.equal((await from('127.0.0.1', 'GET', 'auth/token/roles/bad-cidrs')).status, 404);
  });
});

describe('tokens bound to CIDR blocks, over IPv6', () => {
  let server: InProcessServer;
  let root: string;
  const call = <T = Envelope>(method: string, path: string, options: ApiOptions = {}) =>
    api<T>(server.address, method, path, { token: root, ...options });
  const tokenBoundTo = async (role: string, cidrs: string[]) => {
    assertNoContent(await call('POST', `auth/token/roles/${role}`, { body: { allowed_policies: ['app'], token_bound_cidrs: cidrs } }), 'write role');
    const res = await call('POST', `auth/token/create/${role}`);
    assert.equal(res.status, 200, res.text);
    return res.body.auth!.client_token;
  };

  before(async () => {
    root = `root-${randomBytes(16).toString('hex')}`;
    server = await startInProcessServer(root, '[::1]:0');
    assert.match(server.address, /^http:\/\/\[::1\]:\d+$/);
  });
  after(async () => {
    await server?.destroy();
  });

  it('lets a token bound to ::1/128 work from ::1', async () => {
    const token = await tokenBoundTo('loopback6', ['::1/128']);
    const res = await call<Envelope<TokenLookup>>('GET', 'auth/token/lookup-self', { token });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data!.bound_cidrs, ['::1']);
  });

  it('refuses from ::1 a token bound to fd00::/8', async () => {
    const token = await tokenBoundTo('ula6', ['fd00::/8']);
    assertErrorAnswer(await call('GET', 'auth/token/lookup-self', { token }), 403, /^permission denied$/);
  });

  it('refuses from ::1 a token bound to an IPv4 block', async () => {
    const token = await tokenBoundTo('v4only', ['127.0.0.0/8']);
    assertErrorAnswer(await call('GET', 'auth/token/lookup-self', { token }), 403);
  });
});

// Properties of the matcher the pipeline uses (src/framework/cidr.ts): inside a block always
// matches, outside never, and an IPv4 client reported as IPv4-mapped IPv6 counts as IPv4.

const ipv4 = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff).join('.');
const ipv4Mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
const ipv6 = (n: bigint) =>
  Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
const ipv6Mask = (prefix: number) => (prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n));

/** A block (network address and prefix) and an address inside it, from any base and host bits. */
const ipv4BlockAndInside = fc.record({ base: fc.nat({ max: 0xffffffff }), host: fc.nat({ max: 0xffffffff }), prefix: fc.integer({ min: 0, max: 32 }) }).map(({ base, host, prefix }) => {
  const mask = ipv4Mask(prefix);
  return { block: `${ipv4((base & mask) >>> 0)}/${prefix}`, inside: ((base & mask) | (host & ~mask)) >>> 0, base: (base & mask) >>> 0, prefix, host };
});
const bigint128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });

describe('addressAllowed', () => {
  it('matches every IPv4 address inside a block', () => {
    fc.assert(fc.property(ipv4BlockAndInside, ({ block, inside }) => addressAllowed(ipv4(inside), [block])));
  });

  it('never matches an IPv4 address outside a block', () => {
    fc.assert(
      fc.property(ipv4BlockAndInside.filter(({ prefix }) => prefix > 0), fc.nat(), ({ block, inside, prefix }, pick) => {
        // Flipping any bit of the network part leaves the block.
        const bit = 31 - (pick % prefix);
        const outside = (inside ^ (1 << bit)) >>> 0;
        return !addressAllowed(ipv4(outside), [block]);
      }),
    );
  });

  it('matches every IPv6 address inside a block and none outside it', () => {
    fc.assert(
      fc.property(bigint128, bigint128, fc.integer({ min: 1, max: 128 }), fc.nat(), (base, host, prefix, pick) => {
        const mask = ipv6Mask(prefix);
        const network = base & mask;
        const inside = network | (host & ~mask & ((1n << 128n) - 1n));
        const outside = inside ^ (1n << BigInt(127 - (pick % prefix)));
        const block = `${ipv6(network)}/${prefix}`;
        return addressAllowed(ipv6(inside), [block]) && !addressAllowed(ipv6(outside), [block]);
      }),
    );
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address it maps', () => {
    fc.assert(
      fc.property(ipv4BlockAndInside.filter(({ prefix }) => prefix > 0), fc.nat(), ({ block, inside, prefix }, pick) => {
        const outside = (inside ^ (1 << (31 - (pick % prefix)))) >>> 0;
        return addressAllowed(`::ffff:${ipv4(inside)}`, [block]) && !addressAllowed(`::ffff:${ipv4(outside)}`, [block]);
      }),
    );
  });

  it('treats an IPv4-mapped block as the IPv4 block it maps', () => {
    fc.assert(
      fc.property(ipv4BlockAndInside, ({ base, prefix, inside }) => addressAllowed(ipv4(inside), [`::ffff:${ipv4(base)}/${96 + prefix}`])),
    );
  });

  it('counts an IPv4 client (plain or IPv4-mapped) as inside an IPv6 block that covers ::ffff:0:0/96, as Go does for Vault', () => {
    // The counterexample fast-check found: ::ffff:1.2.3.4 lies in ::/80.
    assert.equal(addressAllowed('::ffff:1.2.3.4', ['::/80']), true);
    assert.equal(addressAllowed('1.2.3.4', ['::/80']), true);
    assert.equal(addressAllowed('1.2.3.4', ['fd00::/8']), false);
    assert.equal(addressAllowed('1.2.3.4', ['1.2.4.0/24']), false);
  });

  it('allows any address when there are no blocks, and none that does not parse', () => {
    assert.equal(addressAllowed('203.0.113.9', []), true);
    assert.equal(addressAllowed('not-an-address', ['0.0.0.0/0']), false);
    assert.equal(addressAllowed('127.0.0.1', ['not-a-block']), false);
  });
});

describe('parseCidrList', () => {
  it('canonicalises blocks and takes a bare address as a single-address block', () => {
    assert.deepEqual(parseCidrList([' 10.0.0.0/8', '127.0.0.1', '::1', 'FD00::/8'], 'token_bound_cidrs'), [
      '10.0.0.0/8',
      '127.0.0.1/32',
      '::1/128',
      'fd00::/8',
    ]);
  });

  it('refuses a bad block with 400 naming it and the field', () => {
    assert.throws(
      () => parseCidrList(['10.0.0.0/8', '10.0.0.0/33'], 'token_bound_cidrs'),
      (err: unknown) => err instanceof CofferError && err.status === 400 && err.message === 'invalid CIDR block "10.0.0.0/33" in token_bound_cidrs',
    );
  });
});
