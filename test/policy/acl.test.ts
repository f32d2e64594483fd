import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACL } from '../../src/core/policy/acl.js';
import { parsePolicy } from '../../src/core/policy/parse.js';

/** An ACL from policy texts, named p0, p1, ... */
async function aclOf(...texts: string[]): Promise<ACL> {
  return new ACL(await Promise.all(texts.map((text, i) => parsePolicy(`p${i}`, text))));
}

describe('ACL: path matching', () => {
  it('grants an exact path only on that path', async () => {
    const acl = await aclOf('path "secret/foo" { capabilities = ["read"] }');
    assert.equal(acl.allowOperation('secret/foo', 'read').allowed, true);
    assert.equal(acl.allowOperation('secret/foo/bar', 'read').allowed, false);
    assert.equal(acl.allowOperation('secret/fo', 'read').allowed, false);
  });

  it('denies what no rule mentions', async () => {
    const result = (await aclOf('path "secret/foo" { capabilities = ["read"] }')).allowOperation('other', 'read');
    assert.equal(result.allowed, false);
    assert.deepEqual(result.capabilities, []);
    assert.ok(result.deniedReason);
  });

  it('requires the capability named after the operation', async () => {
    const acl = await aclOf('path "secret/foo" { capabilities = ["read", "list"] }');
    assert.equal(acl.allowOperation('secret/foo', 'update').allowed, false);
    assert.equal(acl.allowOperation('secret/foo', 'create').allowed, false);
    assert.equal(acl.allowOperation('secret/foo', 'delete').allowed, false);
    assert.equal(acl.allowOperation('secret/foo', 'patch').allowed, false);
    assert.equal(acl.allowOperation('secret/foo', 'list').allowed, true);
  });

  it('matches a glob as a plain string prefix: "secret/foo*" covers secret/food and secret/foo/bar', async () => {
    const acl = await aclOf('path "secret/foo*" { capabilities = ["read"] }');
    for (const path of ['secret/foo', 'secret/food', 'secret/foo/bar']) assert.equal(acl.allowOperation(path, 'read').allowed, true, path);
    assert.equal(acl.allowOperation('secret/fo', 'read').allowed, false);
  });

  it('lets the longest glob prefix win', async () => {
    const acl = await aclOf('path "secret/*" { capabilities = ["read"] }', 'path "secret/team/*" { capabilities = ["list"] }');
    assert.deepEqual(acl.capabilities('secret/team/x'), ['list']);
    assert.deepEqual(acl.capabilities('secret/other'), ['read']);
  });

  it('lets an exact rule beat any glob, even a denying one', async () => {
    const acl = await aclOf('path "secret/*" { capabilities = ["deny"] }', 'path "secret/open" { capabilities = ["read"] }');
    assert.equal(acl.allowOperation('secret/open', 'read').allowed, true);
    assert.equal(acl.allowOperation('secret/closed', 'read').allowed, false);
  });

  it('matches "+" against exactly one segment: "secret/+/teamb"', async () => {
    const acl = await aclOf('path "secret/+/teamb" { capabilities = ["read"] }');
    assert.equal(acl.allowOperation('secret/foo/teamb', 'read').allowed, true);
    assert.equal(acl.allowOperation('secret/bar/teamb', 'read').allowed, true);
    assert.equal(acl.allowOperation('secret/foo/bar/teamb', 'read').allowed, false);
    assert.equal(acl.allowOperation('secret/teamb', 'read').allowed, false);
    assert.equal(acl.allowOperation('secret/foo/teamb/x', 'read').allowed, false);
  });

  it('combines "+" with a trailing glob: "secret/+/team*"', async () => {
    const acl = await aclOf('path "secret/+/team*" { capabilities = ["read"] }');
    assert.equal(acl.allowOperation('secret/foo/teamb', 'read').allowed, true);
    assert.equal(acl.allowOperation('secret/foo/team/x/y', 'read').allowed, true);
    assert.equal(acl.allowOperation('secret/foo/other', 'read').allowed, false);
  });

  it('ignores leading slashes in the request path', async () => {
    const acl = await aclOf('path "secret/foo" { capabilities = ["read"] }');
    assert.equal(acl.allowOperation('//secret/foo', 'read').allowed, true);
  });

  it('ignores templated rules, which Coffer cannot render yet', async () => {
    const acl = await aclOf('path "identity/entity/id/{{identity.entity.id}}" { capabilities = ["read"] }');
    assert.equal(acl.allowOperation('identity/entity/id/{{identity.entity.id}}', 'read').allowed, false);
  });
});

describe("ACL: Vault's priority among globs and + patterns", () => {
  // Each case: [higher priority, lower priority, a path both match]; the docs' rules in order.
  const cases: Array<[string, string, string, string]> = [
    ['the first wildcard comes later', 'secret/a/+', 'secret/+/b', 'secret/a/b'],
    ['the first wildcard comes later (glob vs +)', 'foo/a*', 'foo/+', 'foo/ab'],
    ['not ending in * beats ending in *', 'foo/+/bar', 'foo/+/ba*', 'foo/x/bar'],
    ['not ending in * beats ending in * (foo/+ vs foo/*)', 'foo/+', 'foo/*', 'foo/x'],
    ['fewer + segments', 'foo/+/bar/baz', 'foo/+/+/baz', 'foo/x/bar/baz'],
    ['fewer + segments, from the docs: secret/* beats secret/+/+/foo/*', 'secret/*', 'secret/+/+/foo/*', 'secret/a/b/foo/c'],
    ['longer', 'foo/+/bar/ba*', 'foo/+/bar/b*', 'foo/x/bar/baz'],
    ['lexicographically greater, when all else ties', '+/a/+', '+/+/a', 'a/a/a'],
  ];
  for (const [why, higher, lower, path] of cases) {
    it(`${higher} beats ${lower}: ${why}`, async () => {
      for (const order of [
        [higher, lower],
        [lower, higher],
      ]) {
        const acl = await aclOf(
          `path "${order[0]}" { capabilities = ["${order[0] === higher ? 'read' : 'list'}"] }`,
          `path "${order[1]}" { capabilities = ["${order[1] === higher ? 'read' : 'list'}"] }`,
        );
        assert.deepEqual(acl.capabilities(path), ['read']);
      }
    });
  }
});

describe('ACL: merging policies', () => {
  it('unions the capabilities of the same pattern across policies', async () => {
    const acl = await aclOf('path "a/*" { capabilities = ["read"] }', 'path "a/*" { capabilities = ["list", "update"] }');
    assert.deepEqual(acl.capabilities('a/x'), ['list', 'read', 'update']);
  });

  it('lets deny in any policy win for that pattern, whatever the order', async () => {
    for (const texts of [
      ['path "a/*" { capabilities = ["read", "sudo"] }', 'path "a/*" { capabilities = ["deny"] }'],
      ['path "a/*" { capabilities = ["deny"] }', 'path "a/*" { capabilities = ["read", "sudo"] }'],
    ]) {
      const acl = await aclOf(...texts);
      const result = acl.allowOperation('a/x', 'read');
      assert.equal(result.allowed, false);
      assert.equal(result.sudo, false);
      assert.deepEqual(acl.capabilities('a/x'), ['deny']);
    }
  });

  it('keeps the smaller of two max_wrapping_ttl and of two min_wrapping_ttl (Vault prefers short lifetimes)', async () => {
    const acl = await aclOf(
      'path "a" {\n capabilities = ["read"]\n min_wrapping_ttl = "2m"\n max_wrapping_ttl = "1h"\n}',
      'path "a" {\n capabilities = ["read"]\n min_wrapping_ttl = "1m"\n max_wrapping_ttl = "30m"\n}',
    );
    const result = acl.allowOperation('a', 'read');
    assert.equal(result.minWrappingTtl, 60);
    assert.equal(result.maxWrappingTtl, 1800);
  });

  it('appends allowed values of the same parameter across policies', async () => {
    const acl = await aclOf(
      'path "a" {\n capabilities = ["update"]\n allowed_parameters = { color = ["red"] }\n}',
      'path "a" {\n capabilities = ["update"]\n allowed_parameters = { color = ["blue"] }\n}',
    );
    assert.equal(acl.allowOperation('a', 'update', { color: 'red' }).allowed, true);
    assert.equal(acl.allowOperation('a', 'update', { color: 'blue' }).allowed, true);
    assert.equal(acl.allowOperation('a', 'update', { color: 'green' }).allowed, false);
  });

  it('lets an empty allowed list (any value) absorb a restricted one', async () => {
    const acl = await aclOf(
      'path "a" {\n capabilities = ["update"]\n allowed_parameters = { color = ["red"] }\n}',
      'path "a" {\n capabilities = ["update"]\n allowed_parameters = { color = [] }\n}',
    );
    assert.equal(acl.allowOperation('a', 'update', { color: 'green' }).allowed, true);
  });
});

describe('ACL: LIST and the trailing slash', () => {
  it('lets a rule without trailing slash govern a LIST of the folder', async () => {
    const acl = await aclOf('path "sys/policies/acl" { capabilities = ["list"] }');
    assert.equal(acl.allowOperation('sys/policies/acl/', 'list').allowed, true);
  });

  it('does so for + patterns too', async () => {
    const acl = await aclOf('path "+/sys/policies/acl" { capabilities = ["list"] }');
    assert.equal(acl.allowOperation('ns1/sys/policies/acl/', 'list').allowed, true);
  });

  it('does not trim the slash for other operations', async () => {
    const acl = await aclOf('path "secret/foo" { capabilities = ["read"] }');
    assert.equal(acl.allowOperation('secret/foo/', 'read').allowed, false);
  });

  it('prefers a rule for the trimmed path over a glob that matches the slashed one', async () => {
    const acl = await aclOf('path "secret/+" { capabilities = ["deny"] }', 'path "secret/+/" { capabilities = ["list"] }');
    // "secret/x/" trimmed is "secret/x", which secret/+ governs.
    assert.equal(acl.allowOperation('secret/x/', 'list').allowed, false);
  });
});

describe('ACL: sudo and root', () => {
  it('reports sudo when the chosen rule grants it', async () => {
    const acl = await aclOf('path "sys/mounts" { capabilities = ["read", "sudo"] }', 'path "sys/auth" { capabilities = ["read"] }');
    assert.equal(acl.allowOperation('sys/mounts', 'read').sudo, true);
    assert.equal(acl.allowOperation('sys/auth', 'read').sudo, false);
  });

  it('allows everything to the root policy, with sudo, and answers ["root"]', async () => {
    const acl = new ACL([{ name: 'root', raw: '', rules: [] }]);
    const result = acl.allowOperation('anything/at/all', 'delete', { whatever: 1 }, { wrapTtl: undefined });
    assert.deepEqual(result, { allowed: true, sudo: true, capabilities: ['root'] });
    assert.deepEqual(acl.capabilities('sys/seal'), ['root']);
    assert.equal(acl.isRoot, true);
  });
});

describe('ACL: capabilities (sys/capabilities)', () => {
  it('answers the sorted capabilities of the chosen rule', async () => {
    const acl = await aclOf('path "secret/*" { capabilities = ["update", "read", "create", "sudo"] }');
    assert.deepEqual(acl.capabilities('secret/x'), ['create', 'read', 'sudo', 'update']);
  });

  it('answers ["deny"] where nothing is granted', async () => {
    const acl = await aclOf('path "secret/*" { capabilities = ["read"] }', 'path "empty" {}');
    assert.deepEqual(acl.capabilities('elsewhere'), ['deny']);
    assert.deepEqual(acl.capabilities('empty'), ['deny']);
  });
});

describe('ACL: parameter constraints', () => {
  const policy = `
    path "secret/foo" {
      capabilities = ["create", "update", "read", "patch"]
      allowed_parameters = {
        "bar"  = ["zip", "zap"]
        "glob" = ["pre-*", "*-post"]
        "any"  = []
      }
    }`;

  it('allows a request with no data at all', async () => {
    assert.equal((await aclOf(policy)).allowOperation('secret/foo', 'update', {}).allowed, true);
  });

  it('allows listed parameters with listed values', async () => {
    assert.equal((await aclOf(policy)).allowOperation('secret/foo', 'create', { bar: 'zip', any: 42 }).allowed, true);
  });

  it('refuses a parameter that is not listed', async () => {
    const result = (await aclOf(policy)).allowOperation('secret/foo', 'update', { other: 'x' });
    assert.equal(result.allowed, false);
    assert.match(result.deniedReason ?? '', /"other"/);
  });

  it('refuses a listed parameter with an unlisted value', async () => {
    assert.equal((await aclOf(policy)).allowOperation('secret/foo', 'update', { bar: 'zoo' }).allowed, false);
  });

  it('matches values against leading and trailing globs', async () => {
    const acl = await aclOf(policy);
    assert.equal(acl.allowOperation('secret/foo', 'update', { glob: 'pre-1' }).allowed, true);
    assert.equal(acl.allowOperation('secret/foo', 'update', { glob: '1-post' }).allowed, true);
    assert.equal(acl.allowOperation('secret/foo', 'update', { glob: 'mid' }).allowed, false);
  });

  it('accepts a list or comma-separated string whose every element is allowed', async () => {
    const acl = await aclOf(policy);
    assert.equal(acl.allowOperation('secret/foo', 'update', { bar: ['zip', 'zap'] }).allowed, true);
    assert.equal(acl.allowOperation('secret/foo', 'update', { bar: 'zip, zap' }).allowed, true);
    assert.equal(acl.allowOperation('secret/foo', 'update', { bar: 'zip,nope' }).allowed, false);
  });

  it('compares parameter names case-insensitively', async () => {
    assert.equal((await aclOf(policy)).allowOperation('secret/foo', 'update', { BAR: 'zip' }).allowed, true);
  });

  it('checks parameters on patch and read too, but not on delete or list', async () => {
    const acl = await aclOf(policy);
    assert.equal(acl.allowOperation('secret/foo', 'patch', { other: 1 }).allowed, false);
    assert.equal(acl.allowOperation('secret/foo', 'read', { other: 1 }).allowed, false);
    const wide = await aclOf('path "a" {\n capabilities = ["delete", "list"]\n allowed_parameters = { x = [] }\n}');
    assert.equal(wide.allowOperation('a', 'delete', { other: 1 }).allowed, true);
    assert.equal(wide.allowOperation('a', 'list', { other: 1 }).allowed, true);
  });

  it('lets the "*" key allow any parameter alongside restricted ones', async () => {
    const acl = await aclOf('path "a" {\n capabilities = ["update"]\n allowed_parameters = {\n "*" = []\n "color" = ["red"]\n }\n}');
    assert.equal(acl.allowOperation('a', 'update', { size: 9, color: 'red' }).allowed, true);
    assert.equal(acl.allowOperation('a', 'update', { color: 'blue' }).allowed, false);
  });

  it('matches a lone "*" value only literally, as Vault does', async () => {
    const acl = await aclOf('path "a" {\n capabilities = ["update"]\n allowed_parameters = { color = ["*"] }\n}');
    assert.equal(acl.allowOperation('a', 'update', { color: '*' }).allowed, true);
    assert.equal(acl.allowOperation('a', 'update', { color: 'red' }).allowed, false);
  });

  it('lets denied_parameters win over allowed_parameters', async () => {
    const acl = await aclOf(
      'path "a" {\n capabilities = ["update"]\n allowed_parameters = { "*" = [] }\n denied_parameters = { "admin" = ["true"], "secret" = [] }\n}',
    );
    assert.equal(acl.allowOperation('a', 'update', { admin: 'false' }).allowed, true);
    assert.equal(acl.allowOperation('a', 'update', { admin: 'true' }).allowed, false);
    assert.equal(acl.allowOperation('a', 'update', { secret: 'anything' }).allowed, false);
    assert.equal(acl.allowOperation('a', 'update', { admin: ['false', 'true'] }).allowed, false);
  });

  it('refuses any parameter when denied_parameters holds "*"', async () => {
    const acl = await aclOf('path "a" {\n capabilities = ["update"]\n denied_parameters = { "*" = [] }\n}');
    assert.equal(acl.allowOperation('a', 'update', { x: 1 }).allowed, false);
    assert.equal(acl.allowOperation('a', 'update', {}).allowed, true);
  });

  it('refuses a request missing a required parameter', async () => {
    const acl = await aclOf('path "a" {\n capabilities = ["create"]\n required_parameters = ["name"]\n}');
    assert.equal(acl.allowOperation('a', 'create', { other: 1 }).allowed, false);
    assert.equal(acl.allowOperation('a', 'create', {}).allowed, false);
    assert.equal(acl.allowOperation('a', 'create', { name: 'n' }).allowed, true);
  });

  it('compares non-string values by deep equality', async () => {
    const acl = await aclOf('path "a" {\n capabilities = ["update"]\n allowed_parameters = { n = [1, true] }\n}');
    assert.equal(acl.allowOperation('a', 'update', { n: 1 }).allowed, true);
    assert.equal(acl.allowOperation('a', 'update', { n: true }).allowed, true);
    assert.equal(acl.allowOperation('a', 'update', { n: 2 }).allowed, false);
    assert.equal(acl.allowOperation('a', 'update', { n: '1' }).allowed, false);
  });
});

describe('ACL: wrapping TTL bounds', () => {
  const policy = 'path "secret/db" {\n capabilities = ["read"]\n min_wrapping_ttl = "1m"\n max_wrapping_ttl = "1h"\n}';

  it('reports the bounds without enforcing them when no request facts are given', async () => {
    const result = (await aclOf(policy)).allowOperation('secret/db', 'read');
    assert.equal(result.allowed, true);
    assert.equal(result.minWrappingTtl, 60);
    assert.equal(result.maxWrappingTtl, 3600);
  });

  it('refuses an unwrapped response when the request facts are given', async () => {
    const result = (await aclOf(policy)).allowOperation('secret/db', 'read', {}, { wrapTtl: undefined });
    assert.equal(result.allowed, false);
    assert.match(result.deniedReason ?? '', /wrapped/);
  });

  it('refuses wrap TTLs outside the bounds and allows those inside', async () => {
    const acl = await aclOf(policy);
    assert.equal(acl.allowOperation('secret/db', 'read', {}, { wrapTtl: 30 }).allowed, false);
    assert.equal(acl.allowOperation('secret/db', 'read', {}, { wrapTtl: 7200 }).allowed, false);
    assert.equal(acl.allowOperation('secret/db', 'read', {}, { wrapTtl: 60 }).allowed, true);
    assert.equal(acl.allowOperation('secret/db', 'read', {}, { wrapTtl: 3600 }).allowed, true);
  });

  it('makes wrapping mandatory with only a max_wrapping_ttl, as Vault does', async () => {
    const acl = await aclOf('path "a" {\n capabilities = ["read"]\n max_wrapping_ttl = "5m"\n}');
    assert.equal(acl.allowOperation('a', 'read', {}, {}).allowed, false);
    assert.equal(acl.allowOperation('a', 'read', {}, { wrapTtl: 300 }).allowed, true);
  });

  it('lets paths without bounds answer unwrapped', async () => {
    const acl = await aclOf('path "a" { capabilities = ["read"] }');
    assert.equal(acl.allowOperation('a', 'read', {}, { wrapTtl: undefined }).allowed, true);
  });
});

describe('ACL: access somewhere under a mount (sys/internal/ui/mounts)', () => {
  it('counts a grant on the mount path itself', async () => {
    assert.equal((await aclOf('path "secret/*" { capabilities = ["read"] }')).hasAnyCapabilityUnder('secret/'), true);
  });

  it('counts an exact or glob rule below the mount', async () => {
    assert.equal((await aclOf('path "secret/data/app" { capabilities = ["read"] }')).hasAnyCapabilityUnder('secret/'), true);
    assert.equal((await aclOf('path "secret/data/*" { capabilities = ["list"] }')).hasAnyCapabilityUnder('secret/'), true);
  });

  it('counts a + pattern whose leading segments fit the mount', async () => {
    assert.equal((await aclOf('path "+/data/app" { capabilities = ["read"] }')).hasAnyCapabilityUnder('secret/'), true);
    assert.equal((await aclOf('path "kv/+/app" { capabilities = ["read"] }')).hasAnyCapabilityUnder('kv/'), true);
    assert.equal((await aclOf('path "kv/+/app" { capabilities = ["read"] }')).hasAnyCapabilityUnder('secret/'), false);
  });

  it('ignores denying rules and other mounts', async () => {
    const acl = await aclOf('path "secret/data/app" { capabilities = ["deny"] }', 'path "other/*" { capabilities = ["read"] }');
    assert.equal(acl.hasAnyCapabilityUnder('secret/'), false);
  });

  it('is true for root', () => {
    assert.equal(new ACL([{ name: 'root', raw: '', rules: [] }]).hasAnyCapabilityUnder('anything/'), true);
  });
});
