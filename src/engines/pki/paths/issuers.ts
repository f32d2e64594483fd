import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { rebuildCrls, type PkiContext } from '../context.js';
import { checkNewName, describeIssuer, parseLeafBehavior, parseUsage, rebuildChains, storeGeneratedKey, storeKey } from '../issuers.js';
import { importPrivateKey, resolveKeySpec } from '../keys.js';
import { issuersConfig, KEYS, loadAll, loadIssuer, resolveIssuer, resolveKey, type IssuerEntry, type KeyEntry, type RevokedEntry } from '../model.js';
import { x509 } from '../x509.js';

const issuerRef = { issuer_ref: field.string({ required: true }) };

const updateFields = {
  ...issuerRef,
  issuer_name: field.string(),
  leaf_not_after_behavior: field.string({ default: 'err' }),
  usage: field.strings({ default: ['read-only', 'issuing-certificates', 'crl-signing', 'ocsp-signing'] }),
  manual_chain: field.strings(),
  revocation_signature_algorithm: field.string(),
  issuing_certificates: field.strings(),
  crl_distribution_points: field.strings(),
  ocsp_servers: field.strings(),
  enable_aia_url_templating: field.bool(),
};

/**
 * issuer/:ref POST (everything from the request and its defaults, as Vault's POST) or PATCH (only
 * what was sent). The certificate never changes; a usage the certificate's KeyUsage cannot back
 * (crl-signing without cRLSign) is refused.
 */
async function updateIssuer(ctx: PkiContext, req: Req<typeof updateFields>, store: MountStorage, patch: boolean): Promise<Resp> {
  const f = req.fields;
  const sent = (name: keyof typeof updateFields & string) => !patch || req.provided(name);
  for (const name of ['issuing_certificates', 'crl_distribution_points', 'ocsp_servers', 'enable_aia_url_templating'] as const) {
    if (req.provided(name) && (f[name] === true || (Array.isArray(f[name]) && (f[name] as string[]).length > 0))) throw invalidRequest(`per-issuer ${name} is not supported yet: use config/urls`);
  }
  const updated = await ctx.lock.run(async () => {
    const issuer = await resolveIssuer(store, f.issuer_ref);
    const next: IssuerEntry = { ...issuer };
    if (sent('issuer_name')) next.name = await checkNewName(store, f.issuer_name, 'issuer', issuer.id);
    if (sent('leaf_not_after_behavior')) next.leafNotAfterBehavior = parseLeafBehavior(f.leaf_not_after_behavior);
    if (sent('usage')) {
      next.usage = parseUsage(f.usage);
      const ku = new x509.X509Certificate(issuer.certificate).getExtension(x509.KeyUsagesExtension);
      if (ku && (ku.usages & x509.KeyUsageFlags.cRLSign) === 0 && (next.usage.includes('crl-signing') || next.usage.includes('ocsp-signing'))) {
        throw invalidRequest('cannot set crl-signing or ocsp-signing usage: the certificate\'s KeyUsage lacks CRLSign');
      }
      if (issuer.revocationTime > 0 && next.usage.includes('issuing-certificates')) throw invalidRequest('cannot allow issuing-certificates on a revoked issuer');
    }
    if (sent('manual_chain')) {
      if (f.manual_chain.length > 0) {
        const first = await resolveIssuer(store, f.manual_chain[0]!);
        if (first.id !== issuer.id) throw invalidRequest('the first entry of manual_chain must be this issuer');
        for (const ref of f.manual_chain.slice(1)) await resolveIssuer(store, ref);
      }
      next.manualChain = f.manual_chain.length > 0 ? f.manual_chain : null;
    }
    await store.put(KEYS.issuer(issuer.id), next);
    await rebuildChains(store);
    return (await loadIssuer(store, issuer.id))!;
  });
  return ok(describeIssuer(updated));
}

async function deleteIssuer(ctx: PkiContext, req: Req<typeof issuerRef>, store: MountStorage): Promise<Resp> {
  const warnings = await ctx.lock.run(async () => {
    const issuer = await resolveIssuer(store, req.fields.issuer_ref).catch(() => undefined);
    if (!issuer) return undefined;
    const found: string[] = [];
    const config = await issuersConfig(store);
    await store.delete(KEYS.issuer(issuer.id));
    if (config.default === issuer.id) {
      await store.put(KEYS.configIssuers, { ...config, default: '' });
      found.push('Deleted issuer was the default issuer; a new default issuer has not been set: set one with config/issuers');
    }
    await ctx.crls.drop(store, issuer.id);
    await rebuildChains(store);
    return found;
  });
  if (warnings === undefined || warnings.length === 0) return noContent();
  return ok(null, { warnings });
}

/**
 * issuer/:ref/revoke: the issuer can no longer issue; its certificate goes on its parent's CRL
 * when the parent is in this mount (Vault: "revoked issuers will not appear on their own CRLs").
 */
async function revokeIssuer(ctx: PkiContext, req: Req<typeof issuerRef>, store: MountStorage): Promise<Resp> {
  const updated = await ctx.lock.run(async () => {
    const issuer = await resolveIssuer(store, req.fields.issuer_ref);
    if (issuer.revocationTime > 0) return issuer;
    const now = ctx.now();
    const next: IssuerEntry = { ...issuer, revocationTime: Math.floor(now / 1000), usage: issuer.usage.filter((u) => u !== 'issuing-certificates') };
    await store.put(KEYS.issuer(issuer.id), next);
    const cert = new x509.X509Certificate(issuer.certificate);
    if (!(await cert.isSelfSigned())) {
      const parent = (await loadAll<IssuerEntry>(store, KEYS.issuers)).find((i) => i.id !== issuer.id && i.caChain[0] === issuer.caChain[1]);
      if (parent) {
        await store.put(KEYS.revoked(issuer.serial), {
          serial: issuer.serial,
          certificate: issuer.certificate,
          issuerId: parent.id,
          revokedAt: now,
          notAfter: Math.floor(cert.notAfter.getTime() / 1000),
        } satisfies RevokedEntry);
      }
    }
    return next;
  });
  await rebuildCrls(ctx, store);
  return ok(describeIssuer(updated));
}

/** What an unauthenticated issuer/:ref/json, /pem or /der answers. */
async function fetchIssuer(req: Req<typeof issuerRef>, store: MountStorage, form: 'json' | 'pem' | 'der'): Promise<Resp> {
  const issuer = await resolveIssuer(store, req.fields.issuer_ref);
  const cert = new x509.X509Certificate(issuer.certificate);
  if (form === 'der') return { raw: { contentType: 'application/pkix-cert', body: Buffer.from(cert.rawData) } };
  if (form === 'pem') return { raw: { contentType: 'application/pem-file', body: issuer.certificate } };
  return ok({ certificate: issuer.certificate, ca_chain: issuer.caChain, issuer_id: issuer.id, issuer_name: issuer.name, ...(issuer.revocationTime ? { revocation_time: issuer.revocationTime } : {}) });
}

function describeKey(key: KeyEntry): Record<string, unknown> {
  return { key_id: key.id, key_name: key.name, key_type: key.type, key_bits: key.bits };
}

async function setDefaultIssuer(ctx: PkiContext, req: Req<{ default: ReturnType<typeof field.string>; default_follows_latest_issuer: ReturnType<typeof field.bool> }>, store: MountStorage): Promise<Resp> {
  const result = await ctx.lock.run(async () => {
    const config = await issuersConfig(store);
    const next = { ...config };
    if (req.provided('default') || req.path === 'root/replace') next.default = (await resolveIssuer(store, req.fields.default || 'next')).id;
    if (req.provided('default_follows_latest_issuer')) next.default_follows_latest_issuer = req.fields.default_follows_latest_issuer;
    await store.put(KEYS.configIssuers, next);
    return next;
  });
  await rebuildCrls(ctx, store);
  return ok({ default: result.default, default_follows_latest_issuer: result.default_follows_latest_issuer });
}

/** issuers, issuer/:ref (and its json/pem/der/revoke), config/issuers, keys, key/:ref, config/keys. */
export function issuerPaths(ctx: PkiContext): PathDef[] {
  const configIssuerFields = { default: field.string(), default_follows_latest_issuer: field.bool() };
  return [
    definePath({
      pattern: 'issuers',
      fields: {},
      unauthenticated: true,
      operations: {
        list: async (_req, store) => {
          const issuers = await loadAll<IssuerEntry>(store, KEYS.issuers);
          if (issuers.length === 0) return notFound();
          const keyInfo = Object.fromEntries(issuers.map((i) => [i.id, { issuer_name: i.name, key_id: i.keyId, is_default: false, serial_number: i.serial }]));
          const { default: defaultId } = await issuersConfig(store);
          if (keyInfo[defaultId]) keyInfo[defaultId]!.is_default = true;
          return ok({ keys: issuers.map((i) => i.id).sort(), key_info: keyInfo });
        },
      },
      description: 'List the issuers of this mount.',
    }),
    definePath({ pattern: 'issuer/:issuer_ref/json', fields: issuerRef, unauthenticated: true, operations: { read: (req, store) => fetchIssuer(req, store, 'json') } }),
    definePath({ pattern: 'issuer/:issuer_ref/pem', fields: issuerRef, unauthenticated: true, operations: { read: (req, store) => fetchIssuer(req, store, 'pem') } }),
    definePath({ pattern: 'issuer/:issuer_ref/der', fields: issuerRef, unauthenticated: true, operations: { read: (req, store) => fetchIssuer(req, store, 'der') } }),
    definePath({ pattern: 'issuer/:issuer_ref/revoke', fields: issuerRef, operations: { update: (req, store) => revokeIssuer(ctx, req, store) }, description: 'Revoke an issuer: it stops issuing and goes on its parent\'s CRL.' }),
    definePath({
      pattern: 'issuer/:issuer_ref',
      fields: updateFields,
      operations: {
        read: async (req, store) => ok(describeIssuer(await resolveIssuer(store, req.fields.issuer_ref))),
        update: (req, store) => updateIssuer(ctx, req, store, false),
        patch: (req, store) => updateIssuer(ctx, req, store, true),
        delete: (req, store) => deleteIssuer(ctx, req, store),
      },
      description: 'Read, update or delete one issuer.',
    }),
    definePath({
      pattern: 'config/issuers',
      fields: configIssuerFields,
      operations: {
        read: async (_req, store) => {
          const config = await issuersConfig(store);
          return ok({ default: config.default, default_follows_latest_issuer: config.default_follows_latest_issuer });
        },
        update: (req, store) => setDefaultIssuer(ctx, req, store),
      },
      description: 'The default issuer.',
    }),
    definePath({ pattern: 'root/replace', fields: configIssuerFields, operations: { update: (req, store) => setDefaultIssuer(ctx, req, store) } }),
    definePath({
      pattern: 'keys',
      fields: {},
      operations: {
        list: async (_req, store) => {
          const keys = await loadAll<KeyEntry>(store, KEYS.keys);
          if (keys.length === 0) return notFound();
          return ok({ keys: keys.map((k) => k.id).sort(), key_info: Object.fromEntries(keys.map((k) => [k.id, { key_name: k.name, key_type: k.type }])) });
        },
      },
      description: 'List the keys of this mount.',
    }),
    definePath({
      pattern: 'keys/generate/:type',
      fields: { type: field.string({ required: true }), key_type: field.string({ default: 'rsa' }), key_bits: field.int(), key_name: field.string() },
      operations: {
        update: async (req, store) => {
          if (req.fields.type !== 'internal') throw invalidRequest(`invalid type "${req.fields.type}": only "internal" keys can be generated here`);
          const spec = resolveKeySpec(req.fields.key_type, req.fields.key_bits);
          const pair = await ctx.pool.take(spec);
          const { entry } = await ctx.lock.run(() => storeGeneratedKey(store, pair, spec, req.fields.key_name));
          return ok(describeKey(entry));
        },
      },
      description: 'Generate a key for later CA generation with type=existing.',
    }),
    definePath({
      pattern: 'keys/import',
      fields: { pem_bundle: field.string({ required: true }), key_name: field.string() },
      operations: {
        update: async (req, store) => {
          const { spec, pkcs8 } = importPrivateKey(req.fields.pem_bundle);
          return ok(describeKey(await ctx.lock.run(() => storeKey(store, pkcs8, spec, req.fields.key_name))));
        },
      },
      description: 'Import a private key (PEM).',
    }),
    definePath({
      pattern: 'key/:key_ref',
      fields: { key_ref: field.string({ required: true }), key_name: field.string() },
      operations: {
        read: async (req, store) => ok(describeKey(await resolveKey(store, req.fields.key_ref))),
        update: async (req, store) =>
          ok(
            describeKey(
              await ctx.lock.run(async () => {
                const key = await resolveKey(store, req.fields.key_ref);
                const next = { ...key, name: await checkNewName(store, req.fields.key_name, 'key', key.id) };
                await store.put(KEYS.key(key.id), next);
                return next;
              }),
            ),
          ),
        delete: async (req, store) => {
          const warnings = await ctx.lock.run(async () => {
            const key = await resolveKey(store, req.fields.key_ref).catch(() => undefined);
            if (!key) return [];
            const users = (await loadAll<IssuerEntry>(store, KEYS.issuers)).filter((i) => i.keyId === key.id);
            if (users.length > 0) throw invalidRequest(`unable to delete key as it is in use by issuers: ${users.map((i) => i.id).join(', ')}`);
            await store.delete(KEYS.key(key.id));
            ctx.signingKeys.clear();
            const config = await store.get<{ default: string }>(KEYS.configKeys);
            if (config?.default !== key.id) return [];
            await store.put(KEYS.configKeys, { default: '' });
            return ['Deleted key was the default key; a new default key has not been set'];
          });
          return warnings.length ? ok(null, { warnings }) : noContent();
        },
      },
      description: 'Read, rename or delete one key (its private half is never answered).',
    }),
    definePath({
      pattern: 'config/keys',
      fields: { default: field.string() },
      operations: {
        read: async (_req, store) => ok({ default: (await store.get<{ default: string }>(KEYS.configKeys))?.default ?? '' }),
        update: async (req, store) => {
          const key = await resolveKey(store, req.fields.default);
          await store.put(KEYS.configKeys, { default: key.id });
          return ok({ default: key.id });
        },
      },
      description: 'The default key.',
    }),
  ];
}
