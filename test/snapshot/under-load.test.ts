import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { startServer, type TestServer } from '../harness/server.js';
import { mountKv, readSecret, restoreOverHttp, saveOverHttp, sealed } from './fixture.js';

const servers: TestServer[] = [];

after(async () => {
  for (const server of servers.reverse()) await server.destroy();
});

test('a snapshot taken under write load holds every write acknowledged before it and none started after it', async () => {
  const masterKey = randomBytes(32).toString('base64');
  const a = await startServer({ dev: false, masterKey });
  servers.push(a);
  const root = a.rootToken;
  await mountKv(a.address, root);

  const ackedBefore: string[] = [];
  const startedAfter: string[] = [];
  let phase: 'before' | 'during' | 'after' = 'before';
  let stop = false;
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const name = `load-${w}-${i}`;
      const startedIn = phase;
      const res = await api(a.address, 'POST', `secret/data/${name}`, { token: root, body: { data: { value: name } } });
      assert.equal(res.status, 200, res.text);
      if (startedIn === 'after') startedAfter.push(name);
      else if (phase === 'before') ackedBefore.push(name);
    }
  };
  const writers = Array.from({ length: 6 }, (_, w) => writer(w));
  // Save once the load has produced some writes.
  await poll('30 writes before the snapshot', () => ackedBefore.length >= 30, { timeoutMs: 20_000, intervalMs: 0 });
  phase = 'during';
  const snapshot = await saveOverHttp(a.address, root, 'sys/storage/snapshot');
  phase = 'after';
  await poll('30 writes after the snapshot', () => startedAfter.length >= 30, { timeoutMs: 20_000, intervalMs: 0 });
  stop = true;
  await Promise.all(writers);

  const c = await startServer({ dev: false, masterKey });
  servers.push(c);
  const res = await restoreOverHttp(c.address, c.rootToken, snapshot);
  assert.equal(res.status, 204, res.text);
  assert.equal(await sealed(c.address), false);
  for (const name of ackedBefore) assert.deepEqual(await readSecret(c.address, root, name), { value: name }, `${name} was acknowledged before the snapshot`);
  for (const name of startedAfter) assert.equal(await readSecret(c.address, root, name), 404, `${name} was written after the snapshot`);
});
