import { invalidRequest } from '../../../../framework/errors.js';
import { field } from '../../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type PathDef, type Req, type Resp } from '../../../../framework/types.js';
import { DAY_SECONDS, isAlgorithm, MAX_VERIFICATION_PERIODS, type NamedKey } from '../../../identity/oidc/model.js';
import { createNamedKey, rekeyNamedKey, rotateNamedKey } from '../../../identity/oidc/signing-keys.js';
import { nameOf, validName, type OidcContext } from './context.js';

// identity/oidc/key/:name, identity/oidc/key/:name/rotate and LIST identity/oidc/key (Vault:
// "Create a Named Key" ... "Rotate a Named Key"), with Vault's checks and messages.

const keyFields = {
  name: field.string({ description: 'Name of the key.' }),
  rotation_period: field.duration({ default: DAY_SECONDS, description: 'How often a new signing key is made (at least a minute).' }),
  verification_ttl: field.duration({ default: DAY_SECONDS, description: 'How long the public half of a rotated-out key stays published (at most 10 rotation periods).' }),
  allowed_client_ids: field.strings({ description: 'Client ids of the roles that may sign with this key; "*" for every role, none when empty.' }),
  algorithm: field.string({ default: 'RS256', description: 'Signing algorithm: RS256, RS384, RS512, ES256, ES384, ES512 or EdDSA.' }),
};
type KeyReq = Req<typeof keyFields>;

const rotateFields = {
  name: field.string({ description: 'Name of the key to rotate.' }),
  verification_ttl: field.duration({ description: "How long the public half of the key rotated out stays published; overrides the key's verification_ttl." }),
};

function describeKey(key: NamedKey): Record<string, unknown> {
  return { algorithm: key.algorithm, rotation_period: key.rotationPeriod, verification_ttl: key.verificationTtl, allowed_client_ids: key.allowedClientIds };
}

export function keyPaths(ctx: OidcContext): PathDef[] {
  const { oidc } = ctx;

  /** Vault's pathOIDCCreateUpdateKey: a field not sent keeps its stored value (or, for a new key, its default). */
  function writeKey(req: KeyReq): Promise<Resp> {
    const name = nameOf(req);
    return oidc.serial(async () => {
      const held = await oidc.key(name);
      const stored = held?.value;
      const given = <K extends keyof KeyReq['fields']>(f: K, fallback: KeyReq['fields'][K]) => (req.provided(f) || !stored ? req.fields[f] : fallback);
      const rotationPeriod = given('rotation_period', stored?.rotationPeriod ?? DAY_SECONDS);
      if (rotationPeriod < ctx.minRotationPeriod) {
        throw invalidRequest(ctx.minRotationPeriod === 60 ? 'rotation_period must be at least one minute' : `rotation_period must be at least ${ctx.minRotationPeriod} seconds`);
      }
      const verificationTtl = given('verification_ttl', stored?.verificationTtl ?? DAY_SECONDS);
      if (verificationTtl > MAX_VERIFICATION_PERIODS * rotationPeriod) throw invalidRequest('verification_ttl cannot be longer than 10x rotation_period');
      if (stored) {
        const tooLong = (await oidc.roles()).some(({ role }) => role.key === name && role.ttl > verificationTtl);
        if (tooLong) throw invalidRequest(`unable to update key "${name}" because it is currently referenced by one or more roles with a token ttl greater than ${verificationTtl} seconds`);
      }
      const allowedClientIds = given('allowed_client_ids', stored?.allowedClientIds ?? []).filter((id) => id !== '');
      const algorithm = given('algorithm', stored?.algorithm ?? 'RS256');
      if (!isAlgorithm(algorithm)) throw invalidRequest(`unknown signing algorithm "${algorithm}"`);
      const now = Date.now();
      const settings = { algorithm, rotationPeriod, verificationTtl, allowedClientIds };
      let key: NamedKey;
      if (!stored) key = await createNamedKey(settings, now);
      else {
        // The next rotation comes sooner when the period shrank; it never moves later (as Vault).
        key = { ...stored, ...settings, nextRotation: Math.min(stored.nextRotation, now + rotationPeriod * 1000) };
        if (algorithm !== stored.algorithm) key = await rekeyNamedKey(key, now);
      }
      await oidc.writeKey(name, key, held?.version);
      return noContent();
    });
  }

  async function readKey(req: KeyReq): Promise<Resp> {
    const held = await oidc.key(nameOf(req));
    return held ? ok(describeKey(held.value)) : notFound();
  }

  /** Vault refuses to delete a key a role names, listing the roles; deleting an absent key is a 204. */
  function deleteKey(req: KeyReq): Promise<Resp> {
    const name = nameOf(req);
    return oidc.serial(async () => {
      const held = await oidc.key(name);
      if (!held) return noContent();
      const users = (await oidc.roles()).filter(({ role }) => role.key === name).map((r) => r.name);
      if (users.length > 0) throw invalidRequest(`unable to delete key "${name}" because it is currently referenced by these roles: ${users.join(', ')}`);
      await oidc.deleteKey(name, held.version);
      return noContent();
    });
  }

  async function listKeys(): Promise<Resp> {
    const keys = await oidc.keyNames();
    return keys.length > 0 ? ok({ keys }) : notFound();
  }

  function rotateKey(req: Req<typeof rotateFields>): Promise<Resp> {
    const name = nameOf(req);
    return oidc.serial(async () => {
      const held = await oidc.key(name);
      if (!held) throw invalidRequest(`no named key found at "${name}"`);
      const override = req.provided('verification_ttl') ? req.fields.verification_ttl : undefined;
      await oidc.writeKey(name, await rotateNamedKey(held.value, Date.now(), override), held.version);
      return noContent();
    });
  }

  return [
    definePath({
      pattern: 'oidc/key/:name/rotate',
      fields: rotateFields,
      operations: { update: rotateKey },
      description: 'Rotate a named key now: the next key signs, and the key rotated out stays published for verification_ttl.',
    }),
    definePath({
      pattern: 'oidc/key/:name',
      fields: keyFields,
      operations: { read: readKey, create: writeKey, update: writeKey, delete: deleteKey },
      existenceCheck: async (req) => validName(req.fields.name) && (await oidc.key(req.fields.name)) !== undefined,
      description: 'Create, read, update or delete a named key, which signs the tokens of the roles naming it.',
    }),
    definePath({
      pattern: 'oidc/key',
      fields: {},
      operations: { list: listKeys },
      description: 'List the named keys.',
    }),
  ];
}
