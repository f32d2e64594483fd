import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ACL } from '../../src/core/policy/acl.js';
import type { Policy } from '../../src/core/policy/parse.js';
import { renderPattern, renderPolicy, type TemplateContext } from '../../src/core/policy/template.js';

// Unit and property tests of policy templating (src/core/policy/template.ts), written from Vault's
// templated-policy documentation plus Coffer's own rule: a value that could widen a path (glob
// characters, braces, "." or ".." segments, empty) leaves the rule unresolved.

const ACCESSOR = 'userpass_1234abcd';

function context(overrides: { metadata?: Record<string, string>; aliasMetadata?: Record<string, string>; customMetadata?: Record<string, string> } = {}): TemplateContext {
  return {
    entity: {
      id: 'e-1111',
      name: 'alice-entity',
      metadata: overrides.metadata ?? { service_name: 'a' },
      aliases: [{ id: 'al-2222', mountAccessor: ACCESSOR, name: 'alice', metadata: overrides.aliasMetadata ?? { org: 'acme' }, customMetadata: overrides.customMetadata ?? { team: 'red' } }],
    },
    groups: [
      { id: 'g-3333', name: 'devs', metadata: { tier: 'gold' } },
      { id: 'g-4444', name: 'ops', metadata: {} },
    ],
  };
}

/** The model of a safe value, written apart from template.ts. */
function isSafe(value: string): boolean {
  if (value === '' || /[*+{}]/.test(value)) return false;
  return value.split('/').every((segment) => segment !== '.' && segment !== '..');
}

// Values drawn mostly from characters that matter to paths and globs, so unsafe ones are common.
const valueArb = fc.string({ unit: fc.constantFrom('a', 'b', 'z', '0', '-', '_', '/', '.', '*', '+', '{', '}', ' ', '%', 'é'), maxLength: 12 });
const safeValueArb = valueArb.filter(isSafe);
const unsafeValueArb = valueArb.filter((v) => !isSafe(v));

describe('renderPattern', () => {
  it('resolves every documented placeholder', () => {
    const ctx = context();
    const cases: [string, string][] = [
      ['{{identity.entity.id}}', 'e-1111'],
      ['{{identity.entity.name}}', 'alice-entity'],
      ['{{identity.entity.metadata.service_name}}', 'a'],
      [`{{identity.entity.aliases.${ACCESSOR}.id}}`, 'al-2222'],
      [`{{identity.entity.aliases.${ACCESSOR}.name}}`, 'alice'],
      [`{{identity.entity.aliases.${ACCESSOR}.metadata.org}}`, 'acme'],
      [`{{identity.entity.aliases.${ACCESSOR}.custom_metadata.team}}`, 'red'],
      ['{{identity.groups.ids.g-3333.name}}', 'devs'],
      ['{{identity.groups.ids.g-3333.metadata.tier}}', 'gold'],
      ['{{identity.groups.names.ops.id}}', 'g-4444'],
      ['{{identity.groups.names.devs.metadata.tier}}', 'gold'],
    ];
    for (const [placeholder, value] of cases) {
      assert.equal(renderPattern(`secret/data/${placeholder}/*`, ctx), `secret/data/${value}/*`, placeholder);
    }
  });

  it('accepts blanks inside the braces and several placeholders in one pattern', () => {
    assert.equal(renderPattern('kv/{{ identity.entity.name }}/{{identity.entity.id}}', context()), 'kv/alice-entity/e-1111');
  });

  it('leaves the rule unresolved for unknown keys, aliases, groups and expressions', () => {
    const ctx = context();
    for (const placeholder of [
      '{{identity.entity.metadata.missing}}',
      '{{identity.entity.aliases.other_accessor.name}}',
      `{{identity.entity.aliases.${ACCESSOR}.metadata.team}}`, // custom_metadata is not metadata
      `{{identity.entity.aliases.${ACCESSOR}.custom_metadata.org}}`, // and metadata is not custom_metadata
      '{{identity.groups.names.nobody.id}}',
      '{{identity.groups.ids.g-9999.name}}',
      '{{identity.groups.names.ops.name}}',
      '{{identity.groups.ids.g-3333.id}}',
      '{{identity.entity.policies}}',
      '{{identity.entity}}',
      '{{something.else}}',
      '{{}}',
      '{{identity.entity.metadata.constructor}}',
      '{{identity.entity.metadata.__proto__}}',
    ]) {
      assert.equal(renderPattern(`secret/data/${placeholder}/*`, ctx), undefined, placeholder);
    }
  });

  it('leaves every rule unresolved for a caller without an entity', () => {
    assert.equal(renderPattern('secret/data/{{identity.entity.id}}/*', undefined), undefined);
  });

  it('refuses a value that forms a ".." segment with the text around it', () => {
    assert.equal(renderPattern('secret/..{{identity.entity.metadata.v}}', context({ metadata: { v: '/data' } })), undefined);
    assert.equal(renderPattern('secret/{{identity.entity.metadata.v}}./x', context({ metadata: { v: 'a/.' } })), undefined);
  });

  it('renders a safe value exactly as it is', () => {
    fc.assert(
      fc.property(safeValueArb, (value) => {
        const rendered = renderPattern('secret/data/{{identity.entity.metadata.service_name}}/*', context({ metadata: { service_name: value } }));
        assert.equal(rendered, `secret/data/${value}/*`);
      }),
      { numRuns: 500 },
    );
  });

  it('always leaves the rule unresolved for an unsafe value, wherever it comes from', () => {
    const sources = [
      (v: string) => ({ pattern: '{{identity.entity.metadata.k}}', ctx: context({ metadata: { k: v } }) }),
      (v: string) => ({ pattern: `{{identity.entity.aliases.${ACCESSOR}.metadata.k}}`, ctx: context({ aliasMetadata: { k: v } }) }),
      (v: string) => ({ pattern: `{{identity.entity.aliases.${ACCESSOR}.custom_metadata.k}}`, ctx: context({ customMetadata: { k: v } }) }),
    ];
    fc.assert(
      fc.property(unsafeValueArb, fc.constantFrom(...sources), (value, source) => {
        const { pattern, ctx } = source(value);
        assert.equal(renderPattern(`secret/data/${pattern}/*`, ctx), undefined);
      }),
      { numRuns: 500 },
    );
  });

  it('renders any value either exactly (when safe) or not at all', () => {
    fc.assert(
      fc.property(valueArb, valueArb, (first, second) => {
        const rendered = renderPattern(
          'p/{{identity.entity.metadata.one}}/q/{{identity.entity.metadata.two}}',
          context({ metadata: { one: first, two: second } }),
        );
        if (isSafe(first) && isSafe(second)) assert.equal(rendered, `p/${first}/q/${second}`);
        else assert.equal(rendered, undefined);
      }),
      { numRuns: 500 },
    );
  });
});

describe('renderPolicy and the ACL', () => {
  const templatedRule = { pattern: 'secret/data/{{identity.entity.metadata.service_name}}/*', capabilities: ['read' as const], templated: true };
  // The value last in the pattern: a "*" or "+" there would be a glob, not a character.
  const trailingRule = { pattern: 'secret/data/solo/{{identity.entity.metadata.service_name}}', capabilities: ['read' as const], templated: true };
  const plainRule = { pattern: 'secret/data/shared/*', capabilities: ['read' as const] };
  const policy: Policy = { name: 'per-service', raw: '', rules: [templatedRule, trailingRule, plainRule] };

  it('drops unresolved templated rules and keeps plain ones untouched', () => {
    const rendered = renderPolicy(policy, context({ metadata: {} }));
    assert.deepEqual(rendered.rules, [plainRule]);
    const resolved = renderPolicy(policy, context({ metadata: { service_name: 'a' } }));
    assert.deepEqual(resolved.rules.map((r) => [r.pattern, r.templated]), [
      ['secret/data/a/*', false],
      ['secret/data/solo/a', false],
      ['secret/data/shared/*', undefined],
    ]);
  });

  it('never grants a path outside the metadata value’s own subtree', async () => {
    fc.assert(
      fc.property(valueArb, valueArb, fc.boolean(), (value, requested, solo) => {
        const acl = new ACL([renderPolicy(policy, context({ metadata: { service_name: value } }))]);
        const path = solo ? `secret/data/solo/${requested}` : `secret/data/${requested}/db`;
        const allowed = acl.allowOperation(path, 'read').allowed;
        // Vault's rules: "x/*" grants the prefix, "solo/x" exactly that path. The shared rule is a second way in.
        const granted = isSafe(value) && (path.startsWith(`secret/data/${value}/`) || path === `secret/data/solo/${value}`);
        const expected = granted || path.startsWith('secret/data/shared/');
        assert.equal(allowed, expected, `service_name=${JSON.stringify(value)} path=${JSON.stringify(path)}`);
      }),
      { numRuns: 1000 },
    );
  });
});
