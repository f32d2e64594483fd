import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../harness/process.js';
import { request, startTlsServer, tempDir, TestCa, type TlsServer } from './fixture.js';

interface PlainAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: unknown;
}

/** A plain-HTTP request to the second listener; `chunked` sends the body without a Content-Length. */
function plain(address: string, method: string, path: string, body: unknown, options: { token?: string; chunked?: boolean } = {}): Promise<PlainAnswer> {
  const bytes = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(`${address}/v1/${path}`, {
      method,
      agent: false,
      headers: {
        connection: 'close',
        ...(options.token ? { 'x-vault-token': options.token } : {}),
        ...(options.chunked ? {} : { 'content-length': String(bytes.length) }),
      },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: text ? JSON.parse(text) : undefined }));
    });
    if (options.chunked) {
      // Several writes: the body goes out in chunks, so only counting can find its size.
      for (let i = 0; i < bytes.length; i += 256) req.write(bytes.subarray(i, i + 256));
      req.end();
    } else {
      req.end(bytes);
    }
  });
}

describe('request limits per listener', () => {
  const temp = tempDir('limits');
  let ca: TestCa;
  let server: TlsServer;
  /** The second listener: plain HTTP, max_request_duration 10ms, max_request_size 1024. */
  let tight: string;
  const bigSecret = { data: { blob: 'x'.repeat(2048) } };

  const tls = (method: string, path: string, options: { body?: unknown; token?: string | null } = {}) =>
    request(server.address, method, path, { ca: ca.cert, body: options.body, token: options.token === null ? undefined : options.token ?? server.rootToken });

  before(async () => {
    ca = new TestCa(temp.dir, 'limits-ca');
    const port = await freePort();
    tight = `http://127.0.0.1:${port}`;
    server = await startTlsServer({
      dir: temp.dir,
      serverCert: ca.server('limits-server'),
      ca: ca.cert,
      extraListeners: [`listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n  max_request_duration = "10ms"\n  max_request_size = 1024\n}`],
    });
    for (const [path, body] of [
      ['sys/auth/userpass', { type: 'userpass' }],
      ['auth/userpass/users/alice', { password: 'correct horse battery staple', token_policies: ['default'] }],
      ['sys/mounts/secret', { type: 'kv', options: { version: '2' } }],
    ] as const) {
      const answer = await tls('POST', path, { body });
      assert.ok(answer.status < 300, `${path}: ${answer.status} ${answer.text}`);
    }
  });
  after(async () => {
    await server?.stop();
    temp.remove();
  });

  describe('max_request_duration', () => {
    it('answers 503 "context deadline exceeded" to a login that runs longer (scrypt) than the listener allows', async () => {
      const answer = await plain(tight, 'POST', 'auth/userpass/login/alice', { password: 'correct horse battery staple' });
      assert.equal(answer.status, 503);
      assert.deepEqual(answer.json, { errors: ['context deadline exceeded'] });
      assert.equal(answer.headers['cache-control'], 'no-store');
    });

    it('lets the same login through on a listener with the default (90s)', async () => {
      const answer = await tls('POST', 'auth/userpass/login/alice', { body: { password: 'correct horse battery staple' }, token: null });
      assert.equal(answer.status, 200, answer.text);
      assert.ok((answer.json as { auth: { client_token: string } }).auth.client_token);
    });
  });

  describe('max_request_size', () => {
    it('answers 413 to a body larger than the listener\'s max_request_size', async () => {
      const answer = await plain(tight, 'POST', 'secret/data/big', bigSecret, { token: server.rootToken });
      assert.equal(answer.status, 413);
      assert.deepEqual(answer.json, { errors: ['http: request body too large'] });
    });

    it('answers 413 to such a body sent chunked, without a Content-Length', async () => {
      const answer = await plain(tight, 'POST', 'secret/data/big', bigSecret, { token: server.rootToken, chunked: true });
      assert.equal(answer.status, 413);
    });

    it('accepts the same body on a listener with the default limit, and nothing was written by the refused ones', async () => {
      const before = await tls('GET', 'secret/data/big');
      assert.equal(before.status, 404, 'the refused writes left nothing behind');
      const answer = await tls('POST', 'secret/data/big', { body: bigSecret });
      assert.equal(answer.status, 200, answer.text);
    });
  });

  describe('Cache-Control: no-store', () => {
    it('is on a secret read', async () => {
      const answer = await tls('GET', 'secret/data/big');
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['cache-control'], 'no-store');
    });

    it('is on errors: 404, 403, 400', async () => {
      const missing = await tls('GET', 'secret/data/nothing-here');
      const denied = await tls('GET', 'secret/data/big', { token: 'not-a-token' });
      const bad = await tls('POST', 'secret/data/x', { body: 'not an object' });
      assert.deepEqual([missing.status, denied.status, bad.status], [404, 403, 400]);
      for (const answer of [missing, denied, bad]) assert.equal(answer.headers['cache-control'], 'no-store');
    });

    it('is on an empty 204 answer', async () => {
      const answer = await tls('DELETE', 'secret/metadata/big');
      assert.equal(answer.status, 204);
      assert.equal(answer.headers['cache-control'], 'no-store');
    });

    it('is on the raw Prometheus text of sys/metrics', async () => {
      const answer = await request(server.address, 'GET', 'sys/metrics?format=prometheus', { ca: ca.cert, token: server.rootToken });
      assert.equal(answer.status, 200, answer.text);
      assert.match(String(answer.headers['content-type']), /^text\/plain/);
      assert.equal(answer.headers['cache-control'], 'no-store');
    });
  });
});
