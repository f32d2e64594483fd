import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { poll } from '../harness/poll.js';
import { exited, startHaCluster, type CofferNode, type HaCluster } from '../ha/fixture.js';
import { call, clientIdOf, expectStatus, identityToken, kidOf, workload } from './oidc-fixture.js';

// Identity tokens on an HA cluster (etcd, three nodes): standbys forward every identity/oidc
// request to the active node, which alone rotates keys; when it dies, the node that takes over
// signs with the same keys, verifies what was issued before, and keeps rotating them.

const ISSUER_BASE = 'http://coffer-ha.example.test:8200';
const ISSUER = `${ISSUER_BASE}/v1/identity/oidc`;

describe('identity tokens on an HA cluster', () => {
  let cluster: HaCluster;
  let standby: CofferNode;
  let app: string;
  let clientId: string;

  const verifyAt = (node: CofferNode, jwt: string) => jwtVerify(jwt, createRemoteJWKSet(new URL(`${node.address}/v1/identity/oidc/.well-known/keys`)), { issuer: ISSUER, audience: clientId });

  before(async () => {
    cluster = await startHaCluster({ name: 'oidc-ha', mountKv: false, env: { COFFER_OIDC_MIN_ROTATION_PERIOD_SECONDS: '1' } });
    const active = await cluster.settledActive();
    standby = cluster.running().find((n) => n !== active)!;
    const root = (method: string, path: string, body?: unknown) => call(standby.address, cluster.rootToken, method, path, body);
    // One issuer for every node: each has its own api_addr.
    expectStatus(await root('POST', 'identity/oidc/config', { issuer: ISSUER_BASE }), 200, 'issuer');
    // A key that keeps its signing key for the whole test, and one that rotates every 2 seconds.
    expectStatus(await root('POST', 'identity/oidc/key/ha-stable', { allowed_client_ids: '*', rotation_period: '1h', verification_ttl: '1h' }), 204, 'stable key');
    expectStatus(await root('POST', 'identity/oidc/key/ha-rotating', { allowed_client_ids: '*', rotation_period: '2s', verification_ttl: '20s' }), 204, 'rotating key');
    for (const name of ['ha-stable', 'ha-rotating']) {
      expectStatus(await root('POST', `identity/oidc/role/${name}`, { key: name, ttl: '20s', client_id: 'ha-workloads' }), 204, `role ${name}`);
    }
    clientId = await clientIdOf(standby.address, cluster.rootToken, 'ha-stable');
    app = (await workload(standby.address, cluster.rootToken, 'ha-app')).token;
  });
  after(async () => cluster?.stop());

  it('serves tokens and the key set through a standby; the node taking over from a dead active node verifies earlier tokens, signs with the same key, and keeps rotating', async () => {
    const before = (await identityToken(standby.address, app, 'ha-stable')).token;
    await verifyAt(standby, before);

    const active = await cluster.settledActive();
    active.child.kill('SIGKILL');
    await exited(active.child);
    const next = await cluster.settledActive(15_000, active);
    const survivor = cluster.running().find((n) => n !== next) ?? next;

    await verifyAt(survivor, before);
    const after = (await identityToken(survivor.address, app, 'ha-stable')).token;
    assert.equal(kidOf(after), kidOf(before), 'the same signing key');

    const seen = new Set([kidOf((await identityToken(survivor.address, app, 'ha-rotating')).token)]);
    const rotated = await poll(
      'a token signed by a key the new active node rotated in',
      async () => {
        const { token } = await identityToken(survivor.address, app, 'ha-rotating');
        return !seen.has(kidOf(token)) && token;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    assert.equal((await verifyAt(survivor, rotated)).payload.aud, clientId);
  });
});
