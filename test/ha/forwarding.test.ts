import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { api } from '../harness/http.js';
import { closingApi, closingRequest } from '../sys/fixture.js';
import { startHaCluster, type CofferNode, type HaCluster } from './fixture.js';

// Issue 7: a standby forwards a request with the client's own address (audit, bound CIDRs), or
// answers 307 to the active node when the client asks (X-Vault-No-Request-Forwarding) or the
// active node takes no forwarded requests (disable_clustering). 3 etcd members + Coffer nodes.

interface AuditLine {
  type: string;
  request?: { path?: string; remote_address?: string };
}

describe('HA forwarding keeps the client', () => {
  let cluster: HaCluster;
  let active: CofferNode;
  let standby: CofferNode;
  let dir: string;
  let token: string;

  before(async () => {
    cluster = await startHaCluster({ name: 'ha-forwarding' });
    token = cluster.rootToken;
    active = await cluster.settledActive();
    standby = cluster.running().find((n) => n !== active)!;
    dir = await mkdtemp(join(tmpdir(), 'coffer-ha-forwarding-'));
    const written = await api(active.address, 'POST', 'secret/data/fwd', { token, body: { data: { v: 'one' } } });
    assert.equal(written.status, 200, written.text);
  });
  after(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('audits a request made through a standby with the client address, not the standby', async () => {
    const file = join(dir, 'audit.log');
    const enabled = await api(active.address, 'PUT', 'sys/audit/file', { token, body: { type: 'file', options: { file_path: file } } });
    assert.equal(enabled.status, 204, enabled.text);
    try {
      const read = await closingApi<{ data: { data: { v: string } } }>(standby.address, 'GET', 'secret/data/fwd', { token, localAddress: '127.0.0.2' });
      assert.equal(read.status, 200, read.text);
      assert.equal(read.body.data.data.v, 'one');
      const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as AuditLine);
      const entries = lines.filter((line) => line.request?.path === 'secret/data/fwd');
      assert.deepEqual(entries.map((e) => [e.type, e.request?.remote_address]), [['request', '127.0.0.2'], ['response', '127.0.0.2']]);
    } finally {
      await api(active.address, 'DELETE', 'sys/audit/file', { token });
    }
  });

  it('checks a token bound to a CIDR against the client address, through a standby as directly', async () => {
    const role = await api(active.address, 'POST', 'auth/token/roles/bound', { token, body: { allowed_policies: ['default'], token_bound_cidrs: ['127.0.0.2/32'] } });
    assert.equal(role.status, 204, role.text);
    const created = await api<{ auth: { client_token: string } }>(active.address, 'POST', 'auth/token/create/bound', { token, body: { policies: ['default'] } });
    assert.equal(created.status, 200, created.text);
    const bound = created.body.auth.client_token;
    for (const node of [standby, active]) {
      const inside = await closingApi(node.address, 'GET', 'auth/token/lookup-self', { token: bound, localAddress: '127.0.0.2' });
      assert.equal(inside.status, 200, `${node === active ? 'active' : 'standby'} from 127.0.0.2: ${inside.text}`);
      const outside = await closingApi(node.address, 'GET', 'auth/token/lookup-self', { token: bound, localAddress: '127.0.0.3' });
      assertErrorAnswer(outside, 403);
    }
  });

  it('refuses forwarding headers a client writes itself, and changes nothing', async () => {
    const forged = {
      'x-coffer-forwarded-client': `address=10.0.0.1; time=${Date.now()}`,
      'x-coffer-forwarded-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    };
    const atActive = await closingApi(active.address, 'POST', 'secret/data/fwd', { token, body: { data: { v: 'forged' } }, headers: forged });
    assertErrorAnswer(atActive, 400, /invalid forwarded request/);
    // A standby never forwards a request that already carries them (no loops, no laundering).
    const atStandby = await closingApi(standby.address, 'POST', 'secret/data/fwd', { token, body: { data: { v: 'forged' } }, headers: forged });
    assertErrorAnswer(atStandby, 503);
    const read = await api<{ data: { data: { v: string } } }>(active.address, 'GET', 'secret/data/fwd', { token });
    assert.equal(read.body.data.data.v, 'one');
  });

  it('answers 307 to the active node for a client that sends X-Vault-No-Request-Forwarding', async () => {
    const path = 'secret/data/fwd?version=1';
    const redirected = await closingRequest(standby.address, 'POST', path, { token, body: { data: { v: 'not-forwarded' } }, headers: { 'X-Vault-No-Request-Forwarding': 'true' } });
    assert.equal(redirected.status, 307, redirected.text);
    assert.equal(redirected.headers.get('location'), `${active.address}/v1/${path}`);
    assert.equal((await api<{ data: { data: { v: string } } }>(active.address, 'GET', 'secret/data/fwd', { token })).body.data.data.v, 'one');
    // A client that follows the redirect (fetch re-sends method and body on 307) writes on the active node.
    const followed = await fetch(`${standby.address}/v1/secret/data/fwd`, {
      method: 'POST',
      headers: { 'X-Vault-Token': token, 'X-Vault-No-Request-Forwarding': '1' },
      body: JSON.stringify({ data: { v: 'two' } }),
    });
    assert.equal(followed.status, 200, await followed.text());
    assert.equal((await api<{ data: { data: { v: string } } }>(active.address, 'GET', 'secret/data/fwd', { token })).body.data.data.v, 'two');
  });

  it('a node taking over writes under the keyring term the former active node rotated to', async () => {
    const rotated = await api(active.address, 'PUT', 'sys/rotate', { token });
    assert.equal(rotated.status, 204, rotated.text);
    const term = (await api<{ term: number }>(active.address, 'GET', 'sys/key-status', { token })).body.term;
    const stepped = await api(active.address, 'PUT', 'sys/step-down', { token });
    assert.equal(stepped.status, 204, stepped.text);
    const next = await cluster.settledActive(10_000, active);
    const status = await api<{ term: number }>(next.address, 'GET', 'sys/key-status', { token });
    assert.equal(status.body.term, term, status.text);
  });
});

describe('HA with disable_clustering: standbys redirect', () => {
  let cluster: HaCluster;

  before(async () => {
    cluster = await startHaCluster({ name: 'ha-redirect', nodes: 2, extraConfig: 'disable_clustering = true\n' });
  });
  after(async () => cluster?.stop());

  it('a standby answers 307 to the active node, and still answers its own status', async () => {
    const active = await cluster.settledActive();
    const standby = cluster.running().find((n) => n !== active)!;
    const token = cluster.rootToken;
    const written = await api(active.address, 'POST', 'secret/data/r', { token, body: { data: { v: 'x' } } });
    assert.equal(written.status, 200, written.text);

    const redirected = await closingApi(standby.address, 'GET', 'secret/data/r', { token });
    assert.equal(redirected.status, 307, redirected.text);
    assert.equal(redirected.headers.get('location'), `${active.address}/v1/secret/data/r`);
    assert.equal((await closingApi(standby.address, 'GET', 'sys/health')).status, 429);
    const followed = await fetch(`${standby.address}/v1/secret/data/r`, { headers: { 'X-Vault-Token': token } });
    assert.equal(followed.status, 200);
    assert.equal(((await followed.json()) as { data: { data: { v: string } } }).data.data.v, 'x');
  });
});
