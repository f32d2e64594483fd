import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { api, type ApiResponse } from '../harness/http.js';
import { initialize, startConfigServer, type ConfigServer } from '../metrics/server-process.js';
import { poll } from '../harness/poll.js';

// DESIGN §4.3: no token, secret or key ever reaches a log line. A server at log level trace goes
// through a full flow with known secrets (KV values, tokens, wrapping tokens, a userpass password,
// AppRole role and secret ids, bad bodies and headers carrying secrets), then every line it wrote
// to stdout and stderr is searched for each of them, raw and encoded.

/** The forms a secret could take in a log line: as is, hex, base64, base64url, and a Buffer's JSON byte list. */
export function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [secret, bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), `[${[...bytes].join(',')}]`.slice(1, -1)];
}

/** Every (secret name, form, line) where a form of a secret occurs in the text. */
export function leaks(text: string, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  const lines = text.split('\n');
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of encodings(secret)) {
      for (const line of lines) if (line.toLowerCase().includes(form.toLowerCase())) found.push(`${name} as ${form}: ${line}`);
    }
  }
  return found;
}

const unique = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

describe('no secret in the server log', () => {
  let server: ConfigServer;
  let address: string;
  /** Every secret the flow used, by name. */
  const secrets: Record<string, string> = {};
  const requestIds: string[] = [];

  const call = async <T = Record<string, unknown>>(method: string, path: string, options: Parameters<typeof api>[3] = {}): Promise<ApiResponse<T>> => {
    const res = await api<T>(address, method, path, options);
    const id = (res.body as { request_id?: unknown }).request_id;
    if (typeof id === 'string') requestIds.push(id);
    return res;
  };
  const expect = (res: ApiResponse<unknown>, status: number, what: string) => assert.equal(res.status, status, `${what}: ${res.text}`);

  before(async () => {
    server = await startConfigServer({ config: 'log_level = "trace"\n' });
    address = server.addresses[0]!;
    secrets.masterKey = server.masterKey;
    const root = await initialize(address);
    secrets.rootToken = root;

    // KV: writes and reads of known values, a wrapped read and its unwrap.
    expect(await call('POST', 'sys/mounts/secret', { token: root, body: { type: 'kv', options: { version: '2' } } }), 204, 'mount kv');
    secrets.kvValue = unique('kv-value');
    secrets.kvPassword = unique('db-password');
    expect(await call('POST', 'secret/data/app/db', { token: root, body: { data: { value: secrets.kvValue, password: secrets.kvPassword } } }), 200, 'kv write');
    const read = await call<{ data: { data: Record<string, string> } }>('GET', 'secret/data/app/db', { token: root });
    assert.equal(read.body.data.data.password, secrets.kvPassword);
    const wrapped = await call<{ wrap_info: { token: string } }>('GET', 'secret/data/app/db', { token: root, headers: { 'X-Vault-Wrap-TTL': '5m' } });
    secrets.wrappedReadToken = wrapped.body.wrap_info.token;
    expect(await call('POST', 'sys/wrapping/unwrap', { token: root, body: { token: secrets.wrappedReadToken } }), 200, 'unwrap in body');
    expect(await call('POST', 'sys/wrapping/unwrap', { token: root, body: { token: secrets.wrappedReadToken } }), 400, 'second unwrap');

    // sys/wrapping/wrap of arbitrary data, unwrapped with the wrapping token as X-Vault-Token.
    secrets.wrapPayload = unique('wrapped-payload');
    const wrap = await call<{ wrap_info: { token: string } }>('POST', 'sys/wrapping/wrap', { token: root, body: { payload: secrets.wrapPayload }, headers: { 'X-Vault-Wrap-TTL': '60' } });
    secrets.wrapToken = wrap.body.wrap_info.token;
    expect(await call('POST', 'sys/wrapping/lookup', { body: { token: secrets.wrapToken } }), 200, 'wrapping lookup');
    expect(await call('POST', 'sys/wrapping/unwrap', { token: secrets.wrapToken }), 200, 'unwrap as header');

    // Tokens: create, look up by value (in the body), use, revoke.
    const child = await call<{ auth: { client_token: string } }>('POST', 'auth/token/create', { token: root, body: { policies: ['default'], meta: { note: 'plain' } } });
    secrets.childToken = child.body.auth.client_token;
    expect(await call('POST', 'auth/token/lookup', { token: root, body: { token: secrets.childToken } }), 200, 'token lookup');
    expect(await call('GET', 'auth/token/lookup-self', { token: secrets.childToken }), 200, 'lookup-self');
    secrets.customTokenId = unique('custom-token-id');
    expect(await call('POST', 'auth/token/create', { token: root, body: { id: secrets.customTokenId, policies: ['default'] } }), 200, 'custom id');
    expect(await call('POST', 'auth/token/revoke', { token: root, body: { token: secrets.childToken } }), 204, 'revoke');
    expect(await call('GET', 'auth/token/lookup-self', { token: secrets.childToken }), 403, 'revoked token');

    // userpass: a user with a known password, a login, a wrong password.
    expect(await call('POST', 'sys/auth/userpass', { token: root, body: { type: 'userpass' } }), 204, 'enable userpass');
    secrets.userPassword = unique('user-password');
    expect(await call('POST', 'auth/userpass/users/alice', { token: root, body: { password: secrets.userPassword, token_policies: 'default' } }), 204, 'user');
    const login = await call<{ auth: { client_token: string } }>('POST', 'auth/userpass/login/alice', { body: { password: secrets.userPassword } });
    expect(login, 200, 'userpass login');
    secrets.userpassToken = login.body.auth.client_token;
    secrets.wrongPassword = unique('wrong-password');
    expect(await call('POST', 'auth/userpass/login/alice', { body: { password: secrets.wrongPassword } }), 400, 'wrong password');

    // AppRole: role id, a SecretID (plain and wrapped), logins, a login with a bad SecretID.
    expect(await call('POST', 'sys/auth/approle', { token: root, body: { type: 'approle' } }), 204, 'enable approle');
    expect(await call('POST', 'auth/approle/role/app', { token: root, body: { token_policies: 'default' } }), 204, 'role');
    const roleId = await call<{ data: { role_id: string } }>('GET', 'auth/approle/role/app/role-id', { token: root });
    secrets.roleId = roleId.body.data.role_id;
    const secretId = await call<{ data: { secret_id: string } }>('POST', 'auth/approle/role/app/secret-id', { token: root, body: {} });
    secrets.secretId = secretId.body.data.secret_id;
    const approleLogin = await call<{ auth: { client_token: string } }>('POST', 'auth/approle/login', { body: { role_id: secrets.roleId, secret_id: secrets.secretId } });
    expect(approleLogin, 200, 'approle login');
    secrets.approleToken = approleLogin.body.auth.client_token;
    const wrappedSecretId = await call<{ wrap_info: { token: string } }>('POST', 'auth/approle/role/app/secret-id', { token: root, body: {}, headers: { 'X-Vault-Wrap-TTL': '60' } });
    secrets.secretIdWrapToken = wrappedSecretId.body.wrap_info.token;
    const unwrappedSecretId = await call<{ data: { secret_id: string } }>('POST', 'sys/wrapping/unwrap', { token: secrets.secretIdWrapToken });
    secrets.wrappedSecretId = unwrappedSecretId.body.data.secret_id;
    expect(await call('POST', 'auth/approle/login', { body: { role_id: secrets.roleId, secret_id: secrets.wrappedSecretId } }), 200, 'login with the unwrapped secret id');
    secrets.badSecretId = unique('bad-secret-id');
    expect(await call('POST', 'auth/approle/login', { body: { role_id: secrets.roleId, secret_id: secrets.badSecretId } }), 400, 'bad secret id');

    // Bad input carrying secrets: unparsable JSON, a non-object body, a bogus token, a query.
    secrets.badJsonSecret = unique('bad-json-secret');
    expect(await call('POST', 'secret/data/app/db', { token: root, rawBody: `{"data": {"password": "${secrets.badJsonSecret}"` }), 400, 'bad JSON');
    secrets.bareStringSecret = unique('bare-string-secret');
    expect(await call('POST', 'secret/data/app/db', { token: root, rawBody: JSON.stringify(secrets.bareStringSecret) }), 400, 'non-object body');
    secrets.bogusToken = unique('hvs.bogus-token');
    expect(await call('GET', 'secret/data/app/db', { token: secrets.bogusToken }), 403, 'bogus token');
    expect(await call('GET', 'secret/data/app/db', { headers: { Authorization: `Bearer ${secrets.bogusToken}` } }), 403, 'bogus bearer');
    secrets.querySecret = unique('query-secret');
    await call('GET', `secret/data/app/db?version=${secrets.querySecret}`, { token: root });
    expect(await call('POST', 'sys/wrapping/unwrap', { token: root, body: { token: secrets.querySecret } }), 400, 'garbage unwrap');

    // Bytes Node's HTTP parser refuses, with a token header: Fastify logs these at trace.
    secrets.rawPacketToken = unique('hvs.raw-packet-token');
    await rawRequest(address, `GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${secrets.rawPacketToken}\r\nContent-Length: nope\r\n\r\n`);

    // The last request: once its debug line is written, everything before it is too.
    const last = await call('GET', 'sys/policies/acl/default', { token: root });
    const lastId = (last.body as { request_id: string }).request_id;
    await poll("the last request's line", () => server.output().includes(lastId), { detail: () => server.output() });
  });
  after(async () => {
    await server?.destroy();
  });

  it('control: the search finds a value the server does log (request ids), and trace lines are written', () => {
    assert.ok(requestIds.length >= 10, `request ids collected: ${requestIds.length}`);
    assert.ok(leaks(server.output(), { requestId: requestIds[0]! }).length > 0, 'a request id is found in the log');
    const traceLines = server.output().split('\n').filter((line) => line.includes('"level":10'));
    assert.ok(traceLines.some((line) => line.includes('client error')), `the malformed request was logged at trace:\n${server.output()}`);
  });

  it('control: the search finds a secret in each of its encoded forms', () => {
    const secret = 'hvs.control-secret';
    for (const form of encodings(secret)) {
      assert.equal(leaks(`{"msg":"x","v":"${form}"}`, { secret }).length > 0, true, `form ${form}`);
    }
    assert.equal(leaks(JSON.stringify({ err: { rawPacket: Buffer.from(`X-Vault-Token: ${secret}\r\n`) } }), { secret }).length > 0, true, 'a Buffer serialized as JSON');
  });

  it('writes no token, password, secret id, secret value or key to any log line', () => {
    assert.ok(Object.keys(secrets).length >= 20, Object.keys(secrets).join(', '));
    assert.deepEqual(leaks(server.output(), secrets), []);
  });
});

/** Sends raw bytes and waits until the server closes the connection (it answers 400 and hangs up). */
function rawRequest(address: string, bytes: string): Promise<string> {
  const url = new URL(address);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => socket.write(bytes));
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}
