import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CofferError } from '../../src/framework/errors.js';
import { parsePolicy, type PathRule } from '../../src/core/policy/parse.js';

/** Parses and returns the rule for one pattern. */
async function ruleFor(text: string, pattern: string): Promise<PathRule> {
  const policy = await parsePolicy('test', text);
  const rule = policy.rules.find((r) => r.pattern === pattern);
  assert.ok(rule, `no rule for ${pattern} in ${JSON.stringify(policy.rules)}`);
  return rule;
}

/** Asserts that parsing fails with a 400 whose message matches. */
async function rejects(text: string, message: RegExp): Promise<void> {
  await assert.rejects(parsePolicy('test', text), (err: unknown) => {
    assert.ok(err instanceof CofferError, `expected a CofferError, got ${String(err)}`);
    assert.equal(err.status, 400);
    assert.match(err.message, message);
    return true;
  });
}

describe('parsePolicy: valid HCL', () => {
  it('reads capabilities of every path stanza', async () => {
    const policy = await parsePolicy(
      'dev',
      `
      path "secret/*" {
        capabilities = ["create", "read", "update", "patch", "delete", "list"]
      }
      path "sys/mounts" {
        capabilities = ["read", "sudo"]
      }`,
    );
    assert.equal(policy.name, 'dev');
    assert.deepEqual(
      policy.rules.map((r) => [r.pattern, r.capabilities]),
      [
        ['secret/*', ['create', 'read', 'update', 'patch', 'delete', 'list']],
        ['sys/mounts', ['read', 'sudo']],
      ],
    );
  });

  it('keeps the raw text verbatim', async () => {
    const text = '# comment\npath "a" {\n  capabilities = ["read"]\n}\n';
    assert.equal((await parsePolicy('p', text)).raw, text);
  });

  it('accepts an empty policy (it grants nothing)', async () => {
    assert.deepEqual((await parsePolicy('empty', '')).rules, []);
  });

  it('keeps both stanzas when a pattern is written twice', async () => {
    const policy = await parsePolicy('p', 'path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }');
    assert.deepEqual(
      policy.rules.map((r) => r.capabilities),
      [['read'], ['list']],
    );
  });

  it('strips a leading slash from the pattern', async () => {
    await ruleFor('path "/secret/foo" { capabilities = ["read"] }', 'secret/foo');
  });

  it('reduces a stanza holding deny to deny alone, ignoring its other settings', async () => {
    const rule = await ruleFor('path "a" {\n capabilities = ["read", "deny"]\n allowed_parameters = { x = [] }\n}', 'a');
    assert.deepEqual(rule, { pattern: 'a', capabilities: ['deny'] });
  });

  it('maps the legacy policy shorthand onto capabilities', async () => {
    const text = `
      path "r" { policy = "read" }
      path "w" { policy = "write" }
      path "s" { policy = "sudo" }
      path "d" { policy = "deny" }`;
    assert.deepEqual((await ruleFor(text, 'r')).capabilities, ['read', 'list']);
    assert.deepEqual((await ruleFor(text, 'w')).capabilities, ['create', 'read', 'update', 'delete', 'list']);
    assert.deepEqual((await ruleFor(text, 's')).capabilities, ['create', 'read', 'update', 'delete', 'list', 'sudo']);
    assert.deepEqual((await ruleFor(text, 'd')).capabilities, ['deny']);
  });

  it('reads parameter constraints, lowercasing parameter names', async () => {
    const rule = await ruleFor(
      `path "secret/foo" {
        capabilities = ["create"]
        allowed_parameters = {
          "Bar" = ["zip", "zap*"]
          "*"   = []
        }
        denied_parameters = {
          "secret" = []
        }
        required_parameters = ["bar"]
      }`,
      'secret/foo',
    );
    assert.deepEqual(rule.allowedParameters, { bar: ['zip', 'zap*'], '*': [] });
    assert.deepEqual(rule.deniedParameters, { secret: [] });
    assert.deepEqual(rule.requiredParameters, ['bar']);
  });

  it('reads wrapping TTLs as durations or seconds', async () => {
    const rule = await ruleFor('path "a" {\n  capabilities = ["read"]\n  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = 3600\n}', 'a');
    assert.equal(rule.minWrappingTtl, 60);
    assert.equal(rule.maxWrappingTtl, 3600);
  });

  it('marks identity-templated patterns as templated', async () => {
    const rule = await ruleFor('path "identity/entity/id/{{identity.entity.id}}" { capabilities = ["read"] }', 'identity/entity/id/{{identity.entity.id}}');
    assert.equal(rule.templated, true);
  });
});

describe('parsePolicy: HCL 1 layouts Vault accepts', () => {
  it('accepts an opening brace on its own line', async () => {
    await ruleFor('path "sys/policies/acl/*"\n{\n  capabilities = ["list"]\n}', 'sys/policies/acl/*');
  });

  it('accepts an argument on the opening line of a multi-line stanza', async () => {
    const rule = await ruleFor('path "a" { capabilities = ["read"]\n  max_wrapping_ttl = "1h" }', 'a');
    assert.equal(rule.maxWrappingTtl, 3600);
  });

  it('accepts parameter maps written as nested blocks with quoted keys', async () => {
    const rule = await ruleFor('path "a" {\n  capabilities = ["update"]\n  allowed_parameters {\n    "foo" = ["x"]\n  }\n}', 'a');
    assert.deepEqual(rule.allowedParameters, { foo: ['x'] });
  });

  it('leaves braces inside strings and comments alone', async () => {
    const rule = await ruleFor('# { not a block\npath "a{b}" { capabilities = ["read"] # }\n}', 'a{b}');
    assert.deepEqual(rule.capabilities, ['read']);
  });
});

describe('parsePolicy: JSON documents', () => {
  it('reads the JSON form of a policy', async () => {
    const policy = await parsePolicy(
      'json',
      JSON.stringify({
        path: {
          'secret/*': { capabilities: ['read'], max_wrapping_ttl: '5m' },
          'sys/mounts': [{ policy: 'read' }],
        },
      }),
    );
    assert.deepEqual(policy.rules, [
      { pattern: 'secret/*', capabilities: ['read'], maxWrappingTtl: 300 },
      { pattern: 'sys/mounts', capabilities: ['read', 'list'] },
    ]);
  });

  it('rejects malformed JSON', async () => {
    await rejects('{"path": {', /^failed to parse policy: invalid JSON/);
  });
});

describe('parsePolicy: invalid policies', () => {
  it('reports HCL syntax errors with line and column', async () => {
    await rejects('path "a" {\n  capabilities = ["read"\n}', /^failed to parse policy: line 3, column 1: Missing item separator/);
  });

  it('rejects an unknown capability, naming it, the path and the line', async () => {
    await rejects('\npath "secret/*" {\n  capabilities = ["reed"]\n}', /^failed to parse policy: path "secret\/\*" \(line 2\): invalid capability "reed"$/);
  });

  it('rejects capabilities that are not a list', async () => {
    await rejects('path "a" { capabilities = "read" }', /"capabilities" must be a list of strings/);
  });

  it('rejects an unknown legacy policy word', async () => {
    await rejects('path "a" { policy = "admin" }', /invalid policy "admin"/);
  });

  it('rejects an unknown key inside a stanza', async () => {
    await rejects('path "a" { capabilites = ["read"] }', /path "a" \(line 1\): invalid key "capabilites"/);
  });

  it('rejects an unknown top-level key', async () => {
    await rejects('paths "a" { capabilities = ["read"] }', /invalid key "paths"/);
  });

  it('rejects a path stanza without a pattern', async () => {
    await rejects('path { capabilities = ["read"] }', /needs a pattern/);
  });

  it('rejects a path stanza with two labels', async () => {
    await rejects('path "a" "b" { capabilities = ["read"] }', /exactly one pattern/);
  });

  it('rejects a bad wrapping duration', async () => {
    await rejects('path "a" { min_wrapping_ttl = "soon" }', /error parsing min_wrapping_ttl: invalid duration "soon"/);
  });

  it('rejects max_wrapping_ttl below min_wrapping_ttl', async () => {
    await rejects('path "a" {\n  min_wrapping_ttl = "1h"\n  max_wrapping_ttl = "1m"\n}', /max_wrapping_ttl cannot be less than min_wrapping_ttl/);
  });

  it("rejects '+*' in a pattern", async () => {
    await rejects('path "secret/+*" { capabilities = ["read"] }', /'\+\*' is forbidden/);
  });

  it('rejects a wildcard parameter key other than "*"', async () => {
    await rejects('path "a" { allowed_parameters = { "fo*" = [] } }', /cannot contain non-tail wildcards/);
  });

  it('rejects a wildcard in required_parameters', async () => {
    await rejects('path "a" { required_parameters = ["*"] }', /wildcard is not permitted here/);
  });

  it('rejects enterprise-only settings instead of silently ignoring them', async () => {
    await rejects('path "a" {\n  capabilities = ["read"]\n  mfa_methods = ["m"]\n}', /"mfa_methods" is not supported/);
  });
});
