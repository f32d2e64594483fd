import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { Secret as TotpSecret, TOTP } from 'otpauth';
import { envelope, startStub, type SeenRequest, type StubAnswer } from '../client/stub-server.js';
import { EXIT_API_ERROR, EXIT_USAGE } from '../../src/cli/exit-codes.js';
import { api } from '../harness/http.js';
import { poll } from '../harness/poll.js';
import { COFFER_BIN, startServer, type TestServer } from '../harness/server.js';
import { assertNoContent, writePolicy } from '../sys/fixture.js';
import { cleanEnv, runCli, succeeded, tableValue, type CliRun } from '../harness/cli.js';

// `coffer auth ...`, `coffer login -method=...` and `coffer write -f` in Vault's CLI grammar, run as
// bin/coffer.js subprocesses: against a real dev server, and against a recording stub where the exact
// request on the wire is the point.

/** Go's time.Time as the table formatter prints it: "2006-01-02 15:04:05.999999999 -0700 MST". */
const GO_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? [+-]\d{4} \S+$/;

const homes: string[] = [];
/** A private HOME, so each login stores its token where only its own test looks. */
async function freshHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'coffer-cli-auth-'));
  homes.push(home);
  return home;
}
after(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

interface RunOptions {
  /** COFFER_TOKEN for the child; null runs it without one (it then uses the token stored in HOME). */
  token?: string | null;
  home: string;
  stdin?: string;
}

/** `node bin/coffer.js ...args` against `address`, with nothing of this process's VAULT_* / COFFER_* settings. */
function cofferAt(address: string, args: readonly string[], options: RunOptions): Promise<CliRun> {
  const env: Record<string, string> = { HOME: options.home, COFFER_ADDR: address };
  if (options.token) env.COFFER_TOKEN = options.token;
  return runCli(args, { env: cleanEnv(env), stdin: options.stdin });
}

async function storedToken(home: string): Promise<string> {
  return readFile(join(home, '.coffer-token'), 'utf8');
}

async function hasStoredToken(home: string): Promise<boolean> {
  return stat(join(home, '.coffer-token')).then(
    () => true,
    () => false,
  );
}

describe('coffer auth and login against a real dev server', () => {
  let server: TestServer;
  let adminHome: string;
  const coffer = (args: string[], options: Partial<RunOptions> = {}) =>
    cofferAt(server.address, args, { home: adminHome, ...options, token: options.token === undefined ? server.rootToken : options.token });
  const ok = async (args: string[], options: Partial<RunOptions> = {}) => succeeded(await coffer(args, options), `coffer ${args.join(' ')}`);
  const sysAuth = async () => {
    const res = await api<{ data: Record<string, Record<string, unknown>> }>(server.address, 'GET', 'sys/auth', { token: server.rootToken });
    assert.equal(res.status, 200, res.text);
    return res.body.data;
  };

  before(async () => {
    server = await startServer();
    adminHome = await freshHome();
  });
  after(async () => {
    await server?.destroy();
  });

  describe('auth enable / list / tune / disable (sys/auth)', () => {
    it('auth enable -path -description -default-lease-ttl mounts the method where sys/auth shows it', async () => {
      const out = await ok(['auth', 'enable', '-path=people', '-description=People of the org', '-default-lease-ttl=1h', '-max-lease-ttl=2h', 'userpass']);
      assert.equal(out, 'Success! Enabled userpass auth method at: people/\n');
      const mount = (await sysAuth())['people/'];
      assert.ok(mount, 'people/ is listed by sys/auth');
      assert.equal(mount.type, 'userpass');
      assert.equal(mount.description, 'People of the org');
      assert.deepEqual(mount.config, { default_lease_ttl: 3600, max_lease_ttl: 7200, force_no_cache: false });
    });

    it('auth enable TYPE mounts at the type name', async () => {
      assert.equal(await ok(['auth', 'enable', 'approle']), 'Success! Enabled approle auth method at: approle/\n');
      assert.equal((await sysAuth())['approle/']?.type, 'approle');
    });

    it('auth list prints a Path/Type/Accessor/Description table with every method, accessors as sys/auth has them', async () => {
      await ok(['auth', 'enable', '-path=listed', '-description=shown in the list', 'userpass']);
      const out = await ok(['auth', 'list']);
      const lines = out.trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^Path\s+Type\s+Accessor\s+Description$/);
      assert.match(lines[1] ?? '', /^----\s+----\s+--------\s+-----------$/);
      const accessor = (await sysAuth())['listed/']?.accessor as string;
      assert.ok(accessor, 'sys/auth names an accessor');
      assert.ok(lines.some((l) => new RegExp(`^listed/\\s+userpass\\s+${accessor}\\s+shown in the list$`).test(l)), out);
      assert.ok(lines.some((l) => /^token\/\s+token\s+\S+\s+token based credentials$/.test(l)), out);
    });

    it('auth list -format=json prints the sys/auth map keyed by path', async () => {
      const printed = JSON.parse(await ok(['auth', 'list', '-format=json'])) as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(printed).sort(), Object.keys(await sysAuth()).sort());
      const token = printed['token/'];
      assert.equal(token?.type, 'token');
      assert.equal(typeof token?.accessor, 'string');
      assert.equal(typeof (token?.config as Record<string, unknown>).default_lease_ttl, 'number');
    });

    it('auth list -detailed shows each mount\'s TTLs, "system" where none is set', async () => {
      await ok(['auth', 'enable', '-path=detailed', '-default-lease-ttl=30m', 'userpass']);
      const out = await ok(['auth', 'list', '-detailed']);
      assert.match(out, /^Path\s+Plugin\s+Accessor\s+Default TTL\s+Max TTL\s+Replication/);
      assert.match(out, /^detailed\/\s+userpass\s+\S+\s+30m\s+system\s+replicated\s/m);
    });

    it('auth tune changes TTLs and description, as sys/auth/<path>/tune then reports', async () => {
      await ok(['auth', 'enable', '-path=tuned', 'userpass']);
      const out = await ok(['auth', 'tune', '-default-lease-ttl=20m', '-max-lease-ttl=3h', '-description=after tuning', 'tuned/']);
      assert.equal(out, 'Success! Tuned the auth method at: tuned/\n');
      const tune = await api<{ data: Record<string, unknown> }>(server.address, 'GET', 'sys/auth/tuned/tune', { token: server.rootToken });
      assert.equal(tune.status, 200, tune.text);
      assert.equal(tune.body.data.default_lease_ttl, 1200);
      assert.equal(tune.body.data.max_lease_ttl, 10800);
      assert.equal(tune.body.data.description, 'after tuning');
    });

    it('auth disable removes the method from sys/auth', async () => {
      await ok(['auth', 'enable', '-path=doomed', 'userpass']);
      assert.ok((await sysAuth())['doomed/']);
      assert.equal(await ok(['auth', 'disable', 'doomed']), 'Success! Disabled the auth method (if it existed) at: doomed/\n');
      assert.equal((await sysAuth())['doomed/'], undefined);
    });

    it('auth enable of a type the server does not know exits 1 with the server\'s error', async () => {
      const result = await coffer(['auth', 'enable', 'no-such-method']);
      assert.equal(result.code, EXIT_API_ERROR);
      assert.match(result.stderr, /^Error enabling no-such-method auth: Error making API request\./);
      assert.match(result.stderr, /Code: 400/);
    });

    it('auth enable without a TYPE is a usage error (exit 1)', async () => {
      const result = await coffer(['auth', 'enable']);
      assert.equal(result.code, EXIT_USAGE);
      assert.match(result.stderr, /Not enough arguments/);
    });

    it('an unknown auth subcommand is a usage error that lists the subcommands', async () => {
      const result = await coffer(['auth', 'frobnicate']);
      assert.equal(result.code, EXIT_USAGE);
      assert.match(result.stderr, /Unknown subcommand "auth frobnicate"/);
      assert.match(result.stderr, /enable .*\n\s+disable .*\n\s+list .*\n\s+tune /);
    });
  });

  describe('login -method=userpass', () => {
    before(async () => {
      await ok(['auth', 'enable', 'userpass']);
      await writePolicy(server.address, server.rootToken, 'dev', 'path "secret/data/dev/*" {\n  capabilities = ["read"]\n}\n');
      const created = await api(server.address, 'POST', 'auth/userpass/users/alice', { token: server.rootToken, body: { password: 'alice-pw', token_policies: ['dev'] } });
      assertNoContent(created, 'create user alice');
    });

    it('stores the token and prints Vault\'s "Success!" text and token table', async () => {
      const home = await freshHome();
      const out = await ok(['login', '-method=userpass', 'username=alice', 'password=alice-pw'], { home, token: null });
      assert.match(out, /^Success! You are now authenticated\. The token information displayed below\nis already stored in ~\/\.coffer-token\./);
      const token = tableValue(out, 'token') ?? '';
      assert.ok(token.length > 0, out);
      assert.equal(await storedToken(home), token);
      assert.ok((tableValue(out, 'token_accessor') ?? '').length > 0, out);
      assert.match(tableValue(out, 'token_duration') ?? '', /^\d+h(\d+m)?(\d+s)?$|^\d+m(\d+s)?$/);
      assert.equal(tableValue(out, 'token_renewable'), 'true');
      assert.equal(tableValue(out, 'token_policies'), '["default" "dev"]');
      assert.equal(tableValue(out, 'identity_policies'), '[]');
      assert.equal(tableValue(out, 'policies'), '["default" "dev"]');
      assert.equal(tableValue(out, 'token_meta_username'), 'alice');
    });

    it('the stored token is what later commands use: token lookup shows the user\'s policies', async () => {
      const home = await freshHome();
      await ok(['login', '-method=userpass', 'username=alice', 'password=alice-pw'], { home, token: null });
      const lookup = await ok(['token', 'lookup'], { home, token: null });
      assert.equal(tableValue(lookup, 'policies'), '[default dev]');
      assert.equal(tableValue(lookup, 'path'), 'auth/userpass/login/alice');
    });

    it('password=- reads the password from stdin', async () => {
      const home = await freshHome();
      await ok(['login', '-method=userpass', 'username=alice', 'password=-'], { home, token: null, stdin: 'alice-pw' });
      assert.ok((await storedToken(home)).length > 0);
    });

    it('a wrong password exits 1 with the server\'s error and stores nothing', async () => {
      const home = await freshHome();
      const result = await coffer(['login', '-method=userpass', 'username=alice', 'password=wrong'], { home, token: null });
      assert.equal(result.code, EXIT_API_ERROR);
      assert.match(result.stderr, /^Error authenticating: Error making API request\.\n\nURL: POST \S+\/v1\/auth\/userpass\/login\/alice\n/);
      assert.equal(await hasStoredToken(home), false);
    });

    it('-no-store prints the token but leaves no token file, and says so on stderr', async () => {
      const home = await freshHome();
      const result = await coffer(['login', '-method=userpass', '-no-store', 'username=alice', 'password=alice-pw'], { home, token: null });
      assert.equal(result.code, 0, result.stderr);
      assert.ok((tableValue(result.stdout, 'token') ?? '').length > 0, result.stdout);
      assert.match(result.stderr, /not stored/);
      assert.equal(await hasStoredToken(home), false);
    });

    it('-token-only prints just the token, which works, and stores nothing', async () => {
      const home = await freshHome();
      const token = await ok(['login', '-method=userpass', '-token-only', 'username=alice', 'password=alice-pw'], { home, token: null });
      assert.match(token, /^\S+$/, 'only the token, no newline when stdout is not a terminal');
      assert.equal(await hasStoredToken(home), false);
      const self = await api<{ data: { policies: string[] } }>(server.address, 'GET', 'auth/token/lookup-self', { token });
      assert.equal(self.status, 200, self.text);
      assert.deepEqual(self.body.data.policies, ['default', 'dev']);
    });

    it('-format=json prints the login response envelope with its auth block', async () => {
      const home = await freshHome();
      const printed = JSON.parse(await ok(['login', '-method=userpass', '-format=json', 'username=alice', 'password=alice-pw'], { home, token: null }));
      assert.equal(typeof printed.auth.client_token, 'string');
      assert.deepEqual(printed.auth.token_policies, ['default', 'dev']);
      assert.equal(printed.auth.metadata.username, 'alice');
      assert.equal(await storedToken(home), printed.auth.client_token);
    });

    it('-path logs in through a userpass mount enabled elsewhere', async () => {
      await ok(['auth', 'enable', '-path=staff', 'userpass']);
      assertNoContent(await api(server.address, 'POST', 'auth/staff/users/bob', { token: server.rootToken, body: { password: 'bob-pw' } }), 'create bob');
      const home = await freshHome();
      const out = await ok(['login', '-method=userpass', '-path=staff', 'username=bob', 'password=bob-pw'], { home, token: null });
      assert.equal(tableValue(out, 'token_meta_username'), 'bob');
    });

    it('totp=CODE goes along with the password for a user with TOTP turned on', async () => {
      assertNoContent(await api(server.address, 'POST', 'auth/userpass/users/carol', { token: server.rootToken, body: { password: 'carol-pw' } }), 'create carol');
      const seed = await api<{ data: { key: string } }>(server.address, 'POST', 'auth/userpass/users/carol/mfa/totp', { token: server.rootToken, body: {} });
      assert.equal(seed.status, 200, seed.text);
      const home = await freshHome();
      const withoutCode = await coffer(['login', '-method=userpass', 'username=carol', 'password=carol-pw'], { home, token: null });
      assert.equal(withoutCode.code, EXIT_API_ERROR, 'the password alone is not enough once TOTP is on');
      const code = new TOTP({ secret: TotpSecret.fromBase32(seed.body.data.key) }).generate();
      await ok(['login', '-method=userpass', 'username=carol', 'password=carol-pw', `totp=${code}`], { home, token: null });
      assert.ok((await storedToken(home)).length > 0);
    });
  });

  describe('approle: a wrapped SecretID handed over, unwrapped and used with coffer login', () => {
    /** Creates role `name` with `policies` and answers its RoleID (read with `coffer read -field`). */
    const newRole = async (name: string, policies: string[]): Promise<string> => {
      assertNoContent(await api(server.address, 'POST', `auth/approle/role/${name}`, { token: server.rootToken, body: { token_policies: policies } }), `create role ${name}`);
      return ok(['read', '-field=role_id', `auth/approle/role/${name}/role-id`]);
    };

    before(async () => {
      if (!(await sysAuth())['approle/']) await ok(['auth', 'enable', 'approle']);
      await writePolicy(server.address, server.rootToken, 'app', 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n');
    });

    it('write -wrap-ttl=60s -f auth/approle/role/<r>/secret-id prints the wrap_info table, not the SecretID', async () => {
      await newRole('wrapped', ['app']);
      const out = await ok(['write', '-wrap-ttl=60s', '-f', 'auth/approle/role/wrapped/secret-id']);
      assert.match(out, /^Key\s+Value\n---\s+-----\n/);
      assert.ok((tableValue(out, 'wrapping_token:') ?? '').length > 0, out);
      assert.ok((tableValue(out, 'wrapping_accessor:') ?? '').length > 0, out);
      assert.equal(tableValue(out, 'wrapping_token_ttl:'), '1m');
      assert.match(tableValue(out, 'wrapping_token_creation_time:') ?? '', GO_TIME);
      assert.equal(tableValue(out, 'wrapping_token_creation_path:'), 'auth/approle/role/wrapped/secret-id');
      assert.equal(tableValue(out, 'secret_id'), undefined, 'the SecretID itself is not printed');
    });

    it('the wrapped_accessor row is the SecretID\'s accessor, as in Vault', async () => {
      await newRole('accessor', ['app']);
      const out = await ok(['write', '-wrap-ttl=60s', '-f', 'auth/approle/role/accessor/secret-id']);
      const unwrapped = await ok(['unwrap', tableValue(out, 'wrapping_token:') ?? '']);
      const accessor = tableValue(unwrapped, 'secret_id_accessor') ?? '';
      assert.ok(accessor.length > 0, unwrapped);
      assert.equal(tableValue(out, 'wrapped_accessor:'), accessor, out);
    });

    it('write without data and without -f is a usage error (exit 1)', async () => {
      const result = await coffer(['write', 'auth/approle/role/wrapped/secret-id']);
      assert.equal(result.code, EXIT_USAGE);
      assert.match(result.stderr, /Must supply data or use -force/);
    });

    it('unwrap prints the secret_id; login -method=approle stores a token that token lookup shows with the role\'s policies', async () => {
      const roleId = await newRole('deploy', ['app']);
      const wrapping = await ok(['write', '-wrap-ttl=60s', '-field=wrapping_token', '-f', 'auth/approle/role/deploy/secret-id']);
      // The app's side: it holds only the wrapping token and the RoleID, and no token of its own.
      const appHome = await freshHome();
      const unwrapped = await ok(['unwrap', wrapping], { home: appHome, token: null });
      const secretId = tableValue(unwrapped, 'secret_id') ?? '';
      assert.match(secretId, /^\S{8,}$/, unwrapped);
      const login = await ok(['login', '-method=approle', `role_id=${roleId}`, `secret_id=${secretId}`], { home: appHome, token: null });
      assert.match(login, /^Success! You are now authenticated\./);
      assert.equal(tableValue(login, 'token_policies'), '["app" "default"]');
      const lookup = await ok(['token', 'lookup'], { home: appHome, token: null });
      assert.equal(tableValue(lookup, 'id'), await storedToken(appHome));
      assert.equal(tableValue(lookup, 'policies'), '[app default]');
      assert.equal(tableValue(lookup, 'path'), 'auth/approle/login');
    });

    it('unwrapping the same SecretID wrapping token twice fails the second time', async () => {
      await newRole('once', ['app']);
      const wrapping = await ok(['write', '-wrap-ttl=60s', '-field=wrapping_token', '-f', 'auth/approle/role/once/secret-id']);
      await ok(['unwrap', wrapping], { token: null });
      const again = await coffer(['unwrap', wrapping], { token: null });
      assert.equal(again.code, EXIT_API_ERROR);
      assert.match(again.stderr, /wrapping token is not valid or does not exist/);
    });

    it('login -wrap-ttl -token-only prints a wrapping token whose unwrap holds the login', async () => {
      const roleId = await newRole('wrappedlogin', ['app']);
      const secretId = await ok(['write', '-field=secret_id', '-f', 'auth/approle/role/wrappedlogin/secret-id']);
      const home = await freshHome();
      const wrapping = await ok(['login', '-method=approle', '-wrap-ttl=2m', '-token-only', `role_id=${roleId}`, `secret_id=${secretId}`], { home, token: null });
      assert.equal(await hasStoredToken(home), false);
      const unwrapped = await api<{ auth: { token_policies: string[] } }>(server.address, 'POST', 'sys/wrapping/unwrap', { token: wrapping });
      assert.equal(unwrapped.status, 200, unwrapped.text);
      assert.deepEqual(unwrapped.body.auth.token_policies, ['app', 'default']);
    });

    it('login -wrap-ttl without -no-store unwraps the login itself and stores the token', async () => {
      const roleId = await newRole('autounwrap', ['app']);
      const secretId = await ok(['write', '-field=secret_id', '-f', 'auth/approle/role/autounwrap/secret-id']);
      const home = await freshHome();
      const out = await ok(['login', '-method=approle', '-wrap-ttl=2m', `role_id=${roleId}`, `secret_id=${secretId}`], { home, token: null });
      assert.equal(tableValue(out, 'token'), await storedToken(home));
      assert.equal(tableValue(out, 'token_policies'), '["app" "default"]');
    });

    it('a wrong secret_id exits 1 and stores nothing', async () => {
      const roleId = await newRole('wrongsecret', ['app']);
      const home = await freshHome();
      const result = await coffer(['login', '-method=approle', `role_id=${roleId}`, 'secret_id=not-the-secret'], { home, token: null });
      assert.equal(result.code, EXIT_API_ERROR);
      assert.match(result.stderr, /^Error authenticating: Error making API request\.\n\nURL: POST \S+\/v1\/auth\/approle\/login\n/);
      assert.equal(await hasStoredToken(home), false);
    });
  });

  describe('jwt: the token read from a file with jwt=@file', () => {
    let jwtFile: string;

    before(async () => {
      await ok(['auth', 'enable', 'jwt']);
      const { publicKey, privateKey } = await generateKeyPair('RS256');
      const configured = await api(server.address, 'POST', 'auth/jwt/config', {
        token: server.rootToken,
        body: { jwt_validation_pubkeys: [await exportSPKI(publicKey)], bound_issuer: 'https://ci.example' },
      });
      assert.ok(configured.status === 200 || configured.status === 204, `jwt config: ${configured.status} ${configured.text}`);
      await writePolicy(server.address, server.rootToken, 'ci', 'path "secret/data/ci/*" {\n  capabilities = ["read"]\n}\n');
      const role = await api(server.address, 'POST', 'auth/jwt/role/ci', {
        token: server.rootToken,
        body: { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['coffer-cli-test'], token_policies: ['ci'] },
      });
      assert.ok(role.status === 200 || role.status === 204, `jwt role: ${role.status} ${role.text}`);
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer('https://ci.example')
        .setAudience('coffer-cli-test')
        .setSubject('pipeline-42')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey);
      jwtFile = join(await freshHome(), 'ci.jwt');
      await writeFile(jwtFile, jwt);
    });

    it('write auth/jwt/login role=ci jwt=@file logs in with the file\'s JWT', async () => {
      const out = await ok(['write', 'auth/jwt/login', 'role=ci', `jwt=@${jwtFile}`]);
      assert.equal(tableValue(out, 'token_policies'), '["ci" "default"]');
    });

    it('login -method=jwt role=ci jwt=@file stores a token carrying the role\'s policies', async () => {
      const home = await freshHome();
      const out = await ok(['login', '-method=jwt', 'role=ci', `jwt=@${jwtFile}`], { home, token: null });
      assert.equal(tableValue(out, 'token'), await storedToken(home));
      assert.equal(tableValue(out, 'policies'), '["ci" "default"]');
    });

    it('write auth/jwt/login jwt=@ a file that does not exist is a usage error (exit 1) naming the file', async () => {
      const result = await coffer(['write', 'auth/jwt/login', 'role=ci', 'jwt=@/nonexistent/ci.jwt']);
      assert.equal(result.code, EXIT_USAGE);
      assert.match(result.stderr, /^Failed to read \/nonexistent\/ci\.jwt: /);
    });
  });

  describe('kubernetes: a service-account JWT read from a file', () => {
    let jwks: Server;
    let saTokenFile: string;

    before(async () => {
      const { publicKey, privateKey } = await generateKeyPair('RS256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'sa-key', alg: 'RS256', use: 'sig' };
      // The service-account issuer's JWKS, served on loopback so the mount verifies logins offline.
      jwks = createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
      const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/openid/v1/jwks`;
      await ok(['auth', 'enable', 'kubernetes']);
      // kubernetes_host is required as in Vault; with jwks_url set it is never called. No CA is
      // given and this is no pod, so the local CA fallback is turned off (else the write is refused).
      await ok(['write', 'auth/kubernetes/config', 'kubernetes_host=https://127.0.0.1:6443', `jwks_url=${jwksUrl}`, 'issuer=https://kubernetes.default.svc', 'disable_local_ca_jwt=true']);
      await writePolicy(server.address, server.rootToken, 'k8s', 'path "secret/data/k8s/*" {\n  capabilities = ["read"]\n}\n');
      await ok(['write', 'auth/kubernetes/role/web', 'bound_service_account_names=web', 'bound_service_account_namespaces=prod', 'token_policies=k8s']);
      const jwt = await new SignJWT({ 'kubernetes.io': { namespace: 'prod', serviceaccount: { name: 'web', uid: 'uid-web-1' } } })
        .setProtectedHeader({ alg: 'RS256', kid: 'sa-key' })
        .setIssuer('https://kubernetes.default.svc')
        .setSubject('system:serviceaccount:prod:web')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey);
      saTokenFile = join(await freshHome(), 'token');
      await writeFile(saTokenFile, jwt);
    });
    after(async () => {
      await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
    });

    it('login -method=kubernetes role=web jwt=@file stores a token for the service account', async () => {
      const home = await freshHome();
      const out = await ok(['login', '-method=kubernetes', 'role=web', `jwt=@${saTokenFile}`], { home, token: null });
      assert.equal(tableValue(out, 'token'), await storedToken(home));
      assert.equal(tableValue(out, 'policies'), '["default" "k8s"]');
      assert.equal(tableValue(out, 'token_meta_service_account_name'), 'web');
      assert.equal(tableValue(out, 'token_meta_service_account_namespace'), 'prod');
    });
  });

  describe('login usage errors (exit 1, no token stored)', () => {
    const usage = async (args: string[], message: RegExp, stdin?: string) => {
      const home = await freshHome();
      const result = await coffer(args, { home, token: null, stdin });
      assert.equal(result.code, EXIT_USAGE, `coffer ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
      assert.equal(await hasStoredToken(home), false);
    };

    it('-method=unknown names the method and the ones coffer supports', () =>
      usage(['login', '-method=unknown', 'a=b'], /^Unknown auth method: unknown\. .*-method=token, userpass, approle, jwt, kubernetes/));

    it('-method=userpass without username=', () => usage(['login', '-method=userpass', 'password=x'], /'username' must be specified for -method=userpass/));

    it('-method=userpass without a password and without a terminal to ask on', () =>
      usage(['login', '-method=userpass', 'username=alice'], /No password given for -method=userpass: pass password=P .*no terminal/));

    it('-method=approle without role_id=', () => usage(['login', '-method=approle', 'secret_id=x'], /'role_id' must be specified for -method=approle/));

    it('-method=kubernetes without jwt=', () => usage(['login', '-method=kubernetes', 'role=r'], /'jwt' must be specified for -method=kubernetes/));

    it('-method=jwt with jwt=@ a file that does not exist', () => usage(['login', '-method=jwt', 'role=r', 'jwt=@/nonexistent/coffer.jwt'], /^Failed to read \/nonexistent\/coffer\.jwt/));

    it('an argument that is not K=V', () => usage(['login', '-method=approle', 'role_id'], /Failed to parse K=V data: invalid key\/value pair "role_id"/));

    it('-no-store together with -no-print', () => usage(['login', '-no-store', '-no-print', '-method=approle', 'role_id=x'], /-no-store and -no-print cannot be used together/));

    it('token login with no token and no terminal', () => usage(['login'], /No token given/));

    it('an unknown flag', () => usage(['login', '-methd=userpass'], /^flag provided but not defined: -methd\n/));
  });
});

describe('coffer login requests on the wire (against a recording stub)', () => {
  let stub: Awaited<ReturnType<typeof startStub>>;
  const loginAuth = { client_token: 'hvs.from-login', accessor: 'acc-1', policies: ['default', 'p'], token_policies: ['default', 'p'], metadata: { role: 'r' }, lease_duration: 3600, renewable: true };

  const route = (req: SeenRequest): StubAnswer => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/v1/auth/wrapped/login') {
      const wrapInfo = { token: 'hvs.wrapping', accessor: 'wacc', ttl: 60, creation_time: '2024-05-01T10:00:00Z', creation_path: 'auth/wrapped/login', wrapped_accessor: 'acc-1' };
      return { status: 200, body: envelope(null, { wrap_info: wrapInfo }) };
    }
    if (path === '/v1/sys/wrapping/unwrap') return { status: 200, body: envelope(null, { auth: loginAuth }) };
    if (path.startsWith('/v1/auth/')) return { status: 200, body: envelope(null, { auth: loginAuth }) };
    return { status: 404, body: { errors: [] } };
  };
  const last = () => stub.seen[stub.seen.length - 1] as SeenRequest;
  const coffer = (home: string, args: string[], stdin?: string) => cofferAt(stub.address, args, { home, token: 'hvs.ambient', stdin });

  before(async () => {
    stub = await startStub(route);
  });
  after(async () => {
    await stub?.close();
  });

  it('login -method=jwt -path=P role=R jwt=@file POSTs the file\'s contents to auth/P/login, without the ambient token', async () => {
    const home = await freshHome();
    const file = join(home, 'token.jwt');
    await writeFile(file, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln');
    succeeded(await coffer(home, ['login', '-method=jwt', '-path=corp-jwt', 'role=builder', `jwt=@${file}`]), 'coffer login');
    assert.equal(last().method, 'POST');
    assert.equal(last().url, '/v1/auth/corp-jwt/login');
    assert.deepEqual(JSON.parse(last().body), { role: 'builder', jwt: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' });
    assert.equal(last().headers['x-vault-token'], undefined, 'a login carries no client token');
    assert.equal(await storedToken(home), 'hvs.from-login');
  });

  it('login -method=kubernetes role=R jwt=@file POSTs role and service-account token to auth/kubernetes/login', async () => {
    const home = await freshHome();
    const file = join(home, 'sa-token');
    await writeFile(file, 'sa.jwt.value');
    succeeded(await coffer(home, ['login', '-method=kubernetes', 'role=web', `jwt=@${file}`]), 'coffer login');
    assert.equal(last().url, '/v1/auth/kubernetes/login');
    assert.deepEqual(JSON.parse(last().body), { role: 'web', jwt: 'sa.jwt.value' });
  });

  it('login -method=userpass POSTs the password (and totp) to auth/userpass/login/<username>', async () => {
    const home = await freshHome();
    succeeded(await coffer(home, ['login', '-method=userpass', 'username=dana', 'password=-', 'totp=123456'], 'pw-from-stdin'), 'coffer login');
    assert.equal(last().url, '/v1/auth/userpass/login/dana');
    assert.deepEqual(JSON.parse(last().body), { password: 'pw-from-stdin', totp: '123456' });
  });

  it('mount=P among the arguments wins over -path, as in Vault', async () => {
    const home = await freshHome();
    succeeded(await coffer(home, ['login', '-method=approle', '-path=ignored', 'mount=machines', 'role_id=r', 'secret_id=s']), 'coffer login');
    assert.equal(last().url, '/v1/auth/machines/login');
    assert.deepEqual(JSON.parse(last().body), { role_id: 'r', secret_id: 's' });
  });

  it('prints token_meta_* rows and warns on stderr that COFFER_TOKEN still wins over the stored token', async () => {
    const home = await freshHome();
    const result = await coffer(home, ['login', '-method=approle', 'role_id=r', 'secret_id=s']);
    assert.equal(tableValue(result.stdout, 'token_meta_role'), 'r');
    assert.equal(tableValue(result.stdout, 'token_duration'), '1h');
    assert.match(result.stderr, /WARNING! The COFFER_TOKEN environment variable is set!/);
  });

  it('a wrapped login is unwrapped with the wrapping token, and the token inside is stored', async () => {
    const home = await freshHome();
    const before = stub.seen.length;
    succeeded(await coffer(home, ['login', '-method=approle', '-path=wrapped', '-wrap-ttl=1m', 'role_id=r', 'secret_id=s']), 'coffer login');
    const [loginRequest, unwrapRequest] = stub.seen.slice(before);
    assert.equal(loginRequest?.headers['x-vault-wrap-ttl'], '1m');
    assert.equal(unwrapRequest?.url, '/v1/sys/wrapping/unwrap');
    assert.equal(unwrapRequest?.headers['x-vault-token'], 'hvs.wrapping');
    assert.equal(await storedToken(home), 'hvs.from-login');
  });

  it('a wrapped login with -no-store prints the wrap_info and unwraps nothing', async () => {
    const home = await freshHome();
    const before = stub.seen.length;
    const result = await coffer(home, ['login', '-method=approle', '-path=wrapped', '-wrap-ttl=1m', '-no-store', 'role_id=r', 'secret_id=s']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(tableValue(result.stdout, 'wrapping_token:'), 'hvs.wrapping');
    assert.equal(tableValue(result.stdout, 'wrapped_accessor:'), 'acc-1');
    assert.equal(stub.seen.length - before, 1, 'no unwrap request');
    assert.equal(await hasStoredToken(home), false);
  });

  it('on a terminal, a missing password is asked for without echo', async () => {
    const home = await freshHome();
    // `script` gives the child a pseudo-terminal; the password is typed only once the prompt shows.
    const env = cleanEnv({ HOME: home, COFFER_ADDR: stub.address });
    const child = spawn('script', ['-qec', `${process.execPath} ${COFFER_BIN} login -method=userpass username=erin`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await poll('the password prompt', () => output.includes('Password (will be hidden): '), { intervalMs: 20, detail: () => output });
    assert.ok(output.includes('Password (will be hidden): '), `no prompt: ${output}`);
    // stdin stays open until the child is done: an early EOF would reach the terminal as a hang-up.
    child.stdin.write('typed-secret\r');
    const code = await exited;
    clearTimeout(killer);
    child.stdin.destroy();
    assert.equal(code, 0, output);
    assert.equal(last().url, '/v1/auth/userpass/login/erin');
    assert.deepEqual(JSON.parse(last().body), { password: 'typed-secret' });
    assert.ok(!output.includes('typed-secret'), `the password is echoed: ${JSON.stringify(output)}`);
    assert.equal(await storedToken(home), 'hvs.from-login');
  });
});
