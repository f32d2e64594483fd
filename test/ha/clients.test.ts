import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { HVAC_SCENARIOS, runPython } from '../e2e/python.js';
import { startHaCluster, type CofferNode, type HaCluster } from './fixture.js';

// Issue 7: Vault clients work unchanged against a standby. hvac 0.11.2 (Debian python3-hvac, as in
// test/e2e/hvac.test.ts) and node-vault talk to a standby of a 3-node cluster on etcd.

const hvacScenario = (name: string, address: string, token: string) => runPython([HVAC_SCENARIOS, name], { VAULT_ADDR: address, VAULT_TOKEN: token });

describe('Vault clients against an HA standby', () => {
  let cluster: HaCluster;
  let active: CofferNode;
  let standby: CofferNode;

  before(async () => {
    cluster = await startHaCluster({ name: 'ha-clients' });
    active = await cluster.settledActive();
    standby = cluster.running().find((n) => n !== active)!;
  });
  after(async () => cluster?.stop());

  it('hvac writes, reads, wraps and unwraps through a standby (forwarded)', async () => {
    const run = await hvacScenario('ha_through_standby', standby.address, cluster.rootToken);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const facts = JSON.parse(run.stdout) as { leader_address: string; second_unwrap: string[] };
    assert.equal(facts.leader_address, active.address);
    assert.deepEqual(facts.second_unwrap, ['wrapping token is not valid or does not exist']);
  });

  it('hvac follows the 307 a standby answers to X-Vault-No-Request-Forwarding', async () => {
    const run = await hvacScenario('ha_redirected_by_standby', standby.address, cluster.rootToken);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.deepEqual((JSON.parse(run.stdout) as { statuses: number[] }).statuses, [307, 200, 307, 200]);
  });

  it('node-vault writes, reads and unwraps once through a standby', async () => {
    const vault = nodeVault({ apiVersion: 'v1', endpoint: standby.address, token: cluster.rootToken });
    await vault.write('secret/data/nv-ha', { data: { k: 'node-vault' } });
    const read = (await vault.read('secret/data/nv-ha')) as { data: { data: { k: string } } };
    assert.equal(read.data.data.k, 'node-vault');
    const wrapped = (await vault.read('secret/data/nv-ha', { headers: { 'X-Vault-Wrap-TTL': '5m' } })) as { wrap_info: { token: string } };
    const unwrapped = (await vault.unwrap({ token: wrapped.wrap_info.token })) as { data: { data: { k: string } } };
    assert.equal(unwrapped.data.data.k, 'node-vault');
    await assert.rejects(vault.unwrap({ token: wrapped.wrap_info.token }), (err: { response?: { statusCode: number } }) => err.response?.statusCode === 400);
  });
});
