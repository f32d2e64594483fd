import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { CofferClient } from '../../src/client/client.js';
import { CofferApiError } from '../../src/client/errors.js';
import { REDACTED, REDACT_OPTIONS, REDACT_PATHS, redact } from '../../src/client/redact.js';
import type { Secret } from '../../src/client/types.js';
import { startServer, type TestServer } from '../harness/server.js';

// Log redaction for SDK users, proven on what a real dev server answers: a KV v2 read, a userpass
// login, a wrapped token creation and an error. Every secret and token is random, so finding one
// in a log line can only mean it leaked.

/** A pino logger writing into memory; `text()` is every line written so far. */
function memoryLogger(redactOption: pino.LoggerOptions['redact']) {
  let text = '';
  const logger = pino({ redact: redactOption }, { write: (chunk: string) => void (text += chunk) });
  return { logger, text: () => text };
}

function assertNoneIn(text: string, secrets: Record<string, string>): void {
  for (const [what, value] of Object.entries(secrets)) assert.ok(!text.includes(value), `${what} leaked into: ${text}`);
}

const random = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;

describe('log redaction of real server answers', () => {
  let server: TestServer;
  let root: CofferClient;
  const kvSecret = { api_key: random('kv-api-key'), note: random('kv-note') };
  const password = random('pw');
  /** What the tests look for in logs; filled from the server's answers. */
  const secrets: Record<string, string> = {};
  let kvRead: Secret;
  let login: Secret;
  let wrapped: Secret;
  let loginBody: Record<string, unknown>;

  before(async () => {
    server = await startServer();
    root = new CofferClient({ address: server.address, token: server.rootToken });
    await root.kv.put('secret/app/db', kvSecret);
    kvRead = (await root.kv.get('secret/app/db')).secret!;
    await root.request('POST', 'sys/auth/userpass', { body: { type: 'userpass' } });
    loginBody = { password };
    await root.write('auth/userpass/users/alice', { password, policies: ['default'] });
    login = (await root.login('userpass', loginBody, { suffix: 'alice' }))!;
    wrapped = (await root.tokens.create({ policies: ['default'] }, { wrapTTL: '5m' }))!;
    Object.assign(secrets, {
      'root token': server.rootToken,
      'KV api_key': kvSecret.api_key,
      'KV note': kvSecret.note,
      'userpass password': password,
      'login client_token': login.auth!.client_token,
      'login accessor': login.auth!.accessor,
      'wrapping token': wrapped.wrap_info!.token,
      'wrapping accessor': wrapped.wrap_info!.accessor,
      'wrapped token accessor': wrapped.wrap_info!.wrapped_accessor,
    });
    // The fixtures are what the tests think they are.
    assert.equal((kvRead.data as { data: unknown }).data !== undefined, true);
    assert.ok(login.auth!.client_token && wrapped.wrap_info!.token && wrapped.wrap_info!.wrapped_accessor);
  });
  after(async () => {
    await server?.destroy();
  });

  /** A real CofferApiError whose body is a KV v2 envelope with the secret in it (as a 404 on a deleted version carries metadata). */
  const errorWithSecretBody = () => new CofferApiError(404, [], 'GET', `${server.address}/v1/secret/data/app/db`, kvRead);

  describe('REDACT_PATHS in pino', () => {
    it('hides a KV v2 read logged as the log object, inside it, inside a list, and interpolated', () => {
      const { logger, text } = memoryLogger(REDACT_PATHS);
      logger.info(kvRead);
      logger.info({ res: kvRead }, 'read');
      logger.info({ call: { results: [kvRead] } });
      logger.info('answer %o', kvRead);
      assertNoneIn(text(), secrets);
      assert.ok(text().includes(kvRead.request_id), 'the request id is still logged');
      assert.equal(JSON.parse(text().split('\n')[0]!).data, '[Redacted]');
    });

    it('hides the token and accessor of a login, and the password of the login request body', () => {
      const { logger, text } = memoryLogger(REDACT_PATHS);
      logger.info(login);
      logger.info({ res: login, req: { path: 'auth/userpass/login/alice', body: loginBody } });
      logger.info({ auth: login.auth });
      assertNoneIn(text(), secrets);
      const line = JSON.parse(text().split('\n')[1]!);
      assert.deepEqual(line.res.auth.policies, ['default']);
      assert.equal(line.res.auth.lease_duration, login.auth!.lease_duration);
    });

    it('hides the token and both accessors of a wrap_info, keeping its ttl and creation path', () => {
      const { logger, text } = memoryLogger(REDACT_PATHS);
      logger.info(wrapped);
      logger.info({ wrapped });
      assertNoneIn(text(), secrets);
      const line = JSON.parse(text().split('\n')[1]!);
      assert.equal(line.wrapped.wrap_info.ttl, 300);
      assert.equal(line.wrapped.wrap_info.creation_path, 'auth/token/create');
    });

    it('hides X-Vault-Token and Authorization headers, in both spellings', () => {
      const { logger, text } = memoryLogger(REDACT_PATHS);
      logger.info({ req: { method: 'GET', headers: { 'x-vault-token': server.rootToken, authorization: `Bearer ${server.rootToken}` } } });
      logger.info({ headers: { 'X-Vault-Token': server.rootToken, Authorization: `Bearer ${server.rootToken}` } });
      logger.info({ 'x-vault-token': server.rootToken });
      assertNoneIn(text(), secrets);
      assert.ok(text().includes('"method":"GET"'));
    });

    it('hides the body of a logged CofferApiError, keeping its status and errors', async () => {
      const { logger, text } = memoryLogger(REDACT_PATHS);
      logger.error(errorWithSecretBody());
      logger.error({ err: errorWithSecretBody() }, 'read failed');
      logger.error({ error: errorWithSecretBody() }, 'read failed');
      logger.error({ op: { err: errorWithSecretBody() } }, 'nested');
      // And one the server really sent: every item of a batch failed, so a 400 whose body is an envelope.
      await root.request('POST', 'sys/mounts/transit', { body: { type: 'transit' } });
      const real = await root.write('transit/decrypt/k', { batch_input: [{ ciphertext: 'x' }] }).catch((e: unknown) => e);
      assert.ok(real instanceof CofferApiError && real.status === 400);
      logger.error(real);
      assertNoneIn(text(), secrets);
      const line = JSON.parse(text().split('\n')[0]!);
      assert.equal(line.err.status, 404);
      assert.equal(line.err.type, 'CofferApiError');
      assert.equal(line.err.body, '[Redacted]');
      assert.match(line.err.message, /Code: 404/);
    });

    it('as pino formatters.log, redact() hides the same answers at any depth, headers in any case', () => {
      let text = '';
      const logger = pino({ formatters: { log: redact } }, { write: (chunk: string) => void (text += chunk) });
      logger.info({ deep: { deeper: { deepest: { answers: [kvRead, login, wrapped] } } } });
      logger.info({ headers: { 'X-VAULT-TOKEN': server.rootToken } });
      logger.error(errorWithSecretBody());
      assertNoneIn(text, secrets);
      const errLine = JSON.parse(text.trim().split('\n')[2]!);
      assert.equal(errLine.err.type, 'CofferApiError');
      assert.equal(errLine.err.status, 404);
      assert.equal(errLine.err.body, REDACTED);
    });

    it('with REDACT_OPTIONS writes REDACTED as the censor', () => {
      const { logger, text } = memoryLogger(REDACT_OPTIONS);
      logger.info({ res: login });
      const line = JSON.parse(text());
      assert.equal(line.res.auth.client_token, REDACTED);
      assert.equal(REDACTED, '[REDACTED]');
    });
  });

  describe('redact()', () => {
    it('replaces the data of a KV v2 read and keeps the rest of the envelope', () => {
      const copy = redact(kvRead);
      assertNoneIn(JSON.stringify(copy), secrets);
      assert.equal(copy.data, REDACTED);
      assert.equal(copy.request_id, kvRead.request_id);
      assert.equal(copy.mount_type, 'kv');
      assert.deepEqual((kvRead.data as { data: unknown }).data, kvSecret, 'the input is left as it was');
    });

    it('replaces the token and accessors of auth and wrap_info blocks, at any depth', () => {
      const copy = redact({ log: { answers: [login, wrapped] }, auth: login.auth });
      assertNoneIn(JSON.stringify(copy), secrets);
      const [l, w] = copy.log.answers;
      assert.equal(l!.auth!.client_token, REDACTED);
      assert.equal(l!.auth!.accessor, REDACTED);
      assert.deepEqual(l!.auth!.policies, ['default']);
      assert.equal(w!.wrap_info!.token, REDACTED);
      assert.equal(w!.wrap_info!.accessor, REDACTED);
      assert.equal(w!.wrap_info!.wrapped_accessor, REDACTED);
      assert.equal(w!.wrap_info!.creation_path, 'auth/token/create');
      assert.equal(w!.data, null, 'a null field holds nothing and stays null');
      assert.equal(login.auth!.client_token, secrets['login client_token'], 'the input is left as it was');
    });

    it('replaces request bodies: passwords, a KV v2 write, token headers in any case', () => {
      const copy = redact({
        body: loginBody,
        kvWrite: { data: kvSecret, options: { cas: 1 } },
        headers: { 'X-VAULT-TOKEN': server.rootToken, 'x-vault-token': server.rootToken, Authorization: `Bearer ${server.rootToken}`, 'X-Vault-Request': 'true' },
      });
      assertNoneIn(JSON.stringify(copy), secrets);
      assert.deepEqual(copy.kvWrite.options, { cas: 1 });
      assert.equal(copy.headers['X-Vault-Request'], 'true');
    });

    it('keeps a CofferApiError a CofferApiError with its status, errors and message, and redacts its body', () => {
      const err = errorWithSecretBody();
      const copy = redact(err);
      assert.ok(copy instanceof CofferApiError);
      assert.equal(copy.name, 'CofferApiError');
      assert.equal(copy.status, 404);
      assert.deepEqual(copy.errors, []);
      assert.equal(copy.message, err.message);
      assert.equal(copy.stack, err.stack);
      assert.equal(copy.body, REDACTED);
      assert.equal(err.body, kvRead, 'the input is left as it was');
      assertNoneIn(JSON.stringify({ ...copy }), secrets);
      const wrappedErr = redact(new Error('outer', { cause: err }));
      assert.equal((wrappedErr.cause as CofferApiError).body, REDACTED);
    });

    it('leaves a `data` that is not part of an envelope, and ciphertext, alone', () => {
      const copy = redact({ user: 'bob', data: [1, 2, 3], ciphertext: 'vault:v1:abc' });
      assert.deepEqual(copy, { user: 'bob', data: [1, 2, 3], ciphertext: 'vault:v1:abc' });
    });
  });
});

describe('redact() on odd input', () => {
  it('cuts cycles, keeps shared references, and redacts Buffers and typed arrays', () => {
    const node: Record<string, unknown> = { name: 'loop', token: 's.loop-token' };
    node.self = node;
    const shared = { ok: true };
    const copy = redact({ node, a: shared, b: shared, buffer: Buffer.from('secret bytes'), bytes: new Uint8Array([1, 2]) });
    assert.equal((copy.node as Record<string, unknown>).self, '[Circular]');
    assert.equal(copy.node.token, REDACTED);
    assert.deepEqual(copy.a, { ok: true });
    assert.equal(copy.a, copy.b);
    assert.equal(copy.buffer, REDACTED);
    assert.equal(copy.bytes, REDACTED);
    assert.doesNotThrow(() => JSON.stringify(copy));
  });

  it('never throws: primitives, throwing getters, revoked proxies, deep nesting, class instances', () => {
    for (const primitive of [undefined, null, 0, 'text', true, 10n, Symbol('s')]) assert.equal(redact(primitive), primitive);
    const throwing = { ok: 1, get boom(): never { throw new Error('getter'); } };
    assert.equal(redact({ inner: throwing }).inner, REDACTED);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    assert.equal(redact({ proxy }).proxy, REDACTED);
    let deep: Record<string, unknown> = { password: 'bottom' };
    for (let i = 0; i < 100_000; i++) deep = { next: deep };
    assert.doesNotThrow(() => JSON.stringify(redact(deep)).length);
    const url = new URL('https://example.test/v1/secret');
    assert.equal(redact({ url }).url, 'https://example.test/v1/secret');
    const date = new Date(0);
    assert.equal(redact({ date }).date.getTime(), 0);
    const map = redact(new Map<string, unknown>([['password', 'in a map'], ['kept', { key: 'nested' }]]));
    assert.deepEqual([...map], [['password', REDACTED], ['kept', { key: REDACTED }]]);
  });
});

describe('REDACT_PATHS and redact() on generated objects', () => {
  const SECRET = new Set(['data', 'token', 'client_token', 'accessor', 'password', 'key', 'keys', 'x-vault-token', 'X-Vault-Token', 'Authorization']);
  const POOL = [...SECRET, 'auth', 'wrap_info', 'headers', 'metadata', 'name', 'list', 'a', 'b'];
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ maxDepth: 6, depthSize: 'small' }, fc.constant('leaf'), fc.array(tie('tree'), { maxLength: 3 }), tie('object')),
    object: fc.dictionary(fc.constantFrom(...POOL), tie('tree'), { maxKeys: 4 }),
  }));
  const topLevel = fc.dictionary(fc.constantFrom(...POOL), tree, { minKeys: 1, maxKeys: 4 });

  /** Gives every leaf a unique value and answers the values that sit under a name in `secret` (within `reach` levels when given). */
  function numberLeaves(value: unknown, secret: ReadonlySet<string>, reach = Infinity): { value: unknown; hidden: string[] } {
    let n = 0;
    const hidden: string[] = [];
    const walk = (v: unknown, depth: number, underSecret: boolean): unknown => {
      if (typeof v === 'string') {
        const leaf = `leaf-${n++}`;
        if (underSecret) hidden.push(leaf);
        return leaf;
      }
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1, underSecret));
      if (v && typeof v === 'object') {
        return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, depth + 1, underSecret || (secret.has(k) && depth <= reach))]));
      }
      return v;
    };
    return { value: walk(value, 0, false), hidden };
  }

  it('pino never changes the object it logs, and hides what sits under a secret name down to depth 4', () => {
    fc.assert(
      fc.property(topLevel, (generated) => {
        const { value, hidden } = numberLeaves(generated, SECRET, 4);
        const before = structuredClone(value);
        const { logger, text } = memoryLogger(REDACT_PATHS);
        logger.info(value);
        assert.deepEqual(value, before, 'logged at the top level');
        logger.info({ res: value });
        logger.info({ call: { results: [value] } });
        const err = Object.assign(new Error('failed'), { body: value });
        logger.error(err);
        assert.deepEqual(value, before, 'logged inside a log object or as an error body');
        const firstLine = text().split('\n')[0]!;
        for (const leaf of hidden) assert.ok(!firstLine.includes(`"${leaf}"`), `${leaf} leaked: ${firstLine}`);
      }),
      { numRuns: 300 },
    );
  });

  it('redact() hides what sits under a secret name at any depth and leaves its input unchanged', () => {
    // `data` is secret to redact() only in an envelope; the tests above show that rule on real answers.
    const secretNames = new Set([...SECRET].filter((k) => k !== 'data'));
    fc.assert(
      fc.property(topLevel, (generated) => {
        const { value, hidden } = numberLeaves(generated, secretNames);
        const before = structuredClone(value);
        const text = JSON.stringify(redact(value));
        assert.deepEqual(value, before);
        for (const leaf of hidden) assert.ok(!text.includes(`"${leaf}"`), `${leaf} leaked: ${text}`);
      }),
      { numRuns: 300 },
    );
  });
});
