import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { stopProcess, waitFor } from '../harness/process.js';
import { COFFER_BIN, startServer, type TestServer } from '../harness/server.js';

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
  private child: ChildProcess | undefined;
  private log = '';
  address = '';

  constructor(
    readonly dir: string,
    private readonly env: Record<string, string>,
  ) {}

  static async create(transitAddress: string, token: string): Promise<SealedByTransit> {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-transit-seal-'));
    await writeFile(
      join(dir, 'coffer.hcl'),
      [
        `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}`,
        `listener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}`,
        // The token comes from VAULT_TOKEN, as Vault's transit seal allows.
        `seal "transit" {\n  address = "${transitAddress}"\n  mount_path = "transit/"\n  key_name = "autounseal"\n}`,
      ].join('\n'),
    );
    return new SealedByTransit(dir, { VAULT_TOKEN: token });
  }

  async start(): Promise<void> {
    await this.stop();
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.env };
    delete env.COFFER_LOCAL_MASTER_KEY; // the transit seal alone protects this store
    const child = spawn(process.execPath, [COFFER_BIN, 'server', `-config=${join(this.dir, 'coffer.hcl')}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.log = '';
    child.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.address = await waitFor(child, () => /Api Address: (\S+)/.exec(this.log)?.[1], () => this.log);
  }

  output(): string {
    return this.log;
  }

  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child);
    this.child = undefined;
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

/** Polls until `probe` holds, failing with `what` after the deadline. */
async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
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
    await eventually('the auto-unseal error in the log', async () => sealed.output().includes(`transit KMS at ${transitAddress} unreachable`));
    const read = await api(sealed.address, 'GET', 'secret/data/app', { token: rootToken });
    assert.equal(read.status, 503, read.text);
    assert.equal(sealed.output().includes(SECRET), false);
  });
});
