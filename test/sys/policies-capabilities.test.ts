import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer } from '../harness/errors.js';
import { startServer, type TestServer } from '../harness/server.js';
import { api } from '../harness/http.js';
import { assertNoContent, createToken, writePolicy } from './fixture.js';

// sys/policy, sys/policies/acl and sys/capabilities* over HTTP
// (https://developer.hashicorp.com/vault/api-docs/system/policy, .../policies, .../capabilities).

const appPolicy = `
path "secret/data/exact" {
  capabilities = ["read"]
}

path "secret/data/team/*" {
  capabilities = ["create", "read", "update", "list"]
}

path "secret/data/+/config" {
  capabilities = ["read"]
}

path "secret/data/team/locked" {
  capabilities = ["deny"]
}
`;

/** Line 6 is the unclosed list; the parser notices at line 7. */
const brokenPolicy = `path "secret/a" {
  capabilities = ["read"]
}

path "secret/b" {
  capabilities = ["read"
}
`;

const sorted = (list: string[] | undefined) => [...(list ?? [])].sort();

describe('policies and capabilities over HTTP', () => {
  let server: TestServer;
  let root: string;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = root) =>
    api<T>(server.address, method, path, { token, body });

  before(async () => {
    server = await startServer();
    root = server.rootToken;
  });
  after(async () => {
    await server?.destroy();
  });

  describe('sys/policy (legacy API)', () => {
    it('writes, lists, reads back the rules and deletes a policy', async () => {
      assertNoContent(await call('PUT', 'sys/policy/legacy-one', { policy: appPolicy }), 'write');
      const list = await call<{ data: { policies: string[]; keys: string[] } }>('GET', 'sys/policy');
      assert.equal(list.status, 200, list.text);
      for (const name of ['default', 'root', 'legacy-one']) {
        assert.ok(list.body.data.policies.includes(name), `policies lists ${name}`);
        assert.ok(list.body.data.keys.includes(name), `keys lists ${name}`);
      }
      const read = await call<{ data: { name: string; rules: string } }>('GET', 'sys/policy/legacy-one');
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body.data, { name: 'legacy-one', rules: appPolicy });

      assertNoContent(await call('DELETE', 'sys/policy/legacy-one'), 'delete');
      assert.equal((await call('GET', 'sys/policy/legacy-one')).status, 404);
      const after = await call<{ data: { policies: string[] } }>('GET', 'sys/policy');
      assert.equal(after.body.data.policies.includes('legacy-one'), false);
    });

    it('accepts the policy text under "rules" too', async () => {
      assertNoContent(await call('PUT', 'sys/policy/legacy-rules', { rules: appPolicy }), 'write');
      const read = await call<{ data: { rules: string } }>('GET', 'sys/policy/legacy-rules');
      assert.equal(read.body.data.rules, appPolicy);
    });
  });

  describe('sys/policies/acl', () => {
    it('writes, lists, reads back the policy text and deletes a policy', async () => {
      assertNoContent(await call('PUT', 'sys/policies/acl/acl-one', { policy: appPolicy }), 'write');
      const list = await call<{ data: { keys: string[] } }>('LIST', 'sys/policies/acl');
      assert.equal(list.status, 200, list.text);
      for (const name of ['default', 'root', 'acl-one']) assert.ok(list.body.data.keys.includes(name), `lists ${name}`);

      const read = await call<{ data: { name: string; policy: string } }>('GET', 'sys/policies/acl/acl-one');
      assert.deepEqual(read.body.data, { name: 'acl-one', policy: appPolicy });

      assertNoContent(await call('DELETE', 'sys/policies/acl/acl-one'), 'delete');
      assertErrorAnswer(await call('GET', 'sys/policies/acl/acl-one'), 404);
      const after = await call<{ data: { keys: string[] } }>('GET', 'sys/policies/acl?list=true');
      assert.equal(after.body.data.keys.includes('acl-one'), false);
    });

    it('reads the default policy', async () => {
      const read = await call<{ data: { name: string; policy: string } }>('GET', 'sys/policies/acl/default');
      assert.equal(read.status, 200, read.text);
      assert.match(read.body.data.policy, /auth\/token\/lookup-self/);
    });

    it('answers 400 naming the line for invalid HCL, and stores nothing', async () => {
      const res = await call('PUT', 'sys/policies/acl/broken', { policy: brokenPolicy });
      assertErrorAnswer(res, 400, /failed to parse policy/);
      assert.match(res.text, /line [67]\b/, `error names the line: ${res.text}`);
      assertErrorAnswer(await call('GET', 'sys/policies/acl/broken'), 404);
      const list = await call<{ data: { keys: string[] } }>('LIST', 'sys/policies/acl');
      assert.equal(list.body.data.keys.includes('broken'), false);
    });

    it('answers 400 naming the line of an unknown key in a path stanza', async () => {
      const res = await call('PUT', 'sys/policies/acl/typo', { policy: 'path "a" {\n  capabilities = ["read"]\n}\n\npath "b" {\n  capabilitez = ["read"]\n}\n' });
      assertErrorAnswer(res, 400, /capabilitez/);
      assert.match(res.text, /line [56]\b/, `error names the line: ${res.text}`);
    });

    it('keeps the previous version when an update does not parse', async () => {
      await writePolicy(server.address, root, 'kept', appPolicy);
      assertErrorAnswer(await call('PUT', 'sys/policies/acl/kept', { policy: brokenPolicy }), 400);
      const read = await call<{ data: { policy: string } }>('GET', 'sys/policies/acl/kept');
      assert.equal(read.body.data.policy, appPolicy);
    });

    it('answers 400 for an empty policy', async () => {
      assertErrorAnswer(await call('PUT', 'sys/policies/acl/empty', { policy: '' }), 400);
    });

    for (const name of ['default', 'root']) {
      it(`answers 400 to deleting the ${name} policy, on both APIs`, async () => {
        assertErrorAnswer(await call('DELETE', `sys/policies/acl/${name}`), 400, new RegExp(`cannot delete ${name} policy`));
        assertErrorAnswer(await call('DELETE', `sys/policy/${name}`), 400, new RegExp(`cannot delete ${name} policy`));
        const list = await call<{ data: { keys: string[] } }>('LIST', 'sys/policies/acl');
        assert.ok(list.body.data.keys.includes(name));
      });
    }

    it('answers 400 to rewriting the root policy', async () => {
      assertErrorAnswer(await call('PUT', 'sys/policies/acl/root', { policy: appPolicy }), 400);
    });
  });

  describe('capabilities', () => {
    let appToken: string;
    let appAccessor: string;
    const expectations: [path: string, capabilities: string[]][] = [
      ['secret/data/exact', ['read']],
      ['secret/data/exact/child', ['deny']],
      ['secret/data/team/app', ['create', 'list', 'read', 'update']],
      ['secret/data/team/locked', ['deny']],
      ['secret/data/svc/config', ['read']],
      ['secret/data/svc/deep/config', ['deny']],
      ['other/path', ['deny']],
    ];

    before(async () => {
      await writePolicy(server.address, root, 'app', appPolicy);
      ({ token: appToken, accessor: appAccessor } = await createToken(server.address, root, { policies: ['app'] }));
    });

    it('sys/capabilities answers each path for a token (exact, glob, +, deny)', async () => {
      const res = await call<{ data: Record<string, string[]> }>('POST', 'sys/capabilities', { token: appToken, paths: expectations.map(([p]) => p) });
      assert.equal(res.status, 200, res.text);
      for (const [path, capabilities] of expectations) assert.deepEqual(sorted(res.body.data[path]), capabilities, path);
    });

    it('sys/capabilities-self answers for the calling token', async () => {
      const res = await call<{ data: Record<string, string[]> }>('POST', 'sys/capabilities-self', { paths: expectations.map(([p]) => p) }, appToken);
      assert.equal(res.status, 200, res.text);
      for (const [path, capabilities] of expectations) assert.deepEqual(sorted(res.body.data[path]), capabilities, path);
    });

    it('sys/capabilities-self is refused to a token without the default policy (which grants it)', async () => {
      const { token } = await createToken(server.address, root, { policies: ['app'], no_default_policy: true });
      assertErrorAnswer(await call('POST', 'sys/capabilities-self', { paths: ['secret/data/exact'] }, token), 403);
    });

    it('sys/capabilities-accessor answers for the token behind an accessor', async () => {
      const res = await call<{ data: Record<string, string[]> }>('POST', 'sys/capabilities-accessor', { accessor: appAccessor, paths: expectations.map(([p]) => p) });
      assert.equal(res.status, 200, res.text);
      for (const [path, capabilities] of expectations) assert.deepEqual(sorted(res.body.data[path]), capabilities, path);
    });

    it('answers a single path under "capabilities" as well (Vault\'s older shape)', async () => {
      const res = await call<{ data: Record<string, string[]> }>('POST', 'sys/capabilities', { token: appToken, path: 'secret/data/team/app' });
      assert.deepEqual(sorted(res.body.data.capabilities), ['create', 'list', 'read', 'update']);
      assert.deepEqual(sorted(res.body.data['secret/data/team/app']), ['create', 'list', 'read', 'update']);
    });

    it('leaves "capabilities" out when more than one path is asked', async () => {
      const res = await call<{ data: Record<string, string[]> }>('POST', 'sys/capabilities', { token: appToken, paths: ['secret/data/exact', 'other/path'] });
      assert.equal(res.status, 200, res.text);
      assert.equal('capabilities' in res.body.data, false);
    });

    it('answers ["root"] for the root token on any path', async () => {
      const res = await call<{ data: Record<string, string[]> }>('POST', 'sys/capabilities-self', { paths: ['secret/data/anything', 'sys/mounts'] });
      assert.deepEqual(res.body.data['secret/data/anything'], ['root']);
      assert.deepEqual(res.body.data['sys/mounts'], ['root']);
    });

    it('answers the default policy\'s capabilities to a token that has it', async () => {
      const { token } = await createToken(server.address, root, { policies: ['default'] });
      const res = await call<{ data: Record<string, string[]> }>('POST', 'sys/capabilities-self', { paths: ['auth/token/lookup-self', 'secret/data/x'] }, token);
      assert.deepEqual(res.body.data['auth/token/lookup-self'], ['read']);
      assert.deepEqual(res.body.data['secret/data/x'], ['deny']);
    });

    it('answers 400 for an unknown token or accessor', async () => {
      assertErrorAnswer(await call('POST', 'sys/capabilities', { token: 'no-such-token', paths: ['secret/x'] }), 400);
      assertErrorAnswer(await call('POST', 'sys/capabilities-accessor', { accessor: 'no-such-accessor', paths: ['secret/x'] }), 400);
    });

    it('answers 400 when no path is given', async () => {
      assertErrorAnswer(await call('POST', 'sys/capabilities', { token: appToken }), 400);
    });
  });

  describe('policy changes', () => {
    it('take effect on the token\'s next request', async () => {
      await writePolicy(server.address, root, 'changing', 'path "secret/data/changing" { capabilities = ["read"] }');
      assert.equal((await call('POST', 'secret/data/changing', { data: { v: '1' } })).status, 200);
      const { token } = await createToken(server.address, root, { policies: ['changing'] });
      assert.equal((await call('GET', 'secret/data/changing', undefined, token)).status, 200);

      await writePolicy(server.address, root, 'changing', 'path "secret/data/changing" { capabilities = ["deny"] }');
      assertErrorAnswer(await call('GET', 'secret/data/changing', undefined, token), 403);
      const caps = await call<{ data: Record<string, string[]> }>('POST', 'sys/capabilities-self', { paths: ['secret/data/changing'] }, token);
      assert.deepEqual(caps.body.data['secret/data/changing'], ['deny']);

      await writePolicy(server.address, root, 'changing', 'path "secret/data/changing" { capabilities = ["read"] }');
      assert.equal((await call('GET', 'secret/data/changing', undefined, token)).status, 200);
    });

    it('deleting a policy takes its grants away from tokens that name it', async () => {
      await writePolicy(server.address, root, 'deleted', 'path "secret/data/deleted" { capabilities = ["read"] }');
      assert.equal((await call('POST', 'secret/data/deleted', { data: { v: '1' } })).status, 200);
      const { token } = await createToken(server.address, root, { policies: ['deleted'] });
      assert.equal((await call('GET', 'secret/data/deleted', undefined, token)).status, 200);

      assertNoContent(await call('DELETE', 'sys/policies/acl/deleted'), 'delete');
      assertErrorAnswer(await call('GET', 'secret/data/deleted', undefined, token), 403);
    });

    it('a token without a policy granting sys/policies cannot write one', async () => {
      const { token } = await createToken(server.address, root, { policies: ['default'] });
      assertErrorAnswer(await call('PUT', 'sys/policies/acl/sneaky', { policy: 'path "*" { capabilities = ["sudo"] }' }, token), 403);
      assertErrorAnswer(await call('GET', 'sys/policies/acl/sneaky'), 404);
    });
  });
});
