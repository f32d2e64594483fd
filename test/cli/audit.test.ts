import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { startServer, type TestServer } from '../harness/server.js';
import { cleanEnv, runCli, succeeded, type CliRun } from '../harness/cli.js';
import { EXIT_USAGE } from '../../src/cli/exit-codes.js';

// `coffer audit enable|disable|list|verify`, run as bin/coffer.js subprocesses against a real dev
// server with real file audit devices. The verify tests tamper with copies of a log the server wrote.

/** verify exits 1 (a local error, as Vault counts them) when the chain is broken. */
const EXIT_BROKEN = 1;

interface VerifyReport {
  ok: boolean;
  lines: number;
  files: { file: string; lines: number }[];
  anchor?: { file: string; line: number; prev_hash: string };
  last_hash?: string;
  problem?: { file: string; line: number; kind: string; description: string; message: string };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The lines of a log as written (the file ends with a newline, so the last split piece is dropped). */
function linesOf(text: string): string[] {
  assert.ok(text.endsWith('\n'), 'a device writes whole lines');
  return text.slice(0, -1).split('\n');
}

describe('coffer audit against a real dev server', () => {
  let server: TestServer;
  let dir: string;
  let home: string;
  let mainLog: string;
  let prefixedLog: string;
  const coffer = (args: readonly string[]): Promise<CliRun> =>
    runCli(args, { env: cleanEnv({ HOME: home, COFFER_ADDR: server.address, COFFER_TOKEN: server.rootToken }) });
  const ok = async (args: readonly string[]): Promise<string> => succeeded(await coffer(args), `coffer ${args.join(' ')}`);
  const sysAudit = async () => {
    const res = await api<{ data: Record<string, { type: string; description: string; options: Record<string, string>; local: boolean; path: string }> }>(
      server.address, 'GET', 'sys/audit', { token: server.rootToken },
    );
    assert.equal(res.status, 200, res.text);
    return res.body.data;
  };
  /** Some audited traffic: KV writes and reads, each a request and a response entry per device. */
  const traffic = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const put = await api(server.address, 'PUT', `secret/data/audit-cli/${i}`, { token: server.rootToken, body: { data: { n: String(i) } } });
      assert.equal(put.status, 200, put.text);
      const get = await api(server.address, 'GET', `secret/data/audit-cli/${i}`, { token: server.rootToken });
      assert.equal(get.status, 200, get.text);
    }
  };
  /** Writes lines as a log file in the temp dir (newline-terminated unless told otherwise). */
  let copies = 0;
  const logCopy = async (lines: readonly string[], options: { finalNewline?: boolean; name?: string } = {}) => {
    const file = join(dir, options.name ?? `copy-${++copies}.log`);
    await writeFile(file, lines.join('\n') + (options.finalNewline === false ? '' : '\n'));
    return file;
  };
  const verifyJson = async (files: readonly string[], expectedCode: number): Promise<VerifyReport> => {
    const result = await coffer(['audit', 'verify', '-format=json', ...files]);
    assert.equal(result.code, expectedCode, `verify exited ${result.code}:\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as VerifyReport;
  };

  before(async () => {
    server = await startServer();
    dir = await mkdtemp(join(tmpdir(), 'coffer-cli-audit-'));
    home = dir;
    mainLog = join(dir, 'audit.log');
    prefixedLog = join(dir, 'prefixed.log');
  });
  after(async () => {
    await server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('audit enable / list', () => {
    it('audit enable file file_path=... enables a file device at file/ that records requests', async () => {
      assert.equal(await ok(['audit', 'enable', 'file', `file_path=${mainLog}`]), 'Success! Enabled the file audit device at: file/\n');
      const device = (await sysAudit())['file/'];
      assert.equal(device?.type, 'file');
      assert.deepEqual(device?.options, { file_path: mainLog });
      assert.equal(device?.local, false);
      await traffic(1);
      const entries = linesOf(await readFile(mainLog, 'utf8')).map((l) => JSON.parse(l) as { request?: { path?: string } });
      assert.ok(entries.some((e) => e.request?.path === 'secret/data/audit-cli/0'), 'the KV write is in the log');
    });

    it('audit enable -path -description -local TYPE k=v k=v sends them all', async () => {
      const out = await ok(['audit', 'enable', '-path=prefixed', '-description=with a prefix', '-local', 'file', `file_path=${prefixedLog}`, 'prefix=coffer{audit}: ']);
      assert.equal(out, 'Success! Enabled the file audit device at: prefixed/\n');
      const device = (await sysAudit())['prefixed/'];
      assert.equal(device?.description, 'with a prefix');
      assert.equal(device?.local, true);
      assert.deepEqual(device?.options, { file_path: prefixedLog, prefix: 'coffer{audit}: ' });
      await traffic(1);
      assert.ok((await readFile(prefixedLog, 'utf8')).startsWith('coffer{audit}: {'), 'lines carry the prefix');
    });

    it('audit list prints a Path/Type/Description table of the devices', async () => {
      const lines = (await ok(['audit', 'list'])).trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^Path\s+Type\s+Description$/);
      assert.match(lines[1] ?? '', /^----\s+----\s+-----------$/);
      assert.ok(lines.some((l) => /^file\/\s+file\s+n\/a$/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => /^prefixed\/\s+file\s+with a prefix$/.test(l)), lines.join('\n'));
      assert.equal(lines.length, 4);
    });

    it('audit list -detailed adds Replication and the options as k=v', async () => {
      const lines = (await ok(['audit', 'list', '-detailed'])).trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^Path\s+Type\s+Description\s+Replication\s+Options$/);
      const escaped = mainLog.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.ok(lines.some((l) => new RegExp(`^file/\\s+file\\s+n/a\\s+replicated\\s+file_path=${escaped}$`).test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => /^prefixed\/\s+file\s+with a prefix\s+local\s+file_path=\S+ prefix=coffer\{audit\}:$/.test(l)), lines.join('\n'));
    });

    it('audit list -format=json prints the sys/audit map keyed by path', async () => {
      const printed = JSON.parse(await ok(['audit', 'list', '-format=json'])) as Record<string, unknown>;
      assert.deepEqual(printed, await sysAudit());
    });

    it('audit enable of an unknown device type fails with the server error (exit 2)', async () => {
      const result = await coffer(['audit', 'enable', 'carrier-pigeon']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^Error enabling audit device: .*unknown audit device type/s);
      assert.equal((await sysAudit())['carrier-pigeon/'], undefined);
    });
  });

  describe('audit verify', () => {
    /** A snapshot of the main log after some traffic: every tamper test works on a copy of it. */
    let snapshot: string[];

    before(async () => {
      await traffic(4);
      snapshot = linesOf(await readFile(mainLog, 'utf8'));
      assert.ok(snapshot.length >= 10, `enough lines to tamper with (${snapshot.length})`);
    });

    it('the live log verifies: OK, every line counted, anchored at the device\'s first entry', async () => {
      const result = await coffer(['audit', 'verify', mainLog]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const count = linesOf(await readFile(mainLog, 'utf8')).length;
      assert.match(result.stdout, new RegExp(`^OK: ${count} lines, hash chain intact\n`));
      assert.match(result.stdout, /Anchor: \S+audit\.log:1 prev_hash="" \(the device's first entry\)/);
    });

    it('-format=json answers ok, the line count, the anchor and the hash the next entry will carry', async () => {
      const file = await logCopy(snapshot);
      const report = await verifyJson([file], 0);
      assert.equal(report.ok, true);
      assert.equal(report.lines, snapshot.length);
      assert.deepEqual(report.files, [{ file, lines: snapshot.length }]);
      assert.deepEqual(report.anchor, { file, line: 1, prev_hash: '' });
      assert.equal(report.last_hash, sha256(snapshot.at(-1) as string));
      assert.equal(report.problem, undefined);
    });

    it('a log with a prefix on every line verifies (the prefix is part of each hashed line)', async () => {
      const lines = linesOf(await readFile(prefixedLog, 'utf8'));
      const report = await verifyJson([prefixedLog], 0);
      assert.equal(report.lines, lines.length);
    });

    it('an edit of only the prefix of a middle line breaks the chain at the next line', async () => {
      const lines = linesOf(await readFile(prefixedLog, 'utf8'));
      assert.ok(lines.length >= 4);
      lines[1] = (lines[1] as string).replace(/^coffer\{audit\}: /, 'coffer{AUDIT}: ');
      const report = await verifyJson([await logCopy(lines)], EXIT_BROKEN);
      assert.equal(report.problem?.line, 3);
      assert.equal(report.problem?.kind, 'broken-link');
    });

    it('a deleted line: exit 1, names the line after the gap', async () => {
      const lines = snapshot.filter((_, i) => i !== 4); // line 5 goes
      const file = await logCopy(lines);
      const result = await coffer(['audit', 'verify', file]);
      assert.equal(result.code, EXIT_BROKEN, result.stdout + result.stderr);
      assert.match(
        result.stdout,
        new RegExp(`^FAILED: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: prev_hash does not match line 4 \\(a line was deleted, edited or reordered before line 5\\)\n`),
      );
      assert.match(result.stdout, /4 lines before it chain soundly/);
    });

    it('one field of a middle line edited: exit 1, names the line after the edited one', async () => {
      const lines = [...snapshot];
      const edited = (lines[5] as string).replace(/"time":"[^"]+"/, '"time":"2001-01-01T00:00:00.000Z"');
      assert.notEqual(edited, lines[5], 'the line had a time field to edit');
      lines[5] = edited; // line 6
      const report = await verifyJson([await logCopy(lines)], EXIT_BROKEN);
      assert.equal(report.ok, false);
      assert.equal(report.problem?.line, 7);
      assert.equal(report.problem?.message, 'line 7: prev_hash does not match line 6 (a line was deleted, edited or reordered before line 7)');
      assert.equal(report.lines, 7);
    });

    it('two lines swapped: exit 1, names the first of them', async () => {
      const lines = [...snapshot];
      [lines[3], lines[4]] = [lines[4] as string, lines[3] as string]; // lines 4 and 5
      const report = await verifyJson([await logCopy(lines)], EXIT_BROKEN);
      assert.equal(report.problem?.line, 4);
      assert.equal(report.problem?.kind, 'broken-link');
      assert.match(report.problem?.message ?? '', /^line 4: prev_hash does not match line 3 /);
    });

    it('the last line cut short: exit 1, names the last line as truncated', async () => {
      const lines = [...snapshot];
      const last = lines.at(-1) as string;
      lines[lines.length - 1] = last.slice(0, Math.floor(last.length / 2));
      const report = await verifyJson([await logCopy(lines, { finalNewline: false })], EXIT_BROKEN);
      assert.equal(report.problem?.line, snapshot.length);
      assert.equal(report.problem?.kind, 'truncated');
      assert.match(report.problem?.message ?? '', new RegExp(`^line ${snapshot.length}: truncated`));
    });

    it('a forged line inserted with a valid link to the line before it: exit 1 at the line after the forgery', async () => {
      const lines = [...snapshot];
      const forged = JSON.stringify({
        time: new Date().toISOString(),
        type: 'request',
        request: { operation: 'read', path: 'secret/data/innocent' },
        prev_hash: sha256(lines[3] as string), // links correctly to line 4
      });
      lines.splice(4, 0, forged); // becomes line 5
      const report = await verifyJson([await logCopy(lines)], EXIT_BROKEN);
      assert.equal(report.problem?.line, 6);
      assert.match(report.problem?.message ?? '', /^line 6: prev_hash does not match line 5 /);
    });

    it('a line that is not JSON: exit 1, names it', async () => {
      const lines = [...snapshot];
      lines[2] = 'this is not an audit entry';
      const report = await verifyJson([await logCopy(lines)], EXIT_BROKEN);
      assert.equal(report.problem?.line, 3);
      assert.equal(report.problem?.kind, 'not-json');
      assert.match(report.problem?.message ?? '', /^line 3: not JSON/);
    });

    it('lines longer than a read chunk are hashed whole (a 200 KiB entry in a chain built as a device builds one)', async () => {
      // A chain built here the way a device builds it, with one entry far larger than the 64 KiB the
      // file is read in, so that line reaches the checker in pieces.
      const lines: string[] = [];
      let prev = '';
      for (const size of [10, 200 * 1024, 10]) {
        const line = JSON.stringify({ type: 'request', request: { data: { blob: 'x'.repeat(size) } }, prev_hash: prev });
        lines.push(line);
        prev = sha256(line);
      }
      assert.equal((await verifyJson([await logCopy(lines)], 0)).lines, 3);
      lines[1] = (lines[1] as string).replace('xxxx', 'xxxy');
      assert.equal((await verifyJson([await logCopy(lines)], EXIT_BROKEN)).problem?.line, 3);
    });

    describe('rotated files (the chain runs on from one file to the next)', () => {
      // Rotation closes one file after a whole line and starts the next: splitting a log at a line
      // boundary gives exactly the pair of files a rotation leaves.
      const split = 6;

      it('old and new given oldest first verify as one chain', async () => {
        const older = await logCopy(snapshot.slice(0, split), { name: 'rotated.log.1' });
        const newer = await logCopy(snapshot.slice(split), { name: 'rotated.log' });
        const report = await verifyJson([older, newer], 0);
        assert.equal(report.lines, snapshot.length);
        assert.deepEqual(report.files, [{ file: older, lines: split }, { file: newer, lines: snapshot.length - split }]);
        assert.deepEqual(report.anchor, { file: older, line: 1, prev_hash: '' });
        const text = await ok(['audit', 'verify', older, newer]);
        assert.match(text, new RegExp(`^OK: 2 files, ${snapshot.length} lines, hash chain intact\n`));
      });

      it('the new file alone verifies, anchored at the hash of the old file\'s last line', async () => {
        const newer = await logCopy(snapshot.slice(split));
        const report = await verifyJson([newer], 0);
        assert.equal(report.lines, snapshot.length - split);
        assert.deepEqual(report.anchor, { file: newer, line: 1, prev_hash: sha256(snapshot[split - 1] as string) });
        assert.match(await ok(['audit', 'verify', newer]), /prev_hash="[0-9a-f]{64}" \(links to a line not given here, not checked\)/);
      });

      it('files given newest first: exit 1 at the first line of the older file', async () => {
        const older = await logCopy(snapshot.slice(0, split));
        const newer = await logCopy(snapshot.slice(split));
        const report = await verifyJson([newer, older], EXIT_BROKEN);
        assert.equal(report.problem?.file, older);
        assert.equal(report.problem?.line, 1);
        assert.match(report.problem?.description ?? '', /does not match the last line of .* not given oldest first/);
      });

      it('a file missing from the middle of a rotation: exit 1 at the first line after the gap', async () => {
        const first = await logCopy(snapshot.slice(0, 3));
        const third = await logCopy(snapshot.slice(6));
        const report = await verifyJson([first, third], EXIT_BROKEN);
        assert.equal(report.problem?.file, third);
        assert.equal(report.problem?.line, 1);
        assert.equal(report.lines, 4);
      });
    });
  });

  describe('a real rotation: mv the file, SIGHUP the server', () => {
    let rotating: string;
    let older: string;

    before(async () => {
      rotating = join(dir, 'rotating.log');
      older = join(dir, 'rotating.log.1');
      await ok(['audit', 'enable', '-path=rotating', 'file', `file_path=${rotating}`]);
      await traffic(2);
      await rename(rotating, older);
      process.kill(server.pid, 'SIGHUP');
      // The device reopens its file_path, creating it anew. The file exists a moment before the
      // device writes to it, so wait until a request's response entry is in it before more traffic.
      let probe = 0;
      await poll(
        `the server did not reopen ${rotating} after SIGHUP`,
        async () => {
          await api(server.address, 'GET', `sys/policies/acl/default?probe=${probe++}`, { token: server.rootToken });
          const written = await readFile(rotating, 'utf8').catch(() => '');
          // Only whole lines: the device may be mid-write.
          const whole = written.slice(0, written.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '');
          return whole.some((l) => (JSON.parse(l) as { type?: string }).type === 'response');
        },
        { intervalMs: 20, detail: server.output },
      );
      const marker = await api(server.address, 'PUT', 'secret/data/after-rotation', { token: server.rootToken, body: { data: { n: '1' } } });
      assert.equal(marker.status, 200, marker.text);
      await traffic(2);
    });
    after(async () => {
      await ok(['audit', 'disable', 'rotating']);
    });

    it('the requests made after the rotation are in the new file, not the old one', async () => {
      const paths = async (file: string) =>
        linesOf(await readFile(file, 'utf8')).map((l) => (JSON.parse(l) as { request?: { path?: string } }).request?.path);
      assert.ok((await paths(rotating)).includes('secret/data/after-rotation'), 'in the new file');
      assert.ok(!(await paths(older)).includes('secret/data/after-rotation'), 'not in the old file');
      assert.ok((await paths(older)).includes('secret/data/audit-cli/0'), 'the old file kept the earlier traffic');
    });

    it('old then new verify as one chain', async () => {
      const total = linesOf(await readFile(older, 'utf8')).length + linesOf(await readFile(rotating, 'utf8')).length;
      const report = await verifyJson([older, rotating], 0);
      assert.equal(report.lines, total);
      assert.deepEqual(report.anchor, { file: older, line: 1, prev_hash: '' });
    });

    it('the new file alone verifies and reports its anchor: the hash of the old file\'s last line', async () => {
      const lastOld = linesOf(await readFile(older, 'utf8')).at(-1) as string;
      const report = await verifyJson([rotating], 0);
      assert.deepEqual(report.anchor, { file: rotating, line: 1, prev_hash: sha256(lastOld) });
    });

    it('new then old (the wrong order) is a broken chain', async () => {
      const report = await verifyJson([rotating, older], EXIT_BROKEN);
      assert.equal(report.problem?.file, older);
      assert.equal(report.problem?.line, 1);
    });
  });

  describe('usage errors exit 1', () => {
    const usage = async (args: string[], message: RegExp) => {
      const result = await coffer(args);
      assert.equal(result.code, EXIT_USAGE, `coffer ${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message);
    };

    it('audit verify with no file', () => usage(['audit', 'verify'], /Not enough arguments/));
    it('audit verify of a file that does not exist', () => usage(['audit', 'verify', join(dir, 'nope.log')], /Error reading .*nope\.log: ENOENT/));
    it('audit verify of a directory', () => usage(['audit', 'verify', dir], /not a regular file/));
    it('audit verify -format=xml', () => usage(['audit', 'verify', '-format=xml', mainLog], /Invalid output format: xml/));
    it('audit enable with no type', () => usage(['audit', 'enable'], /Not enough arguments/));
    it('audit enable with an option that is not key=value', () => usage(['audit', 'enable', 'file', 'file_path'], /format must be key=value/));
    it('audit disable with no path', () => usage(['audit', 'disable'], /Not enough arguments/));
    it('audit list with an argument', () => usage(['audit', 'list', 'extra'], /Too many arguments/));
    it('an unknown audit subcommand', () => usage(['audit', 'rotate'], /Unknown subcommand "audit rotate"/));

    it('audit verify -h prints its help, with the known limit, and exits 0', async () => {
      const out = await ok(['audit', 'verify', '-h']);
      assert.match(out, /^Usage: coffer audit verify/);
      assert.match(out, /an edit of the last line[^.]*cannot be detected by the chain alone/);
    });
  });

  describe('audit disable', () => {
    it('audit disable PATH removes the device: sys/audit no longer lists it and its file stops growing', async () => {
      assert.equal(await ok(['audit', 'disable', 'prefixed']), 'Success! Disabled audit device (if it was enabled) at: prefixed/\n');
      const devices = await sysAudit();
      assert.equal(devices['prefixed/'], undefined);
      assert.ok(devices['file/'], 'the other device stays');
      const size = (await stat(prefixedLog)).size;
      await traffic(1);
      assert.equal((await stat(prefixedLog)).size, size);
      await ok(['audit', 'verify', prefixedLog]);
    });

    it('audit disable of a path with no device succeeds, as in Vault', async () => {
      assert.equal(await ok(['audit', 'disable', 'never-enabled/']), 'Success! Disabled audit device (if it was enabled) at: never-enabled/\n');
    });
  });
});
