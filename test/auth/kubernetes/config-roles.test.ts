import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../../harness/errors.js';
import { api } from '../../harness/http.js';
import { startServer, type TestServer } from '../../harness/server.js';
import { assertNoContent } from '../../sys/fixture.js';
import { TokenIssuer } from './fixture.js';

// auth/<mount>/config and auth/<mount>/role over HTTP, shapes after Vault's Kubernetes auth API
// (https://developer.hashicorp.com/vault/api-docs/auth/kubernetes).

const MOUNT = 'auth/kubernetes';

describe('kubernetes auth: config and roles over HTTP', () => {
  let server: TestServer;
  let root: string;
  let issuer: TokenIssuer;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    api<T>(server.address, method, path, { token: root, ...(body === undefined ? {} : { body }) });

  // The pod's service-account directory Vault falls back on for a CA: one with a real CA certificate,
  // made with openssl, as if Coffer ran in a pod (COFFER_KUBERNETES_SERVICE_ACCOUNT_DIR points there).
  let saDir: string;
  let localCa: string;

  before(async () => {
    saDir = mkdtempSync(join(tmpdir(), 'coffer-k8s-sa-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=coffer-test-local-ca'], { cwd: saDir, stdio: 'pipe' });
    localCa = readFileSync(join(saDir, 'ca.crt'), 'utf8');
    server = await startServer({ env: { COFFER_KUBERNETES_SERVICE_ACCOUNT_DIR: saDir } });
    root = server.rootToken;
    issuer = await TokenIssuer.create();
    assertNoContent(await call('POST', 'sys/auth/kubernetes', { type: 'kubernetes' }), 'enable kubernetes auth');
  });
  after(async () => {
    await server?.destroy();
    if (saDir) rmSync(saDir, { recursive: true, force: true });
  });

  describe('config', () => {
    describe('with no kubernetes_ca_cert (Vault falls back on the pod\'s CA file)', () => {
      /** Runs `body` with the pod's ca.crt holding `content`, or absent when null; restores it after. */
      async function withLocalCa(content: string | null, body: () => Promise<void>): Promise<void> {
        const file = join(saDir, 'ca.crt');
        renameSync(file, `${file}.kept`);
        try {
          if (content !== null) writeFileSync(file, content);
          await body();
        } finally {
          rmSync(file, { force: true });
          renameSync(`${file}.kept`, file);
        }
      }

      it('accepts the config when the local CA file is there, and stores no CA (it is read at each login)', async () => {
        assertNoContent(await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://10.0.0.7:6443' }), 'config write');
        const data = (await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/config`)).body.data;
        assert.equal(data.kubernetes_host, 'https://10.0.0.7:6443');
        assert.equal(data.kubernetes_ca_cert, '');
        assert.ok(localCa.includes('BEGIN CERTIFICATE'));
      });

      it("refuses it with 400 and Vault's open error when there is no local CA file, and keeps the previous config", async () => {
        assertNoContent(await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://kept.example:6443' }), 'good config');
        await withLocalCa(null, async () => {
          const res = await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://10.0.0.8:6443' });
          assert.equal(res.status, 400, res.text);
          assert.deepEqual(res.body, { errors: [`open ${join(saDir, 'ca.crt')}: no such file or directory`] });
        });
        const data = (await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/config`)).body.data;
        assert.equal(data.kubernetes_host, 'https://kept.example:6443');
      });

      it('accepts it with no local CA file when disable_local_ca_jwt is true', async () => {
        await withLocalCa(null, async () => {
          assertNoContent(await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://10.0.0.9:6443', disable_local_ca_jwt: true }), 'config write');
        });
        const data = (await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/config`)).body.data;
        assert.equal(data.disable_local_ca_jwt, true);
      });

      it('refuses a local CA file that holds no certificate with 400 (Coffer is stricter than Vault here)', async () => {
        await withLocalCa('not a certificate\n', async () => {
          assertErrorAnswer(await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://10.0.0.10:6443' }), 400, /local service-account CA: no PEM certificate found/);
        });
      });

      it('uses a given kubernetes_ca_cert even with no local CA file', async () => {
        await withLocalCa(null, async () => {
          assertNoContent(await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://10.0.0.11:6443', kubernetes_ca_cert: localCa }), 'config write');
        });
      });
    });

    it('answers 404 while the mount has no config', async () => {
      const res = await api(server.address, 'POST', 'sys/auth/k8s-empty', { token: root, body: { type: 'kubernetes' } });
      assertNoContent(res, 'enable second mount');
      assert.equal((await call('GET', 'auth/k8s-empty/config')).status, 404);
    });

    it('reads back what was written, with disable_iss_validation true by default and no token_reviewer_jwt', async () => {
      const reviewer = 'reviewer-secret-jwt-value';
      assertNoContent(
        await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://10.0.0.1:6443', token_reviewer_jwt: reviewer, pem_keys: [issuer.publicPem], issuer: 'https://issuer.example' }),
        'config write',
      );
      const res = await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/config`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data, {
        kubernetes_host: 'https://10.0.0.1:6443',
        kubernetes_ca_cert: '',
        pem_keys: [issuer.publicPem],
        issuer: 'https://issuer.example',
        disable_iss_validation: true,
        disable_local_ca_jwt: false,
        token_reviewer_jwt_set: true,
        use_annotations_as_alias_metadata: false,
        jwks_url: '',
      });
      assert.ok(!res.text.includes(reviewer), 'the reviewer JWT must never be answered');
      assert.ok(!('token_reviewer_jwt' in res.body.data));
    });

    it('replaces the whole config on each write, as Vault does', async () => {
      assertNoContent(await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://10.0.0.1:6443', token_reviewer_jwt: 'x', issuer: 'a' }), 'first');
      assertNoContent(await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://10.0.0.2:6443', jwks_url: 'https://10.0.0.2:6443/openid/v1/jwks' }), 'second');
      const data = (await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/config`)).body.data;
      assert.equal(data.kubernetes_host, 'https://10.0.0.2:6443');
      assert.equal(data.issuer, '');
      assert.equal(data.token_reviewer_jwt_set, false);
      assert.equal(data.jwks_url, 'https://10.0.0.2:6443/openid/v1/jwks');
    });

    const badConfigs: Array<[string, Record<string, unknown>, RegExp]> = [
      ['no kubernetes_host', { token_reviewer_jwt: 'x' }, /no host provided/],
      ['a kubernetes_host that is no host or URL', { kubernetes_host: 'ftp://example.com' }, /kubernetes_host/],
      ['a kubernetes_ca_cert with no certificate', { kubernetes_host: 'https://k8s', kubernetes_ca_cert: 'not a certificate' }, /kubernetes_ca_cert/],
      [
        'a kubernetes_ca_cert whose certificate is corrupt',
        { kubernetes_host: 'https://k8s', kubernetes_ca_cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' },
        /kubernetes_ca_cert/,
      ],
      ['a pem_keys entry that is not a key', { kubernetes_host: 'https://k8s', pem_keys: ['hello'] }, /pem_keys\[0\]/],
      ['a jwks_url that is not a URL', { kubernetes_host: 'https://k8s', jwks_url: 'not a url' }, /jwks_url/],
      ['a jwks_url that is not http(s)', { kubernetes_host: 'https://k8s', jwks_url: 'file:///etc/passwd' }, /jwks_url/],
      ['disable_iss_validation that is not a bool', { kubernetes_host: 'https://k8s', disable_iss_validation: 'maybe' }, /disable_iss_validation/],
    ];
    for (const [what, body, message] of badConfigs) {
      it(`refuses ${what} with 400 and keeps the previous config`, async () => {
        assertNoContent(await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://kept.example:6443' }), 'good config');
        assertErrorAnswer(await call('POST', `${MOUNT}/config`, body), 400, message);
        const data = (await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/config`)).body.data;
        assert.equal(data.kubernetes_host, 'https://kept.example:6443');
      });
    }

    it('refuses a private key given as a pem_keys entry with 400', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      assertErrorAnswer(await call('POST', `${MOUNT}/config`, { kubernetes_host: 'https://k8s', pem_keys: [pem] }), 400, /private key/);
    });
  });

  describe('roles', () => {
    const role = {
      bound_service_account_names: ['app', 'worker-*'],
      bound_service_account_namespaces: ['prod-*'],
      audience: 'coffer',
      token_policies: ['app-read', 'App-Write'],
      token_ttl: '1h',
      token_max_ttl: '4h',
      token_bound_cidrs: ['10.0.0.0/8'],
      token_num_uses: 5,
      token_period: 0,
      token_explicit_max_ttl: '8h',
      token_no_default_policy: true,
    };

    it("reads a role back in Vault's shape, durations in seconds and policies sanitized", async () => {
      assertNoContent(await call('POST', `${MOUNT}/role/app`, role), 'role write');
      const res = await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/role/app`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.data, {
        bound_service_account_names: ['app', 'worker-*'],
        bound_service_account_namespaces: ['prod-*'],
        bound_service_account_namespace_selector: '',
        audience: 'coffer',
        alias_name_source: 'serviceaccount_uid',
        token_policies: ['app-read', 'app-write'],
        token_ttl: 3600,
        token_max_ttl: 14400,
        token_explicit_max_ttl: 28800,
        token_period: 0,
        token_num_uses: 5,
        token_bound_cidrs: ['10.0.0.0/8'],
        token_no_default_policy: true,
        token_type: 'default',
      });
    });

    it('lists roles with LIST and with GET ?list=true', async () => {
      assertNoContent(await call('POST', `${MOUNT}/role/listed`, { bound_service_account_names: '*', bound_service_account_namespaces: '*', audience: 'a' }), 'role');
      for (const [method, path] of [['LIST', `${MOUNT}/role`], ['GET', `${MOUNT}/role?list=true`], ['LIST', `${MOUNT}/role/`]] as const) {
        const res = await call<{ data: { keys: string[] } }>(method, path);
        assert.equal(res.status, 200, `${method} ${path}: ${res.text}`);
        assert.ok(res.body.data.keys.includes('listed'), res.text);
      }
    });

    it('updates only the fields sent', async () => {
      assertNoContent(await call('POST', `${MOUNT}/role/partial`, role), 'create');
      assertNoContent(await call('POST', `${MOUNT}/role/partial`, { token_ttl: '30m' }), 'update');
      const data = (await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/role/partial`)).body.data;
      assert.equal(data.token_ttl, 1800);
      assert.deepEqual(data.bound_service_account_names, ['app', 'worker-*']);
      assert.deepEqual(data.token_policies, ['app-read', 'app-write']);
      assert.equal(data.audience, 'coffer');
    });

    it('accepts the deprecated "policies" and "ttl" names for token_policies and token_ttl', async () => {
      assertNoContent(
        await call('POST', `${MOUNT}/role/legacy`, { bound_service_account_names: 'a', bound_service_account_namespaces: 'b', policies: 'p1,p2', ttl: 60, audience: 'x' }),
        'legacy',
      );
      const data = (await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/role/legacy`)).body.data;
      assert.deepEqual(data.token_policies, ['p1', 'p2']);
      assert.equal(data.token_ttl, 60);
      // Written under the old names, they are answered under them too (as Vault's role read does).
      assert.deepEqual(data.policies, ['p1', 'p2']);
      assert.equal(data.ttl, 60);
    });

    it('takes alias_name_source "serviceaccount_name"', async () => {
      assertNoContent(
        await call('POST', `${MOUNT}/role/by-name`, { bound_service_account_names: 'a', bound_service_account_namespaces: 'b', alias_name_source: 'serviceaccount_name', audience: 'x' }),
        'role',
      );
      assert.equal((await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/role/by-name`)).body.data.alias_name_source, 'serviceaccount_name');
    });

    it('warns when a role has no audience', async () => {
      const res = await call<{ warnings: string[] }>('POST', `${MOUNT}/role/no-aud`, { bound_service_account_names: 'a', bound_service_account_namespaces: 'b' });
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.warnings.some((w) => /audience/.test(w)), res.text);
    });

    it('deletes a role: read answers 404 after', async () => {
      assertNoContent(await call('POST', `${MOUNT}/role/gone`, { bound_service_account_names: 'a', bound_service_account_namespaces: 'b', audience: 'x' }), 'create');
      assertNoContent(await call('DELETE', `${MOUNT}/role/gone`), 'delete');
      assert.equal((await call('GET', `${MOUNT}/role/gone`)).status, 404);
    });

    const base = { bound_service_account_names: ['a'], bound_service_account_namespaces: ['b'], audience: 'x' };
    const badRoles: Array<[string, Record<string, unknown>, RegExp]> = [
      ['an empty bound_service_account_names', { ...base, bound_service_account_names: [] }, /"bound_service_account_names" can not be empty/],
      ['an empty bound_service_account_namespaces', { ...base, bound_service_account_namespaces: '' }, /"bound_service_account_namespaces" can not be empty/],
      ['"*" mixed with other names', { ...base, bound_service_account_names: ['*', 'a'] }, /can not mix "\*" with values/],
      ['"*" mixed with other namespaces', { ...base, bound_service_account_namespaces: ['b', '*'] }, /can not mix "\*" with values/],
      ['an unknown alias_name_source', { ...base, alias_name_source: 'pod_name' }, /alias_name_source/],
      ['token_ttl above token_max_ttl', { ...base, token_ttl: '2h', token_max_ttl: '1h' }, /'token_ttl' cannot be greater than 'token_max_ttl'/],
      ['a bad token_bound_cidrs entry', { ...base, token_bound_cidrs: ['10.0.0.0/33'] }, /token_bound_cidrs/],
      ['a negative token_num_uses', { ...base, token_num_uses: -1 }, /token_num_uses/],
      ['batch tokens', { ...base, token_type: 'batch' }, /batch/],
      ['a namespace selector (not supported)', { ...base, bound_service_account_namespace_selector: '{"matchLabels":{"a":"b"}}' }, /namespace_selector/],
      ['both "policies" and "token_policies"', { ...base, policies: ['a'], token_policies: ['b'] }, /token_policies/],
      ['a token_ttl that is not a duration', { ...base, token_ttl: 'soon' }, /token_ttl/],
    ];
    for (const [what, body, message] of badRoles) {
      it(`refuses a role with ${what} with 400 and changes nothing`, async () => {
        assertNoContent(await call('POST', `${MOUNT}/role/guarded`, { ...base, token_policies: ['kept'] }), 'good role');
        assertErrorAnswer(await call('POST', `${MOUNT}/role/guarded`, body), 400, message);
        const data = (await call<{ data: Record<string, unknown> }>('GET', `${MOUNT}/role/guarded`)).body.data;
        assert.deepEqual(data.token_policies, ['kept']);
        assert.deepEqual(data.bound_service_account_names, ['a']);
        assert.deepEqual(data.bound_service_account_namespaces, ['b']);
      });
    }

    it('refuses to create a role without bound_service_account_names, leaving no role behind', async () => {
      assertErrorAnswer(await call('POST', `${MOUNT}/role/never`, { bound_service_account_namespaces: ['b'] }), 400, /"bound_service_account_names" can not be empty/);
      assert.equal((await call('GET', `${MOUNT}/role/never`)).status, 404);
    });

    it('refuses to create a role without bound_service_account_namespaces, leaving no role behind', async () => {
      assertErrorAnswer(await call('POST', `${MOUNT}/role/never`, { bound_service_account_names: ['a'] }), 400, /"bound_service_account_namespaces" can not be empty/);
      assert.equal((await call('GET', `${MOUNT}/role/never`)).status, 404);
    });

    it('refuses role and config writes without a token (403)', async () => {
      assertErrorAnswer(await api(server.address, 'POST', `${MOUNT}/role/anon`, { body: base }), 403);
      assertErrorAnswer(await api(server.address, 'POST', `${MOUNT}/config`, { body: { kubernetes_host: 'https://x' } }), 403);
    });
  });
});
