import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CofferError } from '../../src/framework/errors.js';
import { FORWARDED_CLIENT_HEADER, FORWARDED_SIGNATURE_HEADER, forwardedClientHeaders, verifiedForwardedClient } from '../../src/http/forwarded-client.js';

// The signed client address a standby adds to a request it forwards (HA). Through real nodes in
// test/ha/forwarding.test.ts; here, what the active node accepts and refuses.

const key = randomBytes(32);
const now = 1_800_000_000_000;
const URL_ = '/v1/secret/data/app?version=2';

function refusedWith400(fn: () => unknown) {
  assert.throws(fn, (err: unknown) => err instanceof CofferError && err.status === 400 && /invalid forwarded request/.test(err.errors[0]!));
}

describe('forwarded client address', () => {
  it('a request without the headers is not forwarded', () => {
    assert.equal(verifiedForwardedClient(() => key, { host: 'x' }, 'GET', URL_, now), undefined);
  });

  it('the active node reads back the address and port the standby signed', () => {
    const headers = forwardedClientHeaders(key, { address: '10.1.2.3', port: 50123 }, 'GET', URL_, now);
    assert.deepEqual(verifiedForwardedClient(() => key, headers, 'GET', URL_, now + 1_000), { address: '10.1.2.3', port: 50123 });
    const viaProxy = forwardedClientHeaders(key, { address: '2001:db8::7' }, 'POST', URL_, now);
    assert.deepEqual(verifiedForwardedClient(() => key, viaProxy, 'POST', URL_, now), { address: '2001:db8::7' });
  });

  it('refuses a changed address, path, method, or a key of another cluster', () => {
    const headers = forwardedClientHeaders(key, { address: '10.1.2.3', port: 1 }, 'GET', URL_, now);
    const spoofed = { ...headers, [FORWARDED_CLIENT_HEADER]: headers[FORWARDED_CLIENT_HEADER]!.replace('10.1.2.3', '10.9.9.9') };
    refusedWith400(() => verifiedForwardedClient(() => key, spoofed, 'GET', URL_, now));
    refusedWith400(() => verifiedForwardedClient(() => key, headers, 'GET', '/v1/secret/data/other', now));
    refusedWith400(() => verifiedForwardedClient(() => key, headers, 'DELETE', URL_, now));
    refusedWith400(() => verifiedForwardedClient(() => randomBytes(32), headers, 'GET', URL_, now));
  });

  it('refuses a stamp older (or newer) than a minute: a captured request cannot be replayed later', () => {
    const headers = forwardedClientHeaders(key, { address: '10.1.2.3' }, 'GET', URL_, now);
    refusedWith400(() => verifiedForwardedClient(() => key, headers, 'GET', URL_, now + 61_000));
    refusedWith400(() => verifiedForwardedClient(() => key, headers, 'GET', URL_, now - 61_000));
  });

  it('refuses a client that writes the headers itself', () => {
    refusedWith400(() => verifiedForwardedClient(() => key, { [FORWARDED_CLIENT_HEADER]: `address=10.0.0.1; time=${now}` }, 'GET', URL_, now));
    refusedWith400(() => verifiedForwardedClient(() => key, { [FORWARDED_SIGNATURE_HEADER]: 'x' }, 'GET', URL_, now));
    refusedWith400(() =>
      verifiedForwardedClient(() => key, { [FORWARDED_CLIENT_HEADER]: `address=10.0.0.1; time=${now}`, [FORWARDED_SIGNATURE_HEADER]: randomBytes(32).toString('base64url') }, 'GET', URL_, now),
    );
  });

  it('refuses a signed stamp that does not name an IP address', () => {
    const headers = forwardedClientHeaders(key, { address: 'not-an-address' }, 'GET', URL_, now);
    refusedWith400(() => verifiedForwardedClient(() => key, headers, 'GET', URL_, now));
  });
});
