import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { checkTotp, MAX_FAILED_ATTEMPTS, newTotp, type TotpEntry } from '../../src/auth/userpass/totp.js';
import { totpKey } from '../../src/auth/userpass/user-store.js';
import { StorageView } from '../../src/core/storage-view.js';
import { InmemBackend } from '../../src/storage/inmem.js';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';
import { clockReaches } from '../harness/poll.js';
import { authenticatorFor, enableTotp, enableUserpass, login, uniquePassword, uniqueUser, wrongCode, writeUser } from '../auth/userpass/fixture.js';

// Someone who has a user's password must not be able to try TOTP codes until one fits: like Vault's
// TOTP MFA (max_validation_attempts, default 5), wrong codes are limited per time step.

const PERIOD = 30;
/** The middle of a time step, far from both of its edges, so a test's calls all fall in one step. */
const midStep = (step: number) => (step * PERIOD + PERIOD / 2) * 1000;

async function enrolled(): Promise<{ store: StorageView; entry: TotpEntry }> {
  const store = new StorageView(new InmemBackend(), 'auth/test/');
  const entry = newTotp({ issuer: 'Coffer', accountName: 'alice', algorithm: 'SHA1', digits: 6, period: PERIOD });
  await store.put(totpKey('alice'), entry);
  return { store, entry };
}

function codeAt(entry: TotpEntry, timestamp: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(entry.secret), timestamp, period: PERIOD });
}

function wrongAt(entry: TotpEntry, timestamp: number): string {
  const near = new Set([-1, 0, 1].map((d) => codeAt(entry, timestamp + d * PERIOD * 1000)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

describe('TOTP wrong-code limit (unit)', () => {
  it(`refuses even the right code after ${MAX_FAILED_ATTEMPTS} wrong ones in the same time step`, async () => {
    const { store, entry } = await enrolled();
    const now = midStep(60_000_000);
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) assert.equal(await checkTotp(store, 'alice', wrongAt(entry, now), now), 'rejected');
    assert.equal(await checkTotp(store, 'alice', codeAt(entry, now), now), 'locked');
  });

  it('lets the user in with the next step’s code once the step has passed', async () => {
    const { store, entry } = await enrolled();
    const now = midStep(60_000_000);
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) await checkTotp(store, 'alice', wrongAt(entry, now), now);
    const later = now + PERIOD * 1000;
    assert.equal(await checkTotp(store, 'alice', codeAt(entry, later), later), 'accepted');
  });

  it('counts concurrent wrong codes: 50 at once still leave the right code locked out', async () => {
    const { store, entry } = await enrolled();
    const now = midStep(60_000_000);
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => checkTotp(store, 'alice', wrongAt(entry, now), now)));
    assert.ok(!outcomes.includes('accepted'));
    assert.equal(await checkTotp(store, 'alice', codeAt(entry, now), now), 'locked');
    const stored = await store.get<TotpEntry>(totpKey('alice'));
    assert.equal(stored?.failedAttempts, MAX_FAILED_ATTEMPTS);
  });

  it('does not count a replayed code as a wrong one', async () => {
    const { store, entry } = await enrolled();
    const now = midStep(60_000_000);
    assert.equal(await checkTotp(store, 'alice', codeAt(entry, now), now), 'accepted');
    for (let i = 0; i < MAX_FAILED_ATTEMPTS + 2; i++) assert.equal(await checkTotp(store, 'alice', codeAt(entry, now), now), 'rejected');
    const stored = await store.get<TotpEntry>(totpKey('alice'));
    assert.equal(stored?.failedAttempts, undefined);
  });
});

describe('TOTP wrong-code limit (login over HTTP)', () => {
  let server: InProcessServer;
  let root: string;

  before(async () => {
    root = `root-${randomBytes(16).toString('hex')}`;
    server = await startInProcessServer(root);
    await enableUserpass(server.address, root);
  });
  after(async () => {
    await server?.destroy();
  });

  it('answers 400 "maximum TOTP validation attempts exceeded" to the right code after too many wrong ones', async () => {
    const name = uniqueUser('guessed');
    const password = uniquePassword();
    await writeUser(server.address, root, name, { password });
    // A long period keeps every login of this test inside one time step (the server counts per step).
    const totp = authenticatorFor(await enableTotp(server.address, root, name, { period: 3600 }));
    // Within 10 s of the step's end, wait for the next step (the limit starts afresh at each step).
    const stepOf = () => Math.floor(Date.now() / 1000 / totp.period);
    const nextStepAt = (stepOf() + 1) * totp.period * 1000;
    // Time itself must pass here: a new step is a clock condition, not server state.
    if (nextStepAt - Date.now() < 10_000) await clockReaches(nextStepAt, 'the next TOTP step');
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
      const res = await login(server.address, name, { password, totp: wrongCode(totp) });
      assert.equal(res.status, 400, res.text);
      assert.match(res.text, /invalid username, password or TOTP code/);
    }
    const res = await login(server.address, name, { password, totp: totp.generate() });
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /maximum TOTP validation attempts exceeded/);
  });
});
