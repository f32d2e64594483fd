import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertStatus,
  createGroup,
  enableUserpass,
  readStatus,
  startIdentityServer,
  userLogin,
  writePolicy,
  writeSecret,
  type Identity,
} from './fixture.js';

// Identity policies and templated policies, end to end: users log in with userpass (so their tokens
// carry an entity), an operator shapes their entities and groups, and the tokens' access follows.
// https://developer.hashicorp.com/vault/docs/concepts/policies#templated-policies

describe('identity policies', () => {
  let id: Identity;
  let userpassAccessor: string;

  before(async () => {
    id = await startIdentityServer();
    userpassAccessor = await enableUserpass(id);
    for (const path of ['a/db', 'b/db', 'shared/x', 'group-parent/x', 'group-child/x']) await writeSecret(id, path, { value: path });
  });
  after(async () => {
    await id?.server.destroy();
  });

  describe('the seed case: one policy, a path per service from entity metadata', () => {
    const servicePolicy = 'path "secret/data/{{identity.entity.metadata.service_name}}/*" { capabilities = ["read"] }';

    it('gives svc-a secret/data/a/* and svc-b secret/data/b/*, and neither the other’s', async () => {
      await writePolicy(id, 'per-service', servicePolicy);
      const a = await userLogin(id, 'svc-a', ['per-service']);
      const b = await userLogin(id, 'svc-b', ['per-service']);
      // Before the operator says which service each is, the template resolves to nothing.
      assert.equal(await readStatus(id, 'a/db', a.token), 403);

      assertStatus(await id.call('POST', `identity/entity/id/${a.entityId}`, { metadata: { service_name: 'a' } }), 204, 'tag svc-a');
      assertStatus(await id.call('POST', `identity/entity/id/${b.entityId}`, { metadata: { service_name: 'b' } }), 204, 'tag svc-b');

      assert.equal(await readStatus(id, 'a/db', a.token), 200);
      assert.equal(await readStatus(id, 'b/db', a.token), 403);
      assert.equal(await readStatus(id, 'b/db', b.token), 200);
      assert.equal(await readStatus(id, 'a/db', b.token), 403);
    });

    it('gives an entity without service_name neither path', async () => {
      await writePolicy(id, 'per-service', servicePolicy);
      const untagged = await userLogin(id, 'svc-untagged', ['per-service']);
      assertStatus(await id.call('POST', `identity/entity/id/${untagged.entityId}`, { metadata: { team: 'x' } }), 204, 'other metadata');
      assert.equal(await readStatus(id, 'a/db', untagged.token), 403);
      assert.equal(await readStatus(id, 'b/db', untagged.token), 403);
    });

    it('does not widen access when service_name holds a glob or a dot-dot segment', async () => {
      await writePolicy(id, 'per-service', servicePolicy);
      const sneaky = await userLogin(id, 'svc-sneaky', ['per-service']);
      for (const value of ['*', 'a*', '+', 'x/../a', '..', 'a/+']) {
        assertStatus(await id.call('POST', `identity/entity/id/${sneaky.entityId}`, { metadata: { service_name: value } }), 204, `tag ${value}`);
        assert.equal(await readStatus(id, 'a/db', sneaky.token), 403, `service_name=${value} reads a/db`);
        assert.equal(await readStatus(id, 'b/db', sneaky.token), 403, `service_name=${value} reads b/db`);
      }
    });

    it('follows a metadata change on the next request', async () => {
      await writePolicy(id, 'per-service', servicePolicy);
      const mover = await userLogin(id, 'svc-mover', ['per-service']);
      await id.call('POST', `identity/entity/id/${mover.entityId}`, { metadata: { service_name: 'a' } });
      assert.equal(await readStatus(id, 'a/db', mover.token), 200);
      await id.call('POST', `identity/entity/id/${mover.entityId}`, { metadata: { service_name: 'b' } });
      assert.equal(await readStatus(id, 'a/db', mover.token), 403);
      assert.equal(await readStatus(id, 'b/db', mover.token), 200);
    });
  });

  describe('entity and group policies', () => {
    it('applies the entity’s own policies to its token, at once and without a new login', async () => {
      await writePolicy(id, 'read-shared', 'path "secret/data/shared/*" { capabilities = ["read"] }');
      const user = await userLogin(id, 'entity-policy-user');
      assert.equal(await readStatus(id, 'shared/x', user.token), 403);
      assertStatus(await id.call('POST', `identity/entity/id/${user.entityId}`, { policies: ['read-shared'] }), 204, 'entity policy');
      assert.equal(await readStatus(id, 'shared/x', user.token), 200);
      assertStatus(await id.call('POST', `identity/entity/id/${user.entityId}`, { policies: [] }), 204, 'entity policy removed');
      assert.equal(await readStatus(id, 'shared/x', user.token), 403);
    });

    it('reports identity_policies at login', async () => {
      await writePolicy(id, 'read-shared', 'path "secret/data/shared/*" { capabilities = ["read"] }');
      const first = await userLogin(id, 'reported-user');
      assertStatus(await id.call('POST', `identity/entity/id/${first.entityId}`, { policies: ['read-shared'] }), 204, 'entity policy');
      const again = await id.call<{ auth: { identity_policies: string[]; entity_id: string } }>('POST', 'auth/userpass/login/reported-user', { password: 'pw-reported-user-secret' }, '');
      assertStatus(again, 200, 'login');
      assert.equal(again.body.auth.entity_id, first.entityId);
      assert.deepEqual(again.body.auth.identity_policies, ['read-shared']);
    });

    it('applies the policies of the entity’s groups, parents of its groups included', async () => {
      await writePolicy(id, 'read-child', 'path "secret/data/group-child/*" { capabilities = ["read"] }');
      await writePolicy(id, 'read-parent', 'path "secret/data/group-parent/*" { capabilities = ["read"] }');
      const user = await userLogin(id, 'group-user');
      const child = await createGroup(id, { name: 'policy-child', policies: ['read-child'], member_entity_ids: [user.entityId] });
      assert.equal(await readStatus(id, 'group-child/x', user.token), 200);
      assert.equal(await readStatus(id, 'group-parent/x', user.token), 403);
      await createGroup(id, { name: 'policy-parent', policies: ['read-parent'], member_group_ids: [child] });
      assert.equal(await readStatus(id, 'group-parent/x', user.token), 200);
    });

    it('takes group policies away when the entity leaves the group', async () => {
      await writePolicy(id, 'read-child', 'path "secret/data/group-child/*" { capabilities = ["read"] }');
      const user = await userLogin(id, 'leaving-user');
      const groupId = await createGroup(id, { name: 'left-group', policies: ['read-child'], member_entity_ids: [user.entityId] });
      assert.equal(await readStatus(id, 'group-child/x', user.token), 200);
      assertStatus(await id.call('POST', `identity/group/id/${groupId}`, { member_entity_ids: [] }), 204, 'leave');
      assert.equal(await readStatus(id, 'group-child/x', user.token), 403);
    });

    it('refuses every use of a disabled entity’s token, and enabling it restores them', async () => {
      await writePolicy(id, 'read-shared', 'path "secret/data/shared/*" { capabilities = ["read"] }');
      const user = await userLogin(id, 'disabled-user', ['read-shared']);
      assert.equal(await readStatus(id, 'shared/x', user.token), 200);
      assertStatus(await id.call('POST', `identity/entity/id/${user.entityId}`, { disabled: true }), 204, 'disable');
      assert.equal(await readStatus(id, 'shared/x', user.token), 403);
      assertStatus(await id.call('GET', 'auth/token/lookup-self', undefined, user.token), 403, 'lookup-self while disabled');
      assertStatus(await id.call('POST', `identity/entity/id/${user.entityId}`, { disabled: false }), 204, 'enable');
      assert.equal(await readStatus(id, 'shared/x', user.token), 200);
    });
  });

  describe('templates', () => {
    it('{{identity.entity.id}} and {{identity.entity.name}} name the caller’s own paths', async () => {
      await writePolicy(
        id,
        'own-paths',
        'path "secret/data/by-id/{{identity.entity.id}}/*" { capabilities = ["create", "update", "read"] }\n' +
          'path "secret/data/by-name/{{identity.entity.name}}/*" { capabilities = ["create", "update", "read"] }',
      );
      const one = await userLogin(id, 'tpl-one', ['own-paths']);
      const two = await userLogin(id, 'tpl-two', ['own-paths']);
      assertStatus(await id.call('POST', `identity/entity/id/${one.entityId}`, { name: 'tpl-one-entity' }), 204, 'rename');
      await writeSecret(id, `by-id/${one.entityId}/k`, { v: '1' });
      await writeSecret(id, 'by-name/tpl-one-entity/k', { v: '1' });

      assert.equal(await readStatus(id, `by-id/${one.entityId}/k`, one.token), 200);
      assert.equal(await readStatus(id, `by-id/${one.entityId}/k`, two.token), 403);
      assert.equal(await readStatus(id, 'by-name/tpl-one-entity/k', one.token), 200);
      assert.equal(await readStatus(id, 'by-name/tpl-one-entity/k', two.token), 403);
    });

    it('{{identity.entity.aliases.<accessor>.name}} is the login name on that mount', async () => {
      await writePolicy(id, 'by-login', `path "secret/data/users/{{identity.entity.aliases.${userpassAccessor}.name}}/*" { capabilities = ["read"] }`);
      const user = await userLogin(id, 'alias-tpl-user', ['by-login']);
      await userLogin(id, 'alias-tpl-other', ['by-login']);
      await writeSecret(id, 'users/alias-tpl-user/k', { v: '1' });
      await writeSecret(id, 'users/alias-tpl-other/k', { v: '1' });
      assert.equal(await readStatus(id, 'users/alias-tpl-user/k', user.token), 200);
      assert.equal(await readStatus(id, 'users/alias-tpl-other/k', user.token), 403);
    });

    it('{{identity.entity.aliases.<accessor>.custom_metadata.<key>}} reads the operator’s alias metadata', async () => {
      await writePolicy(id, 'by-alias-meta', `path "secret/data/teams/{{identity.entity.aliases.${userpassAccessor}.custom_metadata.team}}/*" { capabilities = ["read"] }`);
      const user = await userLogin(id, 'alias-meta-user', ['by-alias-meta']);
      const entity = await id.call<{ data: { aliases: { id: string }[] } }>('GET', `identity/entity/id/${user.entityId}`);
      const aliasId = entity.body.data.aliases[0]!.id;
      await writeSecret(id, 'teams/red/k', { v: '1' });
      assert.equal(await readStatus(id, 'teams/red/k', user.token), 403);
      assertStatus(await id.call('POST', `identity/entity-alias/id/${aliasId}`, { custom_metadata: { team: 'red' } }), 200, 'custom_metadata');
      assert.equal(await readStatus(id, 'teams/red/k', user.token), 200);
    });

    it('{{identity.groups.names.<name>.id}} is the group’s id for its members only', async () => {
      await writePolicy(id, 'by-group', 'path "secret/data/groups/{{identity.groups.names.tpl-team.id}}/*" { capabilities = ["read"] }');
      const member = await userLogin(id, 'group-tpl-member', ['by-group']);
      const outsider = await userLogin(id, 'group-tpl-outsider', ['by-group']);
      const groupId = await createGroup(id, { name: 'tpl-team', member_entity_ids: [member.entityId] });
      await writeSecret(id, `groups/${groupId}/k`, { v: '1' });
      assert.equal(await readStatus(id, `groups/${groupId}/k`, member.token), 200);
      assert.equal(await readStatus(id, `groups/${groupId}/k`, outsider.token), 403);
    });

    it('an unresolvable template matches nothing, while the policy’s other rules still apply', async () => {
      await writePolicy(
        id,
        'half-resolvable',
        'path "secret/data/{{identity.entity.metadata.no_such_key}}/*" { capabilities = ["read"] }\n' +
          'path "secret/data/{{identity.groups.names.no-such-group.id}}/*" { capabilities = ["read"] }\n' +
          'path "secret/data/shared/*" { capabilities = ["read"] }',
      );
      const user = await userLogin(id, 'unresolved-user', ['half-resolvable']);
      assert.equal(await readStatus(id, 'shared/x', user.token), 200);
      for (const path of ['a/db', '/db', 'b/db']) assert.equal(await readStatus(id, path, user.token), 403, path);
    });

    it('a token without an entity matches no templated rule', async () => {
      await writePolicy(id, 'tpl-only', 'path "secret/data/{{identity.entity.id}}/*" { capabilities = ["read"] }\npath "secret/data/shared/*" { capabilities = ["read"] }');
      const created = await id.call<{ auth: { client_token: string; entity_id: string } }>('POST', 'auth/token/create', { policies: ['tpl-only'] });
      assertStatus(created, 200, 'token create');
      assert.equal(created.body.auth.entity_id, '');
      assert.equal(await readStatus(id, 'shared/x', created.body.auth.client_token), 200);
      assert.equal(await readStatus(id, '/x', created.body.auth.client_token), 403);
    });
  });

  describe('the default policy', () => {
    it('lets a token read its own entity, by id and by name, and not another’s', async () => {
      const me = await userLogin(id, 'self-reader');
      const other = await userLogin(id, 'someone-else');
      const own = await id.call<{ data: { id: string; name: string } }>('GET', `identity/entity/id/${me.entityId}`, undefined, me.token);
      assertStatus(own, 200, 'own entity');
      assert.equal(own.body.data.id, me.entityId);
      assertStatus(await id.call('GET', `identity/entity/name/${own.body.data.name}`, undefined, me.token), 200, 'own entity by name');
      assertStatus(await id.call('GET', `identity/entity/id/${other.entityId}`, undefined, me.token), 403, 'other entity');
      assertStatus(await id.call('POST', `identity/entity/id/${me.entityId}`, { policies: ['anything'] }, me.token), 403, 'own entity update');
      assertStatus(await id.call('LIST', 'identity/entity/id', undefined, me.token), 403, 'list');
    });
  });
});
