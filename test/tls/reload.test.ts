import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { poll } from '../harness/poll.js';
import { fingerprintOf, request, startTlsServer, tempDir, TestCa, type CertFiles, type TlsServer } from './fixture.js';

describe('certificate reload on SIGHUP', () => {
  const temp = tempDir('reload');
  let ca: TestCa;
  let live: CertFiles;
  let first: CertFiles;
  let renewed: CertFiles;
  let server: TlsServer;

  /** The certificate a new connection is served, as its SHA-256 fingerprint. */
  const servedFingerprint = async () => (await request(server.address, 'GET', 'sys/health', { ca: ca.cert })).peer.fingerprint256;
  const install = (cert: CertFiles) => {
    copyFileSync(cert.cert, live.cert);
    copyFileSync(cert.key, live.key);
  };

  before(async () => {
    ca = new TestCa(temp.dir, 'reload-ca');
    first = ca.server('first-server');
    renewed = ca.server('renewed-server');
    live = { cert: join(temp.dir, 'live.pem'), key: join(temp.dir, 'live.key') };
    install(first);
    server = await startTlsServer({ dir: temp.dir, serverCert: live, ca: ca.cert });
  });
  after(async () => {
    await server?.stop();
    temp.remove();
  });

  it('serves the certificate it started with', async () => {
    assert.equal(await servedFingerprint(), fingerprintOf(first.cert));
  });

  it('serves new connections the replaced certificate after SIGHUP', async () => {
    install(renewed);
    server.child.kill('SIGHUP');
    const expected = fingerprintOf(renewed.cert);
    await poll('the renewed certificate served', async () => (await servedFingerprint()) === expected, { timeoutMs: 15_000 });
    const answer = await request(server.address, 'GET', 'auth/token/lookup-self', { ca: ca.cert, token: server.rootToken });
    assert.equal(answer.status, 200);
    assert.equal(answer.peer.subject.CN, 'renewed-server');
  });

  it('keeps the current certificate when the new files are broken, and logs why without key material', async () => {
    const before = await servedFingerprint();
    const failuresBefore = countFailures(server.output());
    writeFileSync(live.cert, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
    server.child.kill('SIGHUP');
    await poll('the failed reload logged', () => countFailures(server.output()) > failuresBefore, { timeoutMs: 15_000, detail: server.output });
    assert.equal(await servedFingerprint(), before);
    const keyBody = readFileSync(live.key, 'utf8').split('\n')[1]!;
    assert.ok(!server.output().includes(keyBody), 'the log shows no key material');
    assert.doesNotMatch(server.output(), /PRIVATE KEY/);
  });

  it('keeps the current certificate when the new key does not match the new certificate', async () => {
    const before = await servedFingerprint();
    const failuresBefore = countFailures(server.output());
    copyFileSync(first.cert, live.cert);
    copyFileSync(renewed.key, live.key);
    server.child.kill('SIGHUP');
    await poll('the failed reload logged', () => countFailures(server.output()) > failuresBefore, { timeoutMs: 15_000, detail: server.output });
    assert.equal(await servedFingerprint(), before);
  });

  it('still answers on the listener after the failed reloads', async () => {
    const answer = await request(server.address, 'GET', 'sys/health', { ca: ca.cert });
    assert.equal(answer.status, 200);
  });
});

function countFailures(output: string): number {
  return output.split('\n').filter((line) => line.includes('TLS certificate reload failed')).length;
}
