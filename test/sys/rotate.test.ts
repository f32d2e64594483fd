import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pino from 'pino';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { api } from '../harness/http.js';

// Barrier keyring rotation (issue 6; Vault's sys/rotate and sys/key-status): a new term for new
// writes, older terms still read, across a restart.

interface KeyStatus {
  term: number;
  install_time: string;
  data: { term: number; install_time: string };
}

/** The key term in the header of a stored entry (format byte, then u32 big-endian term). */
function termOf(dbFile: string, key: string): number {
  const db = new Database(dbFile, { readonly: true });
  try {
    const row = db.prepare('SELECT value FROM entries WHERE key = ?').get(key) as { value: Buffer } | undefined;
    if (!row) throw new Error(`no stored entry ${key}`);
    return row.value.readUInt32BE(1);
  } finally {
    db.close();
  }
}

describe('sys/rotate and sys/key-status', () => {
  let dir: string;
  let keyFile: string;
  let server: RunningServer;
  const token = `root-${randomBytes(8).toString('hex')}`;
  const start = () =>
    startServer({
      config: { storage: { type: 'sqlite', path: join(dir, 'coffer.db') }, listeners: [{ address: '127.0.0.1:0', tlsDisable: true }], seal: { type: 'local', keyFile }, ui: false },
      logger: pino({ level: 'silent' }),
    });
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, as = token) => api<T>(server.addresses[0]!, method, path, { token: as, body });
  const versionEntry = (path: string, version: number) => `logical/${server.core.mounts.get('secret/')!.uuid}/versions/${path}/${version}`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-rotate-'));
    keyFile = join(dir, 'root.key');
    await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
    server = await start();
    await server.core.initializeStore({ rootTokenId: token });
    assert.equal((await call('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } })).status, 204);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('key-status answers term 1 and its install time on a new store, at the top level and in data', async () => {
    const resp = await call<KeyStatus>('GET', 'sys/key-status');
    assert.equal(resp.status, 200, resp.text);
    assert.equal(resp.body.term, 1);
    assert.ok(Math.abs(Date.parse(resp.body.install_time) - Date.now()) < 60_000, resp.body.install_time);
    assert.deepEqual(resp.body.data, { term: 1, install_time: resp.body.install_time });
  });

  it('refuses sys/rotate to a token with update but without sudo', async () => {
    const policy = { policy: 'path "sys/rotate" { capabilities = ["update"] }' };
    assert.equal((await call('PUT', 'sys/policies/acl/rotate-nosudo', policy)).status, 204);
    const created = await call<{ auth: { client_token: string } }>('POST', 'auth/token/create', { policies: ['rotate-nosudo'] });
    const resp = await call('POST', 'sys/rotate', undefined, created.body.auth.client_token);
    assert.equal(resp.status, 403, resp.text);
    assert.equal((await call<KeyStatus>('GET', 'sys/key-status')).body.term, 1);
  });

  it('rotate adds a term: new writes use it, data written under the old term still reads, and both survive a restart', async () => {
    assert.equal((await call('POST', 'secret/data/rot/app', { data: { v: 'before' } })).status, 200);
    const installedBefore = (await call<KeyStatus>('GET', 'sys/key-status')).body.install_time;
    const rotated = await call('POST', 'sys/rotate');
    assert.equal(rotated.status, 204, rotated.text);
    const status = (await call<KeyStatus>('GET', 'sys/key-status')).body;
    assert.equal(status.term, 2);
    assert.ok(Date.parse(status.install_time) >= Date.parse(installedBefore));
    assert.equal((await call('POST', 'secret/data/rot/app', { data: { v: 'after' } })).status, 200);

    const read = async (version: number) => (await call<{ data: { data: { v: string } } }>('GET', `secret/data/rot/app?version=${version}`)).body.data.data.v;
    assert.equal(await read(1), 'before');
    assert.equal(await read(2), 'after');

    const [first, second] = [versionEntry('rot/app', 1), versionEntry('rot/app', 2)];
    await server.close();
    // The server holds SQLite exclusively; look at the file while it is stopped.
    const dbFile = join(dir, 'coffer.db');
    assert.equal(termOf(dbFile, first), 1);
    assert.equal(termOf(dbFile, second), 2);
    server = await start();
    assert.equal(server.core.sealed, false);
    assert.equal((await call<KeyStatus>('GET', 'sys/key-status')).body.term, 2);
    assert.equal(await read(1), 'before');
    assert.equal(await read(2), 'after');
  });

  it('a sealed server answers key-status and rotate with 503', async () => {
    await server.core.seal();
    try {
      assert.equal((await call('GET', 'sys/key-status')).status, 503);
      assert.equal((await call('POST', 'sys/rotate')).status, 503);
    } finally {
      await server.core.unseal();
    }
    assert.equal((await call<KeyStatus>('GET', 'sys/key-status')).body.term, 2);
  });
});
