import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { checkTotp, newTotp } from '../../../src/auth/userpass/totp.js';
import { totpKey } from '../../../src/auth/userpass/user-store.js';
import { StorageView } from '../../../src/core/storage-view.js';
import { InmemBackend } from '../../../src/storage/inmem.js';

// The HTTP race test (totp.test.ts) cannot line logins up exactly: each first spends tens of
// milliseconds in scrypt. Here the single-use check runs with nothing in front of it, so all
// the reads happen before any write; only the version-conditioned transaction can stop them
// all from accepting the same code.

describe('TOTP codes are single-use under concurrency', () => {
  it('accepts the same code in exactly one of 50 simultaneous checks', async () => {
    const store = new StorageView(new InmemBackend(), 'auth/test/');
    const entry = newTotp({ issuer: 'Coffer', accountName: 'alice', algorithm: 'SHA1', digits: 6, period: 30 });
    await store.put(totpKey('alice'), entry);
    const now = Date.now();
    const code = TOTP.generate({ secret: Secret.fromBase32(entry.secret), timestamp: now });

    const outcomes = await Promise.all(Array.from({ length: 50 }, () => checkTotp(store, 'alice', code, now)));
    assert.equal(outcomes.filter((o) => o === 'accepted').length, 1, outcomes.join(','));
    assert.equal(outcomes.filter((o) => o === 'rejected').length, 49);
    const stored = await store.get<{ lastUsedStep: number }>(totpKey('alice'));
    assert.equal(stored?.lastUsedStep, TOTP.counter({ period: 30, timestamp: now }));
  });
});
