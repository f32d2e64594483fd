import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CofferError } from '../../src/framework/errors.js';
import { addressAllowed } from '../../src/framework/cidr.js';
import { resolveClientAddress } from '../../src/http/client-address.js';
import { auditedAddresses, auditedPaths, boundToken, call, enableFileAudit, expectStatus, startFromHcl, type ListenerServer } from './fixture.js';

// Vault's trusted proxies (tcp listener x_forwarded_for_*): only a TCP peer inside
// x_forwarded_for_authorized_addrs has its X-Forwarded-For believed; the client is the entry
// x_forwarded_for_hop_skips from the right end of the chain. 127.0.0.1 plays the proxy, 127.0.0.2
// an outsider connecting directly.

const LISTENERS = `
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  x_forwarded_for_authorized_addrs = "127.0.0.1/32"
}
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  x_forwarded_for_authorized_addrs = ["127.0.0.1"]
  x_forwarded_for_reject_not_authorized = false
  x_forwarded_for_reject_not_present = false
}
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  x_forwarded_for_authorized_addrs = ["127.0.0.1/32"]
  x_forwarded_for_hop_skips = 1
  x_forwarded_for_reject_not_present = "false"
}
listener "tcp" {
  address = "[::1]:0"
  tls_disable = true
  x_forwarded_for_authorized_addrs = ["::1/128"]
}
`;

describe('trusted proxies (X-Forwarded-For)', () => {
  let server: ListenerServer;
  let root: string;
  /** Rejects by default: a header only from 127.0.0.1, and always a header. */
  let strict: string;
  /** reject_not_authorized and reject_not_present off: the header is ignored from others, optional from the proxy. */
  let lenient: string;
  /** hop_skips = 1: the proxy appends one more hop of its own. */
  let hops: string;
  /** On [::1], trusting ::1. */
  let ipv6: string;
  let auditFile: string;
  /** A token bound to 10.1.2.3/32: usable only by a client the proxy says is 10.1.2.3. */
  let bound: string;
  let unique = 0;
  const freshPath = () => `secret/data/xff-${++unique}`;
  const lookupSelf = (address: string, from: string, xff?: string | string[]) =>
    call(address, 'GET', 'auth/token/lookup-self', { token: bound, from, headers: xff === undefined ? {} : { 'X-Forwarded-For': xff } });

  before(async () => {
    server = await startFromHcl(LISTENERS);
    root = server.rootToken;
    [strict, lenient, hops, ipv6] = server.addresses as [string, string, string, string];
    auditFile = await enableFileAudit(lenient, root, server.dir);
    bound = await boundToken(lenient, root, 'ten-one-two-three', ['10.1.2.3/32']);
  });
  after(async () => {
    await server?.destroy();
  });

  it('records the address a trusted proxy forwards as the remote_address in the audit log', async () => {
    const path = freshPath();
    await call(strict, 'GET', path, { token: root, from: '127.0.0.1', headers: { 'X-Forwarded-For': '203.0.113.7' } });
    assert.deepEqual(await auditedAddresses(auditFile, path), ['203.0.113.7', '203.0.113.7']);
  });

  it('lets a token bound to 10.1.2.3/32 work only through the trusted proxy claiming 10.1.2.3', async () => {
    expectStatus(await lookupSelf(strict, '127.0.0.1', '10.1.2.3'), 200);
    expectStatus(await lookupSelf(strict, '127.0.0.1', '10.1.2.4'), 403, /^permission denied$/);
    // Straight from the proxy's own address, no claim: 127.0.0.1 is not in 10.1.2.3/32.
    expectStatus(await lookupSelf(lenient, '127.0.0.1'), 403);
  });

  it('refuses with 400 an X-Forwarded-For from a peer that is not a trusted proxy, and runs nothing', async () => {
    const refused = freshPath();
    const res = await call(strict, 'GET', refused, { token: root, from: '127.0.0.2', headers: { 'X-Forwarded-For': '10.1.2.3' } });
    expectStatus(res, 400, /^client address not authorized for x-forwarded-for and configured to reject connection$/);
    expectStatus(await lookupSelf(strict, '127.0.0.2', '10.1.2.3'), 400);
    // A later request is audited; the refused one never reached the pipeline, so it left no entry.
    const later = freshPath();
    await call(lenient, 'GET', later, { token: root, from: '127.0.0.1' });
    await auditedAddresses(auditFile, later);
    assert.ok(!(await auditedPaths(auditFile)).includes(refused), 'the refused request must not be audited');
  });

  it('ignores, never believes, an untrusted peer\'s X-Forwarded-For when reject_not_authorized is false', async () => {
    expectStatus(await lookupSelf(lenient, '127.0.0.2', '10.1.2.3'), 403, /^permission denied$/);
    const path = freshPath();
    await call(lenient, 'GET', path, { token: root, from: '127.0.0.2', headers: { 'X-Forwarded-For': '10.1.2.3' } });
    assert.deepEqual(await auditedAddresses(auditFile, path), ['127.0.0.2', '127.0.0.2']);
  });

  it('joins several X-Forwarded-For headers into one chain and takes its right end', async () => {
    expectStatus(await lookupSelf(strict, '127.0.0.1', ['198.51.100.1, 10.9.9.9', '10.1.2.3']), 200);
    expectStatus(await lookupSelf(strict, '127.0.0.1', ['10.1.2.3', '198.51.100.1']), 403);
    const path = freshPath();
    await call(strict, 'GET', path, { token: root, from: '127.0.0.1', headers: { 'X-Forwarded-For': ['10.1.2.3', '192.0.2.1,198.51.100.9'] } });
    assert.deepEqual(await auditedAddresses(auditFile, path), ['198.51.100.9', '198.51.100.9']);
  });

  it('skips x_forwarded_for_hop_skips entries from the right end of the chain', async () => {
    expectStatus(await lookupSelf(hops, '127.0.0.1', '10.1.2.3, 192.0.2.50'), 200);
    expectStatus(await lookupSelf(hops, '127.0.0.1', ['10.1.2.3', '192.0.2.50']), 200);
    // A client that prepends its own claim does not move the entry read: it is still one from the right.
    expectStatus(await lookupSelf(hops, '127.0.0.1', '10.1.2.3, 192.0.2.60, 192.0.2.50'), 403);
  });

  it('answers 400 when hop_skips would skip past the start of the chain', async () => {
    expectStatus(await lookupSelf(hops, '127.0.0.1', '10.1.2.3'), 400, /hops to skip \(1\) would skip before earliest chain link \(chain length 1\)/);
  });

  it('answers 400 when the entry it would use is not a plain IP address', async () => {
    for (const garbage of ['not-an-ip', '10.1.2.3:443', '[::1]', '010.1.2.3', '127.1', '0x7f.0.0.1', 'fe80::1%eth0', '10.1.2.3,', '10.1.2.3, ,', "10.1.2.3' OR 1=1"]) {
      const res = await lookupSelf(strict, '127.0.0.1', garbage);
      expectStatus(res, 400, /^malformed x-forwarded-for header: .* is not an IP address$/);
    }
  });

  it('does not read the entries left of the one it uses (they are the client\'s own words)', async () => {
    expectStatus(await lookupSelf(strict, '127.0.0.1', 'garbage!, 10.1.2.3'), 200);
  });

  it('refuses with 400 a request from the trusted proxy without X-Forwarded-For (reject_not_present, the default)', async () => {
    expectStatus(await lookupSelf(strict, '127.0.0.1'), 400, /^missing x-forwarded-for header and configured to reject when not present$/);
    expectStatus(await lookupSelf(strict, '127.0.0.1', ''), 400, /^missing x-forwarded-for header/);
    expectStatus(await lookupSelf(strict, '127.0.0.1', ' , '), 400, /^malformed x-forwarded-for header/);
  });

  it('refuses a direct client without the header too, as Vault does when reject_not_present is on', async () => {
    expectStatus(await lookupSelf(strict, '127.0.0.2'), 400, /^missing x-forwarded-for header/);
  });

  it('uses the peer address for a request without the header when reject_not_present is false', async () => {
    const path = freshPath();
    await call(lenient, 'GET', path, { token: root, from: '127.0.0.1' });
    assert.deepEqual(await auditedAddresses(auditFile, path), ['127.0.0.1', '127.0.0.1']);
  });

  it('counts an IPv4-mapped IPv6 address in the header as IPv4, and writes it so', async () => {
    expectStatus(await lookupSelf(strict, '127.0.0.1', '::ffff:10.1.2.3'), 200);
    const path = freshPath();
    await call(strict, 'GET', path, { token: root, from: '127.0.0.1', headers: { 'X-Forwarded-For': '::ffff:10.1.2.3' } });
    assert.deepEqual(await auditedAddresses(auditFile, path), ['10.1.2.3', '10.1.2.3']);
  });

  it('trusts an IPv6 proxy on an IPv6 listener and records IPv6 clients in canonical form', async () => {
    expectStatus(await lookupSelf(ipv6, '::1', '10.1.2.3'), 200);
    const path = freshPath();
    await call(ipv6, 'GET', path, { token: root, from: '::1', headers: { 'X-Forwarded-For': '2001:DB8:0:0::5' } });
    assert.deepEqual(await auditedAddresses(auditFile, path), ['2001:db8::5', '2001:db8::5']);
    expectStatus(await call(ipv6, 'GET', 'auth/token/lookup-self', { token: root, from: '::1' }), 400, /^missing x-forwarded-for header/);
  });
});

describe('resolveClientAddress never believes an untrusted peer', () => {
  const untrustedPeers = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant(''), fc.string());
  const headerLines = fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string(), fc.constant('10.1.2.3')), { maxLength: 4 });

  it('answers the peer itself or refuses, whatever the header says, under every reject setting', () => {
    fc.assert(
      fc.property(untrustedPeers, headerLines, fc.boolean(), fc.boolean(), fc.nat(3), (peer, lines, rejectNotAuthorized, rejectNotPresent, hopSkips) => {
        // Any peer outside authorized_addrs (IPv4-mapped forms of 10.0.0.1 are inside).
        fc.pre(!addressAllowed(peer, ['10.0.0.1/32']));
        const settings = { authorizedAddrs: ['10.0.0.1/32'], hopSkips, rejectNotAuthorized, rejectNotPresent };
        try {
          assert.equal(resolveClientAddress(peer, lines, settings), peer);
        } catch (err) {
          assert.ok(err instanceof CofferError && err.status === 400, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads no header at all when no trusted proxy is configured', () => {
    fc.assert(
      fc.property(fc.ipV4(), headerLines, (peer, lines) => {
        assert.equal(resolveClientAddress(peer, lines, undefined), peer);
      }),
    );
  });
});
