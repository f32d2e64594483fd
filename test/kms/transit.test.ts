import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { serverConfig, startServer, type TestServer } from '../harness/server.js';

// Auto-unseal through another Coffer's transit engine: server A (dev) holds the key "autounseal";
// server B is a real non-dev server whose config says seal "transit" { ... } pointing at A.
// The tests run in order over one lifecycle of B: init, restart, A's key rotated, A down.

const SECRET = 'transit-sealed-secret-7f3a';

interface SealStatus {
  sealed: boolean;
  initialized: boolean;
  type: string;
}

/** Server B: a `coffer server -config=...` process with a seal "transit" stanza, over one SQLite file kept across restarts. */
class SealedByTransit {
  private server: TestServer | undefined;
  address = '';

  constructor(
    readonly dir: string,
    private readonly config: string,
    private readonly env: Record<string, string>,
  ) {}

  static async create(transitAddress: string, token: string): Promise<SealedByTransit> {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-transit-seal-'));
    // The token comes from VAULT_TOKEN, as Vault's transit seal allows.
    const config = serverConfig(dir, { seal: `seal "transit" {\n  address = "${transitAddress}"\n  mount_path = "transit/"\n  key_name = "autounseal"\n}` });
    return new SealedByTransit(dir, config, { VAULT_TOKEN: token });
  }

  async start(): Promise<void> {
    await this.stop();
    // No COFFER_LOCAL_MASTER_KEY: the transit seal alone protects this store.
    this.server = await startServer({ dir: this.dir, config: this.config, masterKey: null, env: this.env, initialize: false });
    this.address = this.server.address;
  }

  output(): string {
    return this.server?.output() ?? '';
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }

  async sealStatus(): Promise<SealStatus> {
    const res = await api<SealStatus>(this.address, 'GET', 'sys/seal-status');
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

describe('seal "transit": auto-unseal through another Coffer', () => {
  let transit: TestServer;
  let sealed: SealedByTransit;
  let rootToken = '';

  before(async () => {
    transit = await startServer();
    const root = transit.rootToken;
    assert.equal((await api(transit.address, 'POST', 'sys/mounts/transit', { token: root, body: { type: 'transit' } })).status, 204);
    assert.equal((await api(transit.address, 'POST', 'transit/keys/autounseal', { token: root, body: {} })).status, 200);
    // B gets a token that can only use this key, as Vault's transit seal docs advise.
    const policy = `path "transit/encrypt/autounseal" { capabilities = ["update"] }
path "transit/decrypt/autounseal" { capabilities = ["update"] }
path "transit/rewrap/autounseal" { capabilities = ["update"] }
path "transit/keys/autounseal" { capabilities = ["read"] }`;
    assert.equal((await api(transit.address, 'PUT', 'sys/policies/acl/autounseal', { token: root, body: { policy } })).status, 204);
    const created = await api<{ auth: { client_token: string } }>(transit.address, 'POST', 'auth/token/create', { token: root, body: { policies: ['autounseal'], no_parent: true } });
    assert.equal(created.status, 200, created.text);
    sealed = await SealedByTransit.create(transit.address, created.body.auth.client_token);
    await sealed.start();
  });
  after(async () => {
    await sealed?.destroy();
    await transit?.destroy();
  });

  it('initializes with sys/init, unsealed by the transit seal, and stores a secret', async () => {
    const before = await sealed.sealStatus();
    assert.equal(before.initialized, false);
    const init = await api<{ root_token: string }>(sealed.address, 'PUT', 'sys/init', { body: {} });
    assert.equal(init.status, 200, init.text);
    rootToken = init.body.root_token;
    const status = await sealed.sealStatus();
    assert.equal(status.sealed, false);
    assert.equal(status.type, 'transit');
    assert.equal((await api(sealed.address, 'POST', 'sys/mounts/secret', { token: rootToken, body: { type: 'kv', options: { version: '2' } } })).status, 204);
    const written = await api(sealed.address, 'POST', 'secret/data/app', { token: rootToken, body: { data: { password: SECRET } } });
    assert.equal(written.status, 200, written.text);
    const onDisk = await readFile(join(sealed.dir, 'coffer.db'));
    assert.equal(onDisk.includes(SECRET), false, 'the secret is not in clear on disk');
  });

  it('after a restart, unseals itself through the transit server and reads the secret', async () => {
    await sealed.start();
    assert.equal((await sealed.sealStatus()).sealed, false, sealed.output());
    const read = await api<{ data: { data: { password: string } } }>(sealed.address, 'GET', 'secret/data/app', { token: rootToken });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.data.data.password, SECRET);
  });

  it("still unseals after the transit key is rotated (the root key was wrapped under v1)", async () => {
    const rotated = await api<{ data: { latest_version: number } }>(transit.address, 'POST', 'transit/keys/autounseal/rotate', { token: transit.rootToken, body: {} });
    assert.equal(rotated.body.data.latest_version, 2);
    await sealed.start();
    assert.equal((await sealed.sealStatus()).sealed, false, sealed.output());
    const read = await api<{ data: { data: { password: string } } }>(sealed.address, 'GET', 'secret/data/app', { token: rootToken });
    assert.equal(read.body.data.data.password, SECRET);
    // New KV versions wrap their data keys under the latest transit version, and read back.
    assert.equal((await api(sealed.address, 'POST', 'secret/data/after-rotation', { token: rootToken, body: { data: { v: 'two' } } })).status, 200);
    const after = await api<{ data: { data: { v: string } } }>(sealed.address, 'GET', 'secret/data/after-rotation', { token: rootToken });
    assert.equal(after.body.data.data.v, 'two');
  });

  it('with the transit server down, restarts sealed and says the transit KMS is unreachable', async () => {
    const transitAddress = transit.address;
    await transit.stop();
    const started = Date.now();
    await sealed.start();
    assert.ok(Date.now() - started < 15_000, 'the start does not hang on the unreachable KMS');
    const status = await sealed.sealStatus();
    assert.equal(status.sealed, true);
    assert.equal(status.initialized, true);
    await poll('the auto-unseal error in the log', () => sealed.output().includes(`transit KMS at ${transitAddress} unreachable`), { intervalMs: 50 });
    const read = await api(sealed.address, 'GET', 'secret/data/app', { token: rootToken });
    assert.equal(read.status, 503, read.text);
    assert.equal(sealed.output().includes(SECRET), false);
  });
});
