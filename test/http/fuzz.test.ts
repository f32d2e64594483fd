import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { api } from '../harness/http.js';
import { startServer, type TestServer } from '../harness/server.js';
import { fuzzRoutes, validatedBeforeAcl, type FuzzRoute } from './fuzz-routes.js';
import { seedHostileFixtures } from './hostile-fixture.js';
import { rawRequest, type RawResponse } from './raw-request.js';
import { snapshotState, type StateSnapshot } from './state-snapshot.js';

// DESIGN.md §4.6 and issue 5, as properties: for random hostile requests on every route, the answer
// is a JSON 4xx (never a 5xx), the process survives, nothing observable changes, and the audit log
// holds a request and a response entry for each request that reached the pipeline (and none for
// those the HTTP layer refused first, as in Vault).
//
// Each request is sent from its own loopback address (127.1.x.y), which the audit entries carry as
// remote_address: that is how an entry is tied to the request that caused it, even when the
// request carried a forged X-Forwarded-For (which an untrusted sender must never get believed).
//
// Reproduce a failure with FUZZ_SEED=<seed printed by fast-check>; FUZZ_RUNS raises the depth.

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 6);
const REQUESTS_PER_RUN = 5;
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

type Credential = 'none' | 'garbage' | 'bearer-garbage' | 'limited';

/** What a generated body is; the HTTP layer refuses the last three before the pipeline. */
type BodyKind = 'none' | 'fields' | 'object' | 'null' | 'non-object' | 'bad-json' | 'too-deep';
const HTTP_REFUSED_BODIES: ReadonlySet<BodyKind> = new Set(['non-object', 'bad-json', 'too-deep']);

/** Path suffixes; `reaches` says whether the request can still get to the pipeline with it. */
interface Suffix {
  text: string;
  /** true: a plain suffix; false: "."/".." or control characters, refused by the HTTP layer; undefined: either. */
  reaches: boolean | undefined;
}

interface FuzzRequest {
  method: string;
  suffix: Suffix;
  bodyKind: BodyKind;
  body: string | undefined;
  headers: Record<string, string>;
  as: Credential;
}

// ---- generators ---------------------------------------------------------------------------------

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });

/** Values of every wrong type, huge, deep, or full of awkward code points. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }), // lone surrogates included
  fc.integer({ min: 10_000, max: 300_000 }).map((n) => 'A'.repeat(n)),
  fc.constantFrom('root', 'default', '*', '..', '../../sys/policy/root', '\u0000', 'a\u0000b', '\u202e', '\ud800', '-1', '1e400', 'true', '5m', '0.0.0.0/0', 'NaN'),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 63), 1e308),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  fc.integer({ min: 20, max: 200 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
);

const objectKey = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''));

function bodyFor(route: FuzzRoute): fc.Arbitrary<{ kind: BodyKind; body: string | undefined }> {
  const fields = route.fields.length > 0 ? route.fields : ['data'];
  const json = (kind: BodyKind) => (value: unknown) => ({ kind, body: JSON.stringify(value) });
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as BodyKind, body: undefined }) },
    {
      weight: 5,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom(...fields), hostileValue), { minLength: 1, maxLength: 4 })
        .map((pairs) => json('fields')(Object.fromEntries(pairs))),
    },
    { weight: 2, arbitrary: fc.dictionary(objectKey, hostileValue, { maxKeys: 5 }).map(json('object')) },
    { weight: 1, arbitrary: fc.constant({ kind: 'null' as BodyKind, body: 'null' }) },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.string(), fc.integer(), fc.boolean()).map(json('non-object')),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constantFrom('{', '{"data": {"a": ', '{"type": "kv",}', "{'a': 1}", 'planted=yes', 'NaN', '{"a": undefined}', '\u0000{}'),
          fc.string({ maxLength: 30 }).map((s) => `{${s}`),
        )
        .filter((text) => !parsesAsJson(text))
        .map((body) => ({ kind: 'bad-json' as BodyKind, body })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 257, max: 5_000 }).map((depth) => ({ kind: 'too-deep' as BodyKind, body: `{"data": ${'['.repeat(depth)}${']'.repeat(depth)}}` })) },
  );
}

function parsesAsJson(text: string): boolean {
  if (text.trim() === '') return true; // an empty body is taken as {}
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const suffix: fc.Arbitrary<Suffix> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ text: '', reaches: true }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,12}$/).map((s) => ({ text: `/${s}`, reaches: true })) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((s) => ({ text: `/${encodeURIComponent(s)}`, reaches: /^[^\u0000-\u001f\u007f]*$/.test(s) && s !== '.' && s !== '..' ? true : undefined })),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Suffix>(
      { text: '/..', reaches: false },
      { text: '/../..', reaches: false },
      { text: '/.', reaches: false },
      { text: '/%2e%2e', reaches: false },
      { text: '/%2E%2e/sys/policy/root', reaches: false },
      { text: '%2F..%2F..%2Fsys%2Fseal', reaches: false },
      { text: '%00', reaches: false },
      { text: '/x%00y', reaches: false },
      { text: '%0d%0aX-Injected:%20yes', reaches: false },
      { text: '//', reaches: undefined },
      { text: '?list=true', reaches: true },
      { text: '?version=-1&depth=%00', reaches: true },
      { text: '?token=hvs.forged&accessor=x', reaches: true },
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => ({ text: `/${'a'.repeat(n)}`, reaches: undefined })) },
);

const headers: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'X-Vault-Wrap-TTL': fc.oneof(printable, fc.constantFrom('0', '-1', '1', '5m', '99999999999999999999', '1e3', 'NaN', ' ', '5m5m', '768h1s')),
    'X-Forwarded-For': fc.oneof(printable, fc.constantFrom('10.0.0.1', '127.0.0.1, 10.0.0.1', '::1', 'not-an-ip', ', , ,', '999.999.999.999', 'a'.repeat(4_000))),
    'Content-Type': fc.oneof(
      printable,
      fc.constantFrom('application/json', 'text/plain', 'application/merge-patch+json', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16'),
    ),
    'X-Vault-Namespace': printable,
    'X-Vault-Request': fc.constantFrom('true', 'false', ''),
  },
  { requiredKeys: [] },
);

function requestFor(route: FuzzRoute): fc.Arbitrary<FuzzRequest> {
  // The limited token is not sent where the default policy legitimately lets it write.
  const credentials: Credential[] = route.access === 'default-policy' ? ['none', 'garbage', 'bearer-garbage'] : ['none', 'garbage', 'bearer-garbage', 'limited'];
  const methods = [...new Set([...route.methods, 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'LIST'])];
  return fc.record({
    method: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...route.methods) }, { weight: 1, arbitrary: fc.constantFrom(...methods) }),
    suffix,
    body: bodyFor(route),
    headers,
    as: fc.constantFrom(...credentials),
  }).map(({ body, ...rest }) => ({ ...rest, bodyKind: body.kind, body: body.body }));
}

// ---- expectations -------------------------------------------------------------------------------

/** Bodies are parsed for these methods only; a GET's body never reaches the JSON parser. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A well-formed media type (RFC 9110 tokens), parameters not checked. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(;.*)?$/;

/** true: must be audited; false: must not be; undefined: either, depending on details. */
function mustReachPipeline(route: FuzzRoute, req: FuzzRequest): boolean | undefined {
  if (req.suffix.reaches === false) return false;
  const bodyRefused = HTTP_REFUSED_BODIES.has(req.bodyKind);
  if (bodyRefused && BODY_METHODS.has(req.method)) return false;
  const patchRefused = req.method === 'PATCH' && req.headers['Content-Type']?.split(';')[0]?.trim().toLowerCase() !== 'application/merge-patch+json';
  if (patchRefused) return false;
  // Fastify answers a body under an empty Content-Type with 415 before any parser runs, and may
  // refuse a Content-Type that is not a media type at all the same way.
  const contentType = req.headers['Content-Type'];
  if (req.body !== undefined && BODY_METHODS.has(req.method) && contentType?.trim() === '') return false;
  if (contentType !== undefined && !MEDIA_TYPE.test(contentType)) return undefined;
  if (route.access === 'status' && (req.suffix.text === '' || req.suffix.text.startsWith('?'))) return false;
  if (req.suffix.reaches === undefined || bodyRefused) return undefined;
  return true;
}

/** An answer the HTTP layer gives before the pipeline: such requests are not audited. */
function isHttpLayerRefusal(res: RawResponse): boolean {
  const errors = ((res.json as { errors?: string[] } | undefined)?.errors ?? []).join('\n');
  if (res.status === 400) return /failed to parse JSON|must be a JSON object|invalid path/.test(errors);
  return [404, 405, 413, 414, 415, 431].includes(res.status);
}

function validWrapTtl(value: string | undefined): boolean {
  return value === undefined || value === '' || /^\d+[smh]?$/.test(value.trim());
}

interface AuditLine {
  type: 'request' | 'response';
  request: { id: string; path: string; remote_address: string };
  error?: string;
  prev_hash: string;
}

// ---- the suite ----------------------------------------------------------------------------------

describe('fuzzed hostile requests on every route', () => {
  let server: TestServer;
  let auditLog: FileHandle;
  let auditOffset = 0;
  let auditTail = '';
  const auditLines: string[] = [];
  const tokens: Record<Exclude<Credential, 'none'>, string> = { garbage: '', 'bearer-garbage': '', limited: '' };
  let limitedAccessor = '';
  let lastSnapshot: FullSnapshot | undefined;
  let sourceCounter = 0;

  async function must(method: string, path: string, body?: unknown) {
    const res = await api<{ auth?: { client_token: string; accessor: string } }>(server.address, method, path, { token: server.rootToken, body });
    assert.ok(res.status < 300, `fixture ${method} ${path} answered ${res.status}: ${res.text}`);
    return res.body;
  }

  before(async () => {
    server = await startServer();
    const auditPath = join(server.dir, 'audit.log');
    await must('PUT', 'sys/audit/fuzz', { type: 'file', options: { file_path: auditPath } });
    // The same fixtures as hostile.test.ts.
    await seedHostileFixtures(server.address, server.rootToken);

    tokens.garbage = `hvs.${randomBytes(24).toString('base64url')}`;
    tokens['bearer-garbage'] = `hvs.${randomBytes(24).toString('base64url')}`;
    const limited = (await must('POST', 'auth/token/create', { policies: ['default'], ttl: '2h' })).auth!;
    tokens.limited = limited.client_token;
    limitedAccessor = limited.accessor;

    auditLog = await open(auditPath, 'r');
    await readNewAuditLines();
  });

  after(async () => {
    await auditLog?.close();
    await server?.destroy();
  });

  /** Root's view of everything a request could change, plus the audit table, quotas, loggers and the limited token. */
  type FullSnapshot = { state: StateSnapshot; extra: Record<string, unknown> };
  async function snapshot(): Promise<FullSnapshot> {
    const extraProbes: Array<[string, string, string]> = [
      ['GET', 'sys/audit', server.rootToken],
      ['GET', 'sys/quotas/config', server.rootToken],
      ['LIST', 'sys/quotas/rate-limit', server.rootToken],
      ['GET', 'sys/loggers', server.rootToken],
      ['GET', 'sys/auth/userpass/tune', server.rootToken],
      ['GET', 'auth/approle/role/fixture/policies', server.rootToken],
      ['GET', 'identity/entity/name/fixture', server.rootToken],
    ];
    const [state, limitedSelf, ...extra] = await Promise.all([
      snapshotState(server.address, server.rootToken),
      api<{ data?: { policies?: unknown; num_uses?: unknown; accessor?: unknown } }>(server.address, 'GET', 'auth/token/lookup-self', { token: tokens.limited }),
      ...extraProbes.map(([method, path, token]) => api<{ data?: unknown }>(server.address, method, path, { token })),
    ]);
    const limitedView = { status: limitedSelf.status, policies: limitedSelf.body.data?.policies, num_uses: limitedSelf.body.data?.num_uses, accessor: limitedSelf.body.data?.accessor };
    return {
      state,
      extra: {
        'limited token': limitedView,
        ...Object.fromEntries(extraProbes.map(([method, path], i) => [`${method} ${path}`, { status: extra[i]!.status, data: extra[i]!.body.data ?? extra[i]!.body }])),
      },
    };
  }

  /** A fresh loopback source address per request: 127.1.0.1, 127.1.0.2, ... */
  function nextSource(): string {
    sourceCounter += 1;
    const n = sourceCounter;
    return `127.${1 + ((n >> 16) & 0x7f)}.${(n >> 8) & 0xff}.${n & 0xff}`;
  }

  function credentialHeaders(as: Credential): Record<string, string> {
    if (as === 'none') return {};
    if (as === 'bearer-garbage') return { Authorization: `Bearer ${tokens[as]}` };
    return { 'X-Vault-Token': tokens[as] };
  }

  /** node:http, byte for byte (no path normalisation), from `localAddress`. */
  function send(route: FuzzRoute, req: FuzzRequest, localAddress: string): Promise<RawResponse> {
    const headers = { ...req.headers, ...credentialHeaders(req.as) };
    return rawRequest(server.address, { method: req.method, path: `${route.path}${req.suffix.text}`, headers, body: req.body, localAddress });
  }

  /** Appends the audit lines written since the last call to `auditLines`, and answers them. */
  async function readNewAuditLines(): Promise<AuditLine[]> {
    const { size } = await auditLog.stat();
    if (size <= auditOffset) return [];
    const buffer = Buffer.alloc(size - auditOffset);
    await auditLog.read(buffer, 0, buffer.length, auditOffset);
    auditOffset = size;
    const text = auditTail + buffer.toString('utf8');
    const lines = text.split('\n');
    auditTail = lines.pop() ?? '';
    auditLines.push(...lines);
    return lines.map((line) => JSON.parse(line) as AuditLine);
  }

  async function assertStillServing() {
    assert.doesNotThrow(() => process.kill(server.pid, 0), 'the server process died');
    const health = await api(server.address, 'GET', 'sys/health');
    assert.equal(health.status, 200, `sys/health: ${health.status} ${health.text}`);
  }

  function describeRequest(route: FuzzRoute, req: FuzzRequest, res: RawResponse): string {
    const body = req.body === undefined ? '(no body)' : req.body.length > 200 ? `${req.body.slice(0, 200)}... (${req.body.length} chars)` : req.body;
    return `${req.method} /v1/${route.path}${req.suffix.text.slice(0, 80)} as ${req.as} [${req.bodyKind}] ${body} headers ${JSON.stringify(req.headers).slice(0, 300)} → ${res.status} ${res.contentType ?? ''} ${res.text.slice(0, 300)}`;
  }

  /** The per-request properties that need only the answer. */
  function checkAnswer(route: FuzzRoute, req: FuzzRequest, res: RawResponse, reached: boolean | undefined) {
    const shown = describeRequest(route, req, res);
    assert.ok(res.status < 500, `5xx: ${shown}`);
    const may2xx = route.access === 'status' || route.access === 'public';
    if (!may2xx) assert.ok(res.status >= 400, `a request no caller here may make succeeded: ${shown}`);
    if (res.status >= 400 && req.method !== 'HEAD') {
      assert.equal(res.contentType, 'application/json', shown);
      const errors = (res.json as { errors?: unknown } | undefined)?.errors;
      assert.ok(Array.isArray(errors) && errors.every((e) => typeof e === 'string'), `not {"errors": [...]}: ${shown}`);
      // Vault answers a 404 with an empty list; every other refusal says why.
      if (res.status !== 404) assert.ok(errors.some((e) => e.trim() !== ''), `no error message: ${shown}`);
    }
    // The security-relevant refusals are exact: no token, or a token without a grant, is a 403.
    const plainRequest = reached === true && req.suffix.text === '' && validWrapTtl(req.headers['X-Vault-Wrap-TTL']);
    if (plainRequest && route.access !== 'status' && route.access !== 'unauthenticated' && route.access !== 'public' && route.methods.includes(req.method)) {
      const mayValidateFirst = validatedBeforeAcl.has(route.path) && ['POST', 'PUT', 'PATCH'].includes(req.method);
      if (mayValidateFirst) assert.ok(res.status === 403 || res.status === 400, `expected permission denied or bad input: ${shown}`);
      else assert.equal(res.status, 403, `expected permission denied: ${shown}`);
    }
  }

  /** Each request that reached the pipeline has one request and one response entry; the others none. */
  function checkAudit(sent: Array<{ route: FuzzRoute; req: FuzzRequest; res: RawResponse; source: string; reached: boolean | undefined }>, lines: AuditLine[]) {
    const bySource = new Map<string, AuditLine[]>();
    for (const line of lines) {
      const address = line.request.remote_address.replace(/^::ffff:/, '');
      bySource.set(address, [...(bySource.get(address) ?? []), line]);
    }
    for (const { route, req, res, source, reached } of sent) {
      const shown = describeRequest(route, req, res);
      const entries = bySource.get(source) ?? [];
      if (entries.length === 0) {
        assert.notEqual(reached, true, `reached the pipeline but was not audited: ${shown}`);
        assert.ok(isHttpLayerRefusal(res) || route.access === 'status', `not audited, yet not refused by the HTTP layer: ${shown}`);
        continue;
      }
      assert.notEqual(reached, false, `refused by the HTTP layer, yet audited: ${shown}`);
      assert.deepEqual(entries.map((e) => e.type).sort(), ['request', 'response'], `audit entries: ${JSON.stringify(entries).slice(0, 600)} for ${shown}`);
      const [first, second] = entries as [AuditLine, AuditLine];
      assert.equal(first.request.id, second.request.id, `request and response entries of one request differ in id: ${shown}`);
      if (res.status >= 400 && res.status !== 404) {
        const response = entries.find((e) => e.type === 'response')!;
        assert.ok(typeof response.error === 'string' && response.error !== '', `refused (${res.status}) but its response entry has no error: ${shown}`);
      }
    }
  }

  for (const route of fuzzRoutes) {
    it(`${route.family}: ${route.path} [${route.methods.join(' ')}] answers hostile requests with a 4xx, changes nothing, and audits them`, async () => {
      lastSnapshot ??= await snapshot();
      await readNewAuditLines();
      await fc.assert(
        fc.asyncProperty(fc.array(requestFor(route), { minLength: 1, maxLength: REQUESTS_PER_RUN }), async (requests) => {
          const sent = [];
          for (const req of requests) {
            const source = nextSource();
            const res = await send(route, req, source);
            const reached = mustReachPipeline(route, req);
            sent.push({ route, req, res, source, reached });
            checkAnswer(route, req, res, reached);
          }
          checkAudit(sent, await readNewAuditLines());
          await assertStillServing();
          const before = lastSnapshot;
          const now = await snapshot();
          lastSnapshot = now;
          assert.deepEqual(now, before, `state changed after: ${sent.map((s) => describeRequest(s.route, s.req, s.res)).join('\n')}`);
          await readNewAuditLines(); // the probes' own entries
        }),
        // No shrinking: every step would replay requests and a state snapshot; the failing batch is printed whole.
        { numRuns: RUNS_PER_ROUTE, endOnFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
    });
  }

  // Regressions the fuzzing found.
  it('a default-policy token sending wrong-typed fields to a path it has no grant for gets 403, not a field error', async () => {
    for (const [path, body] of [
      ['identity/lookup/entity', { id: [[null, {}]] }],
      ['sys/audit/fuzz', { type: [[]], description: '\u0000' }],
      ['auth/token/lookup', { token: ['a', 'b'] }],
    ] as const) {
      const res = await api<{ errors?: string[] }>(server.address, 'POST', path, { token: tokens.limited, body });
      assert.equal(res.status, 403, `${path}: ${res.text}`);
      assert.deepEqual(res.body.errors, ['permission denied'], path);
    }
    // Root still gets the field error: validation happens, only after the ACL. (Paths with an
    // existence check, such as auth/token/roles/<name>, validate before the ACL, as Vault's do.)
    const asRoot = await api(server.address, 'POST', 'identity/lookup/entity', { token: server.rootToken, body: { id: [[null, {}]] } });
    assert.equal(asRoot.status, 400, asRoot.text);
  });

  it('a request whose head is over the size limit gets 431 with {"errors": [...]}', async () => {
    const route = fuzzRoutes.find((r) => r.path === 'secret/data/fixture')!;
    const req: FuzzRequest = { method: 'GET', suffix: { text: `/${'a'.repeat(20_000)}`, reaches: false }, bodyKind: 'none', body: undefined, headers: {}, as: 'limited' };
    const res = await send(route, req, nextSource());
    assert.equal(res.status, 431, res.text.slice(0, 200));
    assert.equal(res.contentType, 'application/json');
    assert.deepEqual(res.json, { errors: ['request headers too large'] });
    await assertStillServing();
  });

  it('a body over max_request_size is refused with a 413 before the pipeline, and is not audited', async () => {
    await readNewAuditLines();
    const source = nextSource();
    const route = fuzzRoutes.find((r) => r.path === 'secret/data/fixture')!;
    const req: FuzzRequest = {
      method: 'POST',
      suffix: { text: '', reaches: true },
      bodyKind: 'fields',
      body: `{"data": {"blob": "${'a'.repeat(33 * 1024 * 1024)}"}}`,
      headers: { 'Content-Type': 'application/json' },
      as: 'limited',
    };
    const res = await send(route, req, source).catch((err: NodeJS.ErrnoException) => {
      // The server may close the socket while the body is still being written; it must have answered first.
      throw new Error(`no answer to the oversized body: ${err.code ?? err.message}`);
    });
    assert.equal(res.status, 413, res.text.slice(0, 200));
    const lines = await readNewAuditLines();
    assert.deepEqual(lines.filter((l) => l.request.remote_address.replace(/^::ffff:/, '') === source), []);
    await assertStillServing();
  });

  it("the audit log's hash chain is unbroken over every entry the fuzzing caused, and holds no token or accessor in clear", async () => {
    await readNewAuditLines();
    assert.ok(auditLines.length > fuzzRoutes.length * 2, `only ${auditLines.length} audit lines`);
    const clear = [tokens.limited, limitedAccessor, tokens.garbage, tokens['bearer-garbage']].filter((secret) => auditLines.some((line) => line.includes(secret)));
    assert.deepEqual(clear, [], 'a token or accessor appears in clear in the audit log');
    for (let i = 1; i < auditLines.length; i++) {
      const expected = createHash('sha256').update(auditLines[i - 1]!, 'utf8').digest('hex');
      assert.equal((JSON.parse(auditLines[i]!) as AuditLine).prev_hash, expected, `line ${i + 1} does not chain to line ${i}`);
    }
  });
});
