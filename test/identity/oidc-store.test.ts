import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StorageView } from '../../src/core/storage-view.js';
import { OIDC_LAYOUT, type NamedKey } from '../../src/core/identity/oidc/model.js';
import { createNamedKey, publishedKeys } from '../../src/core/identity/oidc/signing-keys.js';
import { OidcStore } from '../../src/core/identity/oidc/store.js';
import { populateTemplate, templateClaims, type ClaimsContext } from '../../src/core/identity/oidc/template.js';
import { InmemBackend } from '../../src/storage/inmem.js';

// The token provider's store and templating, in-process over in-memory storage with a given clock:
// what the rotation pass leaves in storage, how a write planned on a stale copy is refused, and
// the template directives' values.

const HOUR = 3600;
const T0 = Date.UTC(2030, 0, 1);

function stores(): { a: OidcStore; b: OidcStore; storage: StorageView } {
  const backend = new InmemBackend();
  const storage = new StorageView(backend, 'sys/identity/oidc/');
  // Two stores on one storage stand for two nodes (or a stale copy).
  return { a: new OidcStore(() => storage), b: new OidcStore(() => new StorageView(backend, 'sys/identity/oidc/')), storage };
}

async function storedKey(store: OidcStore, name: string): Promise<NamedKey> {
  const held = await store.key(name);
  assert.ok(held, `key ${name} stored`);
  return held.value;
}

describe('identity token store', () => {
  it('rotates a key once its next_rotation passed, and removes public keys past their verification_ttl from storage', async () => {
    const { a } = stores();
    const key = await createNamedKey({ algorithm: 'ES256', rotationPeriod: HOUR, verificationTtl: 60, allowedClientIds: ['*'] }, T0);
    await a.writeKey('k', key, undefined);

    await a.rotateDue(T0 + 10_000);
    assert.equal((await storedKey(a, 'k')).signingKey.kid, key.signingKey.kid, 'not due yet');

    await a.rotateDue(T0 + HOUR * 1000);
    const rotated = await storedKey(a, 'k');
    assert.equal(rotated.signingKey.kid, key.nextSigningKey.kid, 'the next key signs');
    assert.notEqual(rotated.nextSigningKey.kid, key.nextSigningKey.kid, 'a new next key');
    assert.equal(rotated.nextRotation, T0 + 2 * HOUR * 1000);
    const retired = rotated.keyRing.find((k) => k.kid === key.signingKey.kid);
    assert.equal(retired?.expireAt, T0 + HOUR * 1000 + 60_000, 'the key rotated out is published for verification_ttl');
    assert.ok(key.signingKey.jwk.d && !JSON.stringify(rotated).includes(key.signingKey.jwk.d), 'its private half is gone');
    assert.ok(!('d' in retired!.jwk), 'the published half is public');

    await a.rotateDue(T0 + HOUR * 1000 + 60_000);
    const pruned = await storedKey(a, 'k');
    assert.deepEqual(pruned.keyRing.map((k) => k.kid).sort(), [rotated.signingKey.kid, rotated.nextSigningKey.kid].sort());
    assert.deepEqual(publishedKeys(pruned, T0 + HOUR * 1000 + 60_000).length, 2);
  });

  it('refuses (409) a write planned on a copy another node changed, and changes nothing', async () => {
    const { a, b } = stores();
    await a.writeKey('k', await createNamedKey({ algorithm: 'ES256', rotationPeriod: HOUR, verificationTtl: HOUR, allowedClientIds: [] }, T0), undefined);
    const seenByA = await a.key('k');
    const seenByB = await b.key('k');
    await b.writeKey('k', { ...seenByB!.value, allowedClientIds: ['from-b'] }, seenByB!.version);
    await assert.rejects(a.writeKey('k', { ...seenByA!.value, allowedClientIds: ['from-a'] }, seenByA!.version), { code: 'conflict' });
    assert.deepEqual((await storedKey(a, 'k')).allowedClientIds, ['from-b']);
  });

  it('refuses to delete a key after a role naming it was written since the check', async () => {
    const { a, b } = stores();
    await a.writeKey('k', await createNamedKey({ algorithm: 'ES256', rotationPeriod: HOUR, verificationTtl: HOUR, allowedClientIds: ['*'] }, T0), undefined);
    const checked = await a.key('k');
    assert.deepEqual(await a.roles(), [], 'no role names the key when A checks');
    await b.writeRole('r', { key: 'k', template: '', ttl: 60, clientId: 'c' }, undefined, (await b.key('k'))!);
    await assert.rejects(a.deleteKey('k', checked!.version), { code: 'conflict' });
    assert.ok(await a.key('k'), 'the key is still there');
    assert.ok(await a.role('r'));
  });

  it('publishes the keys of keys a role names only, and sees a new role at once', async () => {
    const { a, storage } = stores();
    await a.writeKey('used', await createNamedKey({ algorithm: 'ES256', rotationPeriod: HOUR, verificationTtl: HOUR, allowedClientIds: ['*'] }, T0), undefined);
    await a.writeKey('unused', await createNamedKey({ algorithm: 'ES256', rotationPeriod: HOUR, verificationTtl: HOUR, allowedClientIds: ['*'] }, T0), undefined);
    assert.deepEqual(await a.publicKeys(T0), []);
    await a.writeRole('r', { key: 'used', template: '', ttl: 60, clientId: 'c' }, undefined, (await a.key('used'))!);
    const used = (await storage.get<NamedKey>(OIDC_LAYOUT.key('used')))!;
    assert.deepEqual((await a.publicKeys(T0)).map((k) => k.kid).sort(), [used.signingKey.kid, used.nextSigningKey.kid].sort());
  });
});

describe('identity token templates', () => {
  const context: ClaimsContext = {
    entity: {
      id: 'e-1',
      name: 'alice',
      metadata: { team: 'payments' },
      aliases: [{ id: 'a-1', mountAccessor: 'auth_userpass_1', name: 'alice', metadata: { region: 'eu' }, customMetadata: { tier: 'gold' } }],
    },
    groups: [
      { id: 'g-1', name: 'web', metadata: { env: 'prod' } },
      { id: 'g-2', name: 'ops', metadata: {} },
    ],
  };

  it("renders Vault's directives as JSON values", () => {
    const claims = templateClaims(
      `{"id": {{identity.entity.id}}, "alias": {{identity.entity.aliases.auth_userpass_1.name}}, "region": {{identity.entity.aliases.auth_userpass_1.metadata.region}},
        "tier": {{identity.entity.aliases.auth_userpass_1.custom_metadata.tier}}, "nobody": {{identity.entity.aliases.auth_none_1.name}},
        "nometa": {{identity.entity.aliases.auth_none_1.metadata}}, "group_ids": {{identity.entity.groups.ids}}, "web": {{identity.groups.names.web.id}},
        "env": {{identity.groups.ids.g-1.metadata.env}}, "later": {{time.now.plus.1h}}, "earlier": {{time.now.minus.60}}, "now": {{ time.now }}}`,
      context,
      T0,
    );
    assert.deepEqual(claims, {
      id: 'e-1',
      alias: 'alice',
      region: 'eu',
      tier: 'gold',
      nobody: '',
      nometa: {},
      group_ids: ['g-1', 'g-2'],
      web: 'g-1',
      env: 'prod',
      later: T0 / 1000 + 3600,
      earlier: T0 / 1000 - 60,
      now: T0 / 1000,
    });
  });

  it('escapes values as JSON, so a value cannot add claims of its own', () => {
    const hostile: ClaimsContext = { ...context, entity: { ...context.entity, metadata: { team: '", "sub": "root' } } };
    assert.deepEqual(templateClaims('{"team": {{identity.entity.metadata.team}}}', hostile, T0), { team: '", "sub": "root' });
  });

  it('leaves reserved claims out and refuses what Vault refuses', () => {
    assert.deepEqual(templateClaims('{"sub": "x", "ok": 1}', context, T0), { ok: 1 });
    for (const [template, message] of [
      ['{{identity.groups.names.nope.id}}', 'entity is not a member of group "nope"'],
      ['{{time.later}}', 'invalid time selector "later"'],
      ['{{time.now.plus}}', 'missing time operand'],
      ['{{time.now.times.1h}}', 'invalid time operator "times"'],
      ['{{identity.entity.aliases.auth_userpass_1}}', 'invalid alias selector'],
      ['}} {{identity.entity.id}}', 'unbalanced templating characters'],
    ]) {
      assert.throws(() => populateTemplate(template!, context, T0), { message }, template);
    }
  });
});
