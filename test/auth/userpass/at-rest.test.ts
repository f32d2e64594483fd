import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { databaseFiles, occurrences } from '../../harness/at-rest-scan.js';
import { startInProcessServer, type InProcessServer } from '../../harness/in-process.js';
import { authenticatorFor, enableTotp, enableUserpass, loginOk, uniqueUser, writeUser } from './fixture.js';

// DESIGN.md §4.1 for userpass: the password never reaches the disk (only a salted scrypt hash,
// itself inside the barrier), and the TOTP seed, which must stay usable, is only ever stored
// encrypted. The SQLite database and its WAL are scanned byte by byte, while the server runs and
// after it closed.

/** RFC 4648 base32 to bytes (the TOTP key as the server answered it). */
function base32Bytes(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '')) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  return Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
}

describe("userpass secrets in the SQLite files of a server", () => {
  let server: InProcessServer;
  let dir: string;
  let closed = false;
  const name = uniqueUser('atrest');
  const password = `atrest-password-${randomBytes(12).toString('hex')}`;
  const changedPassword = `atrest-changed-${randomBytes(12).toString('hex')}`;
  const needles = new Map<string, Buffer>();

  before(async () => {
    const root = `root-${randomBytes(16).toString('hex')}`;
    server = await startInProcessServer(root);
    dir = server.dir;
    await enableUserpass(server.address, root);
    await writeUser(server.address, root, name, { password, token_policies: ['ops'] });
    const enrolment = await enableTotp(server.address, root, name);
    await loginOk(server.address, name, { password, totp: authenticatorFor(enrolment).generate() });
    // A second password, written through the password path, and a second user with the same password.
    await writeUser(server.address, root, `${name}-twin`, { password });
    const changed = await fetch(`${server.address}/v1/auth/userpass/users/${name}-twin/password`, {
      method: 'POST',
      headers: { 'X-Vault-Token': root },
      body: JSON.stringify({ password: changedPassword }),
    });
    assert.equal(changed.status, 204);
    needles.set('password', Buffer.from(password));
    needles.set('changed password', Buffer.from(changedPassword));
    needles.set('TOTP key (base32)', Buffer.from(enrolment.key));
    needles.set('TOTP key (bytes)', base32Bytes(enrolment.key));
  });
  after(async () => {
    if (!closed) await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the scan finds what is stored in the clear (the user name in storage keys), so it sees the files', async () => {
    const files = await databaseFiles(dir);
    assert.ok(files.has('coffer.db'), `no database in ${dir}`);
    assert.ok(occurrences(files, new Map([['user name', Buffer.from(name)]])).length > 0, 'the scan does not see the user name: it is looking at the wrong bytes');
  });

  it('holds no password and no TOTP key while the server runs', async () => {
    assert.deepEqual(occurrences(await databaseFiles(dir), needles), []);
  });

  it('holds no password and no TOTP key after the server closed', async () => {
    await server.close();
    closed = true;
    assert.deepEqual(occurrences(await databaseFiles(dir), needles), []);
  });
});
