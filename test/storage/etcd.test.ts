import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { CofferError } from '../../src/framework/errors.js';
import { parseConfig } from '../../src/server/config.js';
import { connectEtcd, EtcdStorage } from '../../src/storage/etcd.js';
import { startEtcdCluster, type EtcdCluster } from '../harness/etcd.js';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { freePort } from '../harness/process.js';
import { runServer, startServer, type TestServer } from '../harness/server.js';
import { TestCa, tempDir } from '../tls/fixture.js';
import { runSnapshotConformance } from '../snapshot/backend-conformance.js';
import { runStorageConformance } from './conformance.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

/** One 3-member cluster for the whole file; every store gets its own prefix in it. */
let clusterStarting: Promise<EtcdCluster> | undefined;
const cluster = () => (clusterStarting ??= startEtcdCluster({ members: 3 }));
let prefixes = 0;
const freshPrefix = () => `/coffer-test-${process.pid}/${++prefixes}/`;
const openStore = async (prefix = freshPrefix(), options = {}) =>
  new EtcdStorage(new Etcd3({ hosts: (await cluster()).endpoints }), prefix, options);

after(async () => {
  if (clusterStarting) await (await clusterStarting).stop();
});

/**
 * A store fenced as an HA active node is (a fence key held under a lease-free key outside its
 * prefix): its reads come from the revision cache.
 */
async function openFencedStore(prefix = freshPrefix()): Promise<EtcdStorage> {
  const store = await openStore(prefix);
  const fenceKey = `${prefix.slice(0, -1)}-fence`;
  await store.client.put(fenceKey).value('leader');
  const held = (await store.client.get(fenceKey).exec()).kvs[0]!;
  store.fenceWith({ key: fenceKey, createRevision: String(held.create_revision), onFenced: () => undefined });
  return store;
}

runStorageConformance('etcd', () => openStore());
runStorageConformance('etcd fenced as the active node (read cache on)', () => openFencedStore());
runSnapshotConformance('etcd', () => openStore());
runSnapshotConformance('etcd fenced as the active node (read cache on)', () => openFencedStore());

describe('etcd storage read cache on the active node', () => {
  before(cluster);

  it('a check-and-set that loses to another writer makes the next read fetch the new value', async () => {
    const prefix = freshPrefix();
    const active = await openFencedStore(prefix);
    const other = await openStore(prefix);
    try {
      await active.put('k', bytes('one'));
      const seen = (await active.get('k'))!;
      await other.put('k', bytes('two'));
      await assert.rejects(active.transaction([{ type: 'put', key: 'k', value: bytes('mine') }], [{ type: 'version', key: 'k', version: seen.version }]), /condition failed on k/);
      const fresh = (await active.get('k'))!;
      assert.equal(text(fresh.value), 'two');
      await active.transaction([{ type: 'put', key: 'k', value: bytes('three') }], [{ type: 'version', key: 'k', version: fresh.version }]);
      assert.equal(text((await other.get('k'))!.value), 'three');
    } finally {
      await active.close();
      await other.close();
    }
  });

  it('turns the cache off when a write fails without an answer, since that write may still land (a Txn made to time out)', async () => {
    const prefix = freshPrefix();
    const active = await openFencedStore(prefix);
    const other = await openStore(prefix);
    try {
      await active.put('k', bytes('one'));
      assert.equal(text((await active.get('k'))!.value), 'one');
      // The client's Txn call fails as a timeout would; the write "lands" afterwards through another client.
      const kv = (active as unknown as { kv: { txn: (...args: unknown[]) => Promise<unknown> } }).kv;
      const realTxn = kv.txn;
      kv.txn = async () => {
        kv.txn = realTxn;
        throw new Error('deadline exceeded');
      };
      await assert.rejects(active.put('k', bytes('two')), /deadline exceeded/);
      await other.put('k', bytes('two'));
      assert.equal(text((await active.get('k'))!.value), 'two');
    } finally {
      await active.close();
      await other.close();
    }
  });

  it('starts empty with each leadership: nothing written meanwhile by another node is served stale', async () => {
    const prefix = freshPrefix();
    const node = await openFencedStore(prefix);
    const other = await openStore(prefix);
    try {
      await node.put('k', bytes('mine'));
      assert.equal(text((await node.get('k'))!.value), 'mine');
      node.fenceWith(undefined);
      await other.put('k', bytes('theirs'));
      assert.equal(text((await node.get('k'))!.value), 'theirs');
      const fenceKey = `${prefix.slice(0, -1)}-fence`;
      const held = (await node.client.get(fenceKey).exec()).kvs[0]!;
      node.fenceWith({ key: fenceKey, createRevision: String(held.create_revision), onFenced: () => undefined });
      assert.equal(text((await node.get('k'))!.value), 'theirs');
    } finally {
      await node.close();
      await other.close();
    }
  });
});

describe('etcd storage', () => {
  before(cluster);

  it('restores a store larger than one etcd Txn, in batches, and its snapshot reads back whole', async () => {
    const store = await openStore(freshPrefix(), { maxTxnOps: 16 });
    try {
      await store.put('stale', bytes('x'));
      const entries = Array.from({ length: 100 }, (_, i) => ({ key: `k/${String(i).padStart(3, '0')}`, value: bytes(`v${i}`) }));
      await store.restore(entries);
      assert.equal(await store.get('stale'), undefined);
      const seen: string[] = [];
      for await (const { key, value } of store.snapshot()) seen.push(`${key}=${text(value)}`);
      assert.deepEqual(seen, entries.map(({ key, value }) => `${key}=${text(value)}`));
    } finally {
      await store.close();
    }
  });

  it('refuses a value over the request limit with a clear error, writing nothing', async () => {
    const store = await openStore();
    try {
      const big = new Uint8Array(2 * 1024 * 1024);
      await assert.rejects(store.put('big', big), (err: unknown) => {
        assert.ok(err instanceof CofferError);
        assert.equal(err.status, 413);
        assert.match(err.message, /^value too large for etcd \(\d+ bytes > 1572864\)$/);
        return true;
      });
      assert.equal(await store.get('big'), undefined);
    } finally {
      await store.close();
    }
  });

  it('refuses a transaction whose values together exceed the limit, applying none of them', async () => {
    const store = await openStore(freshPrefix(), { maxRequestBytes: 100_000 });
    try {
      const half = new Uint8Array(60_000);
      await assert.rejects(
        store.transaction([
          { type: 'put', key: 'a', value: half },
          { type: 'put', key: 'b', value: half },
        ]),
        /value too large for etcd \(\d+ bytes > 100000\)/,
      );
      assert.equal(await store.get('a'), undefined);
      assert.equal(await store.get('b'), undefined);
    } finally {
      await store.close();
    }
  });

  it('refuses a transaction with more operations than etcd takes in one Txn, applying none', async () => {
    const store = await openStore();
    try {
      const ops = Array.from({ length: 129 }, (_, i) => ({ type: 'put' as const, key: `op/${i}`, value: bytes('x') }));
      await assert.rejects(store.transaction(ops), (err: unknown) => err instanceof CofferError && err.status === 400 && /129 operations > 128/.test(err.message));
      assert.deepEqual(await store.list('op/'), []);
    } finally {
      await store.close();
    }
  });

  it('stores a value just under the default limit whole', async () => {
    const store = await openStore();
    try {
      const value = randomBytes(1_400_000);
      await store.put('large', value);
      assert.deepEqual(Buffer.from((await store.get('large'))!.value), value);
    } finally {
      await store.close();
    }
  });

  it('keeps its keys under its prefix, invisible to a store with another prefix', async () => {
    const [left, right] = [await openStore(), await openStore()];
    try {
      await left.put('shared/name', bytes('left'));
      assert.equal(await right.get('shared/name'), undefined);
      assert.deepEqual(await right.list(''), []);
      const raw = new Etcd3({ hosts: (await cluster()).endpoints });
      try {
        assert.equal(await raw.get(`${left.prefix}shared/name`).string(), 'left');
      } finally {
        raw.close();
      }
    } finally {
      await Promise.all([left.close(), right.close()]);
    }
  });

  it('lists a folder holding more keys than one page as one entry', async () => {
    const store = await openStore();
    try {
      for (let start = 0; start < 2400; start += 120) {
        await store.transaction(
          Array.from({ length: 120 }, (_, i) => ({ type: 'put' as const, key: `big/${(start + i) % 3}/${start + i}`, value: bytes('x') })),
        );
      }
      await store.put('big/leaf', bytes('x'));
      assert.deepEqual(await store.list('big/'), ['0/', '1/', '2/', 'leaf']);
    } finally {
      await store.close();
    }
  });

  it('lists more direct children than one page holds', async () => {
    const store = await openStore();
    try {
      const keys = Array.from({ length: 1200 }, (_, i) => `k${String(i).padStart(4, '0')}`);
      for (let start = 0; start < keys.length; start += 120) {
        await store.transaction(keys.slice(start, start + 120).map((key) => ({ type: 'put' as const, key: `many/${key}`, value: bytes('x') })));
      }
      assert.deepEqual(await store.list('many/'), keys);
    } finally {
      await store.close();
    }
  });
});

describe('etcd storage over TLS with client certificates', () => {
  const dir = tempDir('etcd-tls');
  const ca = new TestCa(dir.dir, 'etcd-ca');
  const server = ca.server('etcd-server');
  const coffer = ca.client('coffer');
  let tlsCluster: EtcdCluster;
  before(async () => {
    tlsCluster = await startEtcdCluster({ members: 1, tls: { ...server, ca: ca.cert, probe: coffer } });
  });
  after(async () => {
    await tlsCluster?.stop();
    dir.remove();
  });

  it('stores and reads back through https with tls_ca_file, tls_cert_file and tls_key_file', async () => {
    const store = await connectEtcd({ type: 'etcd', endpoints: tlsCluster.endpoints, prefix: freshPrefix(), tlsCaFile: ca.cert, tlsCertFile: coffer.cert, tlsKeyFile: coffer.key });
    try {
      assert.match(tlsCluster.endpoints[0]!, /^https:/);
      await store.put('k', bytes('over tls'));
      assert.equal(text((await store.get('k'))?.value), 'over tls');
    } finally {
      await store.close();
    }
  });

  it('cannot connect without a client certificate the cluster trusts', async () => {
    await assert.rejects(
      connectEtcd({ type: 'etcd', endpoints: tlsCluster.endpoints, tlsCaFile: ca.cert }, { callTimeoutMs: 3_000 }),
      new RegExp(`^Error: cannot reach etcd at ${tlsCluster.endpoints[0]!.replace(/[.]/g, '\\.')}`),
    );
  });
});

describe('etcd storage with username and password', () => {
  let authCluster: EtcdCluster;
  before(async () => {
    authCluster = await startEtcdCluster({ members: 1 });
    const admin = new Etcd3({ hosts: authCluster.endpoints });
    try {
      await admin.role('root').create();
      await admin.user('root').create('root-password');
      await admin.user('root').addRole('root');
      await admin.auth.authEnable({});
    } finally {
      admin.close();
    }
  });
  after(async () => {
    await authCluster?.stop();
  });

  it('stores and reads back as the configured user', async () => {
    const store = await connectEtcd({ type: 'etcd', endpoints: authCluster.endpoints, prefix: freshPrefix(), username: 'root', password: 'root-password' });
    try {
      await store.put('k', bytes('authenticated'));
      assert.equal(text((await store.get('k'))?.value), 'authenticated');
    } finally {
      await store.close();
    }
  });

  it('cannot connect with a wrong password', async () => {
    await assert.rejects(
      connectEtcd({ type: 'etcd', endpoints: authCluster.endpoints, username: 'root', password: 'wrong' }, { callTimeoutMs: 3_000 }),
      /^Error: cannot reach etcd at .*authentication failed/,
    );
  });
});

describe('storage "etcd" configuration', () => {
  const listener = 'listener "tcp" {\n  tls_disable = true\n}\n';

  it('reads endpoints, prefix, ha_enabled, credentials and TLS files', async () => {
    const config = await parseConfig(
      'c.hcl',
      `storage "etcd" {\n  endpoints = ["https://127.0.0.1:2379", "https://127.0.0.2:2379"]\n  prefix = "/team-a"\n  ha_enabled = "true"\n` +
        `  username = "coffer"\n  password = "pw"\n  tls_ca_file = "/ca.pem"\n  tls_cert_file = "/c.pem"\n  tls_key_file = "/k.pem"\n}\n${listener}api_addr = "https://127.0.0.1:8200"\n`,
    );
    assert.deepEqual(config.storage, {
      type: 'etcd',
      endpoints: ['https://127.0.0.1:2379', 'https://127.0.0.2:2379'],
      prefix: '/team-a/',
      haEnabled: true,
      username: 'coffer',
      password: 'pw',
      tlsCaFile: '/ca.pem',
      tlsCertFile: '/c.pem',
      tlsKeyFile: '/k.pem',
    });
  });

  it('refuses a stanza without endpoints, naming the line', async () => {
    await assert.rejects(parseConfig('c.hcl', `ui = true\nstorage "etcd" {\n  prefix = "/x/"\n}\n${listener}`), /^ConfigError: c\.hcl:2: storage "etcd" needs "endpoints"/);
  });

  it('refuses an endpoint that is not http(s)://host:port', async () => {
    await assert.rejects(parseConfig('c.hcl', `storage "etcd" {\n  endpoints = ["127.0.0.1"]\n}\n${listener}`), /etcd endpoint must be http\(s\):\/\/host:port, got "127\.0\.0\.1"/);
  });
});

describe('coffer server on etcd', () => {
  before(async () => {
    await cluster();
  });

  /** The harness's server on a config with the given storage stanza, not initialized (the test does it). */
  const startCoffer = (storage: string, masterKey: string) => startServer({ config: { storage }, masterKey, initialize: false });

  const running: TestServer[] = [];
  after(async () => {
    await Promise.all(running.map((server) => server.destroy()));
  });

  it('initializes, stores a KV secret, restarts and reads it back from etcd', async () => {
    const { endpoints } = await cluster();
    const prefix = freshPrefix();
    const stanza = `storage "etcd" {\n  endpoints = ${JSON.stringify(endpoints)}\n  prefix = "${prefix}"\n  ha_enabled = false\n}`;
    const masterKey = randomBytes(32).toString('base64');

    const first = await startCoffer(stanza, masterKey);
    running.push(first);
    const { address } = first;
    assert.match(first.output(), /Storage: etcd/);
    const init = await api<{ root_token: string }>(address, 'PUT', 'sys/init', { body: {} });
    assert.equal(init.status, 200, init.text);
    const token = init.body.root_token;
    const mounted = await api(address, 'POST', 'sys/mounts/secret', { token, body: { type: 'kv-v2' } });
    assert.equal(mounted.status, 204, mounted.text);
    const written = await api(address, 'POST', 'secret/data/app', { token, body: { data: { password: 'on-etcd' } } });
    assert.equal(written.status, 200, written.text);
    await first.stop();

    const raw = new Etcd3({ hosts: endpoints });
    try {
      assert.ok((await raw.getAll().prefix(prefix).keys()).length > 0, 'the server wrote its entries under its etcd prefix');
    } finally {
      raw.close();
    }

    const second = await startCoffer(stanza, masterKey);
    running.push(second);
    const again = second.address;
    // Auto-unseal at start may still be running: 503 until it is done.
    const read = await poll(
      'the secret readable after the restart',
      async () => {
        const res = await api<{ data: { data: Record<string, string> } }>(again, 'GET', 'secret/data/app', { token });
        return res.status === 503 ? undefined : res;
      },
      { intervalMs: 50, detail: second.output },
    );
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body.data.data, { password: 'on-etcd' });
    await second.stop();
  });

  it('exits 1 quickly with a clear message when no etcd endpoint answers', async () => {
    const port = await freePort();
    const started = Date.now();
    const coffer = await runServer({ config: { storage: `storage "etcd" {\n  endpoints = ["http://127.0.0.1:${port}"]\n}` }, timeoutMs: 30_000 });
    const output = coffer.stdout + coffer.stderr;
    assert.equal(coffer.code, 1, output);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    assert.match(output, new RegExp(`cannot reach etcd at http://127\\.0\\.0\\.1:${port}`));
  });
});

describe('etcd storage with a member down', () => {
  it('keeps reading and writing with 2 of 3 members after the Raft leader is killed with SIGKILL', async () => {
    const store = await openStore();
    const victim = await (await cluster()).leader();
    try {
      await store.put('before', bytes('written with 3 members'));
      await victim.kill('SIGKILL');
      await store.put('after', bytes('written with 2 members'));
      await store.transaction([{ type: 'put', key: 'cas', value: bytes('v') }], [{ type: 'absent', key: 'cas' }]);
      assert.equal(text((await store.get('before'))?.value), 'written with 3 members');
      assert.equal(text((await store.get('after'))?.value), 'written with 2 members');
      assert.deepEqual(await store.list(''), ['after', 'before', 'cas']);
      assert.notEqual((await (await cluster()).leader()).name, victim.name, 'a surviving member leads');
    } finally {
      await store.close();
      await victim.restart();
    }
  });
});
