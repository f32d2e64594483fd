import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { rewriteRequestLine } from '../../src/http/list-method.js';
import { listen, type Listener } from '../../src/http/listener.js';

interface Echo {
  method: string;
  url: string;
  body: string;
}

/** Sends raw bytes (in the given pieces, one write each) and collects `count` JSON echo answers. */
async function exchange(port: number, pieces: string[], count: number): Promise<Echo[]> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let received = '';
  const done = new Promise<Echo[]>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const bodies = [...received.matchAll(/\r\n\r\n(\{[^\n]*?\})(?=HTTP\/1\.1|$)/g)].map((m) => JSON.parse(m[1]!) as Echo);
      if (bodies.length >= count) resolve(bodies);
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`timed out; received:\n${received}`)), 5_000).unref();
  });
  for (const piece of pieces) {
    socket.write(piece);
    await new Promise((r) => setImmediate(r));
  }
  try {
    return await done;
  } finally {
    socket.destroy();
  }
}

describe('the LIST method (Node refuses unknown methods; the listener translates)', () => {
  let app: FastifyInstance;
  let listener: Listener;
  let port: number;

  before(async () => {
    app = Fastify();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.route({
      method: ['GET', 'POST'],
      url: '/*',
      handler: async (req) => ({ method: req.method, url: req.url, body: typeof req.body === 'string' ? req.body : '' }),
    });
    listener = await listen(app, { host: '127.0.0.1', port: 0 });
    port = Number(new URL(listener.url).port);
  });
  after(async () => {
    await listener.close();
    await app.close();
  });

  it('rewrites a request line LIST <target> to GET <target>?list=true', () => {
    assert.equal(rewriteRequestLine('LIST /v1/secret/metadata/ HTTP/1.1'), 'GET /v1/secret/metadata/?list=true HTTP/1.1');
    assert.equal(rewriteRequestLine('LIST /v1/a?x=1 HTTP/1.1'), 'GET /v1/a?x=1&list=true HTTP/1.1');
    assert.equal(rewriteRequestLine('GET /v1/LIST HTTP/1.1'), 'GET /v1/LIST HTTP/1.1');
    assert.equal(rewriteRequestLine('LISTX /v1/a HTTP/1.1'), 'LISTX /v1/a HTTP/1.1');
  });

  it('serves a LIST request as GET ?list=true', async () => {
    const [echo] = await exchange(port, ['LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: x\r\n\r\n'], 1);
    assert.deepEqual(echo, { method: 'GET', url: '/v1/secret/metadata/?list=true', body: '' });
  });

  it('translates a LIST that arrives one byte at a time', async () => {
    const request = 'LIST /v1/a HTTP/1.1\r\nHost: x\r\n\r\n';
    const [echo] = await exchange(port, [...request], 1);
    assert.equal(echo!.url, '/v1/a?list=true');
  });

  it('leaves a Content-Length body untouched even when it looks like a LIST request', async () => {
    const body = 'x\r\n\r\nLIST /v1/inside HTTP/1.1\r\n\r\n';
    const first = `POST /v1/a HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const second = 'LIST /v1/b HTTP/1.1\r\nHost: x\r\n\r\n';
    const [a, b] = await exchange(port, [first + second], 2);
    assert.deepEqual(a, { method: 'POST', url: '/v1/a', body });
    assert.deepEqual(b, { method: 'GET', url: '/v1/b?list=true', body: '' });
  });

  it('leaves a chunked body untouched, and translates the LIST pipelined after it', async () => {
    const chunk = 'LIST /v1/inside HTTP/1.1\r\n\r\n';
    const first =
      'POST /v1/a HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`;
    const second = 'LIST /v1/b HTTP/1.1\r\nHost: x\r\n\r\n';
    // Split mid-chunk so the tracker must carry its state across reads.
    const whole = first + second;
    const [a, b] = await exchange(port, [whole.slice(0, 90), whole.slice(90)], 2);
    assert.deepEqual(a, { method: 'POST', url: '/v1/a', body: chunk });
    assert.equal(b!.url, '/v1/b?list=true');
  });

  it('keeps a keep-alive connection working across GET, LIST and POST', async () => {
    const answers = await exchange(
      port,
      [
        'GET /v1/one HTTP/1.1\r\nHost: x\r\n\r\n',
        'LIST /v1/two HTTP/1.1\r\nHost: x\r\n\r\n',
        'POST /v1/three HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok',
      ],
      3,
    );
    assert.deepEqual(
      answers.map((e) => `${e.method} ${e.url}`),
      ['GET /v1/one', 'GET /v1/two?list=true', 'POST /v1/three'],
    );
  });
});
