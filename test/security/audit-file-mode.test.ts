import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { startInProcessServer, type InProcessServer } from '../harness/in-process.js';

// As Vault: a file audit device never writes an executable file. With `prefix` an operator picks
// the first bytes of every line, so an executable audit log would be a script of their making.

describe('file audit device and executable files', () => {
  let server: InProcessServer;
  let root: string;

  before(async () => {
    root = `root-${randomBytes(16).toString('hex')}`;
    server = await startInProcessServer(root);
  });
  after(async () => {
    await server?.destroy();
  });

  const enable = (path: string, options: Record<string, string>) => api(server.address, 'PUT', `sys/audit/${path}`, { token: root, body: { type: 'file', options } });
  const exists = (file: string) => stat(file).then(() => true, () => false);

  for (const mode of ['0755', '0700', '0744', '0601', '777']) {
    it(`refuses mode ${mode} with 400, creating no file and no device`, async () => {
      const file = join(server.dir, `exec-${mode}.sh`);
      const res = await enable(`exec${mode}`, { file_path: file, mode, prefix: '#!/bin/sh\n' });
      assert.equal(res.status, 400, res.text);
      assert.match(res.text, /executable/);
      assert.equal(await exists(file), false);
      const list = await api<{ data: Record<string, unknown> }>(server.address, 'GET', 'sys/audit', { token: root });
      assert.equal(list.body.data[`exec${mode}/`], undefined);
    });
  }

  it('refuses mode 0000 (keep the mode) on an existing executable file, and leaves it as it was', async () => {
    const file = join(server.dir, 'existing.sh');
    await writeFile(file, '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const res = await enable('existing', { file_path: file, mode: '0000' });
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /executable/);
    assert.equal(await readFile(file, 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal((await stat(file)).mode & 0o777, 0o755);
  });

  it('still enables a device with a non-executable mode (0640) or 0000 on a plain file', async () => {
    const moded = join(server.dir, 'moded.log');
    const res = await enable('moded', { file_path: moded, mode: '0640' });
    assert.equal(res.status, 204, res.text);
    assert.equal((await stat(moded)).mode & 0o777, 0o640);

    const kept = join(server.dir, 'kept.log');
    await writeFile(kept, '', { mode: 0o644 });
    const keptRes = await enable('kept', { file_path: kept, mode: '0000' });
    assert.equal(keptRes.status, 204, keptRes.text);
    assert.equal((await stat(kept)).mode & 0o777, 0o644);
  });
});
