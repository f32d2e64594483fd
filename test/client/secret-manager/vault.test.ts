import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { CofferApiError, CofferClient } from '../../../src/client/index.js';
import {
  getDefaultSecretManager,
  InvalidSecretKeyError,
  SecretKeyCollisionError,
  VaultSecretManager,
  type SecretManagerLogger,
} from '../../../src/client/secret-manager/index.js';
import { Approle } from '../../auth/approle/fixture.js';
import { api } from '../../harness/http.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { assertNoContent, createToken, writePolicy } from '../../sys/fixture.js';

// VaultSecretManager against a real dev server: keys become KV v2 paths on secret/, the original
// key and the caller's metadata live in custom_metadata, and references are "vault://<key>".

interface KvRead {
  data: { data: Record<string, string>; metadata: { version: number } };
}
interface KvMetadata {
  data: { current_version: number; custom_metadata: Record<string, string> | null };
}

/** A name no other test uses: letters and hex digits, so it is one valid key segment. */
const unique = (base: string) => `${base}${randomBytes(4).toString('hex')}`;

/** Warnings as objects, and a pino logger writing into them (pino's Logger is what callers pass). */
function capturedLogger(): { logger: SecretManagerLogger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }), lines };
}

describe('VaultSecretManager', () => {
  let server: TestServer;
  let root: string;
  let manager: VaultSecretManager;
  const readData = (path: string) => api<KvRead>(server.address, 'GET', `secret/data/${path}`, { token: root });
  const readMetadata = (path: string) => api<KvMetadata>(server.address, 'GET', `secret/metadata/${path}`, { token: root });

  before(async () => {
    server = await startServer();
    root = server.rootToken;
    manager = new VaultSecretManager(new CofferClient({ address: server.address, token: root }));
  });
  after(async () => {
    await server?.destroy();
  });

  it('stores, reads, updates, lists and deletes a secret through its vault:// reference', async () => {
    const app = unique('app');
    const ref = await manager.storeSecret(`${app}.db.password`, 'first');
    assert.equal(ref, `vault://${app}.db.password`);
    assert.equal(await manager.getSecret(ref), 'first');
    assert.equal(await manager.updateSecret(ref, 'second'), true);
    assert.equal(await manager.getSecret(ref), 'second');
    assert.deepEqual(await manager.listSecrets(app), [ref]);
    assert.equal(await manager.deleteSecret(ref), true);
    assert.equal(await manager.getSecret(ref), null);
    assert.equal(await manager.updateSecret(ref, 'third'), false);
    assert.equal(await manager.deleteSecret(ref), false);
    assert.deepEqual(await manager.listSecrets(app), []);
    assert.equal((await readMetadata(`${app}/db/password`)).status, 404, 'delete removes every version');
  });

  it('replaces the value when the same key is stored again', async () => {
    const key = `${unique('again')}.token`;
    const ref = await manager.storeSecret(key, 'one');
    assert.equal(await manager.storeSecret(key, 'two'), ref);
    assert.equal(await manager.getSecret(ref), 'two');
    assert.equal((await readData(key.replace('.', '/'))).body.data.metadata.version, 2);
  });

  it('maps "." and "_" spellings of a key to the same KV v2 path, { value } as data and the key in custom_metadata', async () => {
    const dotted = unique('gh');
    const underscored = unique('gh');
    await manager.storeSecret(`${dotted}.token.user.123`, 'dotted-value');
    await manager.storeSecret(`${underscored}_token_user_123`, 'underscored-value');
    for (const [base, key, value] of [
      [dotted, `${dotted}.token.user.123`, 'dotted-value'],
      [underscored, `${underscored}_token_user_123`, 'underscored-value'],
    ] as const) {
      const data = await readData(`${base}/token/user/123`);
      assert.equal(data.status, 200, data.text);
      assert.deepEqual(data.body.data.data, { value });
      const metadata = await readMetadata(`${base}/token/user/123`);
      assert.deepEqual(metadata.body.data.custom_metadata, { secret_manager_key: key });
    }
    assert.equal(await manager.getSecret(`vault://${dotted}_token_user_123`), 'dotted-value', 'either spelling reads the path');
  });

  it('refuses a second key that maps to a stored key\'s path, and leaves the stored secret as it was', async () => {
    const base = unique('clash');
    await manager.storeSecret(`${base}.a`, 'kept', { owner: 'team-a' });
    await assert.rejects(manager.storeSecret(`${base}_a`, 'intruder'), (err: Error) => {
      assert.ok(err instanceof SecretKeyCollisionError);
      assert.equal(err.message, `key "${base}_a" maps to the same path as the stored key "${base}.a" (secret/data/${base}/a)`);
      return true;
    });
    await assert.rejects(manager.updateSecret(`vault://${base}_a`, 'intruder'), SecretKeyCollisionError);
    await assert.rejects(manager.deleteSecret(`vault://${base}_a`), SecretKeyCollisionError);
    const data = await readData(`${base}/a`);
    assert.deepEqual(data.body.data.data, { value: 'kept' });
    assert.equal(data.body.data.metadata.version, 1);
    assert.deepEqual((await readMetadata(`${base}/a`)).body.data.custom_metadata, { owner: 'team-a', secret_manager_key: `${base}.a` });
  });

  it('lets exactly one of two keys racing for one new path store it (check-and-set 0)', async () => {
    const base = unique('race');
    const keys = [`${base}.x`, `${base}_x`];
    const results = await Promise.allSettled(keys.map((key) => manager.storeSecret(key, `value of ${key}`)));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [keys[i]!] : []));
    assert.equal(won.length, 1, JSON.stringify(results));
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(lost.reason instanceof SecretKeyCollisionError, String(lost.reason));
    assert.deepEqual((await readData(`${base}/x`)).body.data.data, { value: `value of ${won[0]}` });
    assert.equal((await readMetadata(`${base}/x`)).body.data.custom_metadata?.secret_manager_key, won[0]);
  });

  it('keeps metadata as custom_metadata: replaced when given again, kept when left out', async () => {
    const key = `${unique('meta')}.key`;
    const path = key.replace('.', '/');
    const ref = await manager.storeSecret(key, 'v1', { owner: 'payments', rotated: '2024-01-01' });
    assert.deepEqual((await readMetadata(path)).body.data.custom_metadata, { owner: 'payments', rotated: '2024-01-01', secret_manager_key: key });
    await manager.storeSecret(key, 'v2');
    await manager.updateSecret(ref, 'v3');
    assert.deepEqual((await readMetadata(path)).body.data.custom_metadata, { owner: 'payments', rotated: '2024-01-01', secret_manager_key: key });
    await manager.storeSecret(key, 'v4', { owner: 'billing' });
    assert.deepEqual((await readMetadata(path)).body.data.custom_metadata, { owner: 'billing', secret_manager_key: key });
    await assert.rejects(manager.storeSecret(key, 'v5', { secret_manager_key: 'other' }), /must not set "secret_manager_key"/);
    assert.equal(await manager.getSecret(ref), 'v4');
  });

  it('answers null for a missing secret, and null with a warning naming only the scheme for a non-vault reference', async () => {
    const { logger, lines } = capturedLogger();
    const quiet = new VaultSecretManager(manager.client, { logger });
    assert.equal(await quiet.getSecret(`vault://${unique('missing')}.key`), null);
    assert.equal(lines.length, 0);
    const value = `s3cr3t-${randomBytes(8).toString('hex')}`;
    assert.equal(await quiet.getSecret(`env://${value}`), null);
    assert.equal(await quiet.getSecret(value), null);
    assert.equal(await quiet.updateSecret(`https://${value}`, 'x'), false);
    assert.equal(await quiet.deleteSecret(value), false);
    assert.equal(lines.length, 4);
    for (const line of lines) {
      assert.ok(!line.includes(value), `warning leaks the reference: ${line}`);
      assert.match(JSON.parse(line).msg, /not a vault:\/\/ reference/);
    }
    assert.equal(JSON.parse(lines[0]!).scheme, 'env');
    assert.equal(JSON.parse(lines[1]!).scheme, undefined);
  });

  it('throws a 403 for a token without a policy for the path, on every operation', async () => {
    const { token } = await createToken(server.address, root, { policies: ['default'] });
    const denied = new VaultSecretManager(new CofferClient({ address: server.address, token }));
    const ref = await manager.storeSecret(`${unique('locked')}.key`, 'value');
    const is403 = (err: unknown) => err instanceof CofferApiError && err.status === 403;
    await assert.rejects(denied.getSecret(ref), is403);
    await assert.rejects(denied.storeSecret(`${unique('locked')}.other`, 'value'), is403);
    await assert.rejects(denied.updateSecret(ref, 'value'), is403);
    await assert.rejects(denied.deleteSecret(ref), is403);
    await assert.rejects(denied.listSecrets('locked'), is403);
    assert.equal(await manager.getSecret(ref), 'value');
  });

  it('lists the keys as stored, sorted, walking only the folder the prefix names', async () => {
    const base = unique('ls');
    for (const key of [`${base}.b.two`, `${base}_b_one`, `${base}.a`, `${base}.b.three.deep`, `${base}x.c`]) await manager.storeSecret(key, 'v');
    assert.deepEqual(await manager.listSecrets(`${base}.`), [`vault://${base}.a`, `vault://${base}.b.three.deep`, `vault://${base}.b.two`]);
    assert.deepEqual(await manager.listSecrets(`${base}.b.t`), [`vault://${base}.b.three.deep`, `vault://${base}.b.two`]);
    assert.deepEqual(await manager.listSecrets(`${base}_`), [`vault://${base}_b_one`]);
    assert.deepEqual(await manager.listSecrets(base), [
      `vault://${base}.a`,
      `vault://${base}.b.three.deep`,
      `vault://${base}.b.two`,
      `vault://${base}_b_one`,
      `vault://${base}x.c`,
    ]);
    assert.deepEqual(await manager.listSecrets(`${base}.nothing.here`), []);
    const all = await manager.listSecrets();
    assert.ok(all.includes(`vault://${base}.a`) && all.includes(`vault://${base}x.c`));

    // A token that may list and read only under <base>/ can list "<base>.", so the walk started there.
    await writePolicy(server.address, root, base, `path "secret/metadata/${base}/*" { capabilities = ["list", "read"] }`);
    const { token } = await createToken(server.address, root, { policies: [base] });
    const narrow = new VaultSecretManager(new CofferClient({ address: server.address, token }));
    assert.deepEqual(await narrow.listSecrets(`${base}.b.`), [`vault://${base}.b.three.deep`, `vault://${base}.b.two`]);
    await assert.rejects(narrow.listSecrets(base), (err: unknown) => err instanceof CofferApiError && err.status === 403);
  });

  it('lists a KV secret written by something else by its path, and reads it through that reference', async () => {
    const base = unique('foreign');
    const written = await api(server.address, 'PUT', `secret/data/${base}/plain/one`, { token: root, body: { data: { value: 'from-elsewhere' } } });
    assert.equal(written.status, 200, written.text);
    assert.deepEqual(await manager.listSecrets(base), [`vault://${base}/plain/one`]);
    assert.equal(await manager.getSecret(`vault://${base}/plain/one`), 'from-elsewhere');
    await assert.rejects(manager.storeSecret(`${base}.plain.one`, 'x'), SecretKeyCollisionError);
  });

  it('rejects keys that cannot be a path with an InvalidSecretKeyError, before any request', async () => {
    for (const [key, message] of [
      ['', /must not be empty/],
      ['a..b', /must not contain "\.\."/],
      ['a.', /empty segment/],
      ['_a', /empty segment/],
      ['a b', /letters, digits and "-"/],
      ['a:b', /letters, digits and "-"/],
      ['a%2Fb', /letters, digits and "-"/],
    ] as const) {
      await assert.rejects(manager.storeSecret(key, 'v'), (err: Error) => err instanceof InvalidSecretKeyError && message.test(err.message), key);
    }
    await assert.rejects(manager.getSecret('vault://a..b'), InvalidSecretKeyError);
  });

  describe('getDefaultSecretManager with SECRET_MANAGER_TYPE=vault', () => {
    it('logs in with AppRole from VAULT_ROLE_ID and VAULT_SECRET_ID, and close() revokes that token', async () => {
      const base = unique('ar');
      const approle = new Approle(server.address, root);
      await approle.enable();
      const policy = `path "secret/data/${base}/*" { capabilities = ["create", "read", "update"] }\npath "secret/metadata/${base}/*" { capabilities = ["create", "read", "update", "list"] }`;
      await writePolicy(server.address, root, base, policy);
      await approle.writeRole(base, { token_policies: [base] });
      const { role_id, secret_id } = await approle.credentials(base);

      const sm = await getDefaultSecretManager({
        env: { SECRET_MANAGER_TYPE: 'vault', VAULT_ADDR: server.address, VAULT_ROLE_ID: role_id, VAULT_SECRET_ID: secret_id },
      });
      assert.ok(sm instanceof VaultSecretManager);
      const token = sm.client.token!;
      assert.notEqual(token, root);
      const ref = await sm.storeSecret(`${base}.svc.key`, 'approle-value');
      assert.equal(await sm.getSecret(ref), 'approle-value');
      assert.deepEqual(await sm.listSecrets(`${base}.`), [ref]);
      assert.equal((await api(server.address, 'GET', 'auth/token/lookup-self', { token })).status, 200);
      await sm.close();
      assert.equal((await api(server.address, 'GET', 'auth/token/lookup-self', { token })).status, 403);
      await assert.rejects(sm.getSecret(ref), /closed/);
    });

    it('uses VAULT_TOKEN and VAULT_MOUNT ("coffer" too), lets parameters win, and leaves a given token alone on close()', async () => {
      const mount = unique('kv');
      assertNoContent(await api(server.address, 'POST', `sys/mounts/${mount}`, { token: root, body: { type: 'kv', options: { version: '2' } } }), 'mount kv v2');
      const key = `${unique('m')}.k`;
      const fromEnv = await getDefaultSecretManager({ env: { SECRET_MANAGER_TYPE: 'coffer', VAULT_ADDR: server.address, VAULT_TOKEN: root, VAULT_MOUNT: mount } });
      await fromEnv.storeSecret(key, 'on-own-mount');
      const read = await api<KvRead>(server.address, 'GET', `${mount}/data/${key.replace('.', '/')}`, { token: root });
      assert.deepEqual(read.body.data.data, { value: 'on-own-mount' });
      await fromEnv.close();
      assert.equal((await api(server.address, 'GET', 'auth/token/lookup-self', { token: root })).status, 200);

      const overridden = await getDefaultSecretManager({
        env: { SECRET_MANAGER_TYPE: 'vault', VAULT_ADDR: 'http://127.0.0.1:1', VAULT_TOKEN: 'hvs.wrong', VAULT_MOUNT: 'nowhere' },
        vaultAddr: server.address,
        vaultToken: root,
        mount,
      });
      assert.equal(await overridden.getSecret(`vault://${key}`), 'on-own-mount');
    });
  });
});
