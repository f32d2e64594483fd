import type { Core } from '../../core.js';
import { publicLeaseId, storedLeaseId, type LeaseEntry } from '../../leases/index.js';
import { ROOT_NAMESPACE, requestNamespace } from '../../namespaces/index.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type NamespaceRef, type PathDef, type Req, type Resp } from '../../../framework/types.js';

const leaseIdField = {
  lease_id: field.string({ description: 'The lease to act on (also accepted as the rest of the path).' }),
  url_lease_id: field.string({ description: 'The lease id as the rest of the path.' }),
};
const renewFields = { ...leaseIdField, increment: field.duration({ description: "Seconds (or a duration) from now; 0: the secret's default." }) };
const revokeFields = { ...leaseIdField, sync: field.bool({ default: true, description: 'Revoke before answering (default); false: queue it and answer 202.' }) };
const prefixFields = { prefix: field.string({ required: true }), sync: field.bool({ default: true, description: 'Revoke before answering (default); false: queue and answer 202.' }) };
const typeFields = {
  type: field.string({ description: 'The kind of lease: only "irrevocable" is answered.' }),
  include_child_namespaces: field.bool({ description: 'Count leases of child namespaces too.' }),
  limit: field.string({ description: 'sys/leases: at most this many leases ("none": all).' }),
};


/**
 * The stored id of the lease a request names, in the body or as the rest of the path; 400 when
 * it names none. Undefined for a lease of a namespace out of reach: one that does not exist here.
 */
function leaseIdOf(core: Core, req: Req<typeof leaseIdField>): string | undefined {
  const id = req.fields.url_lease_id || req.fields.lease_id;
  if (!id) throw invalidRequest('lease_id must be specified');
  return storedLeaseId(id, requestNamespace(req), core.namespaces);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A lease's id as clients of its namespace know it (namespaced-ids.ts). */
const shownId = (core: Core, entry: LeaseEntry) => publicLeaseId(entry, entry.namespaceId ? core.namespaces.getById(entry.namespaceId) : undefined);

/** Whether a lease is of `ns` (or, with `children`, of a namespace below it). */
function leaseIn(core: Core, entry: LeaseEntry, ns: NamespaceRef, children: boolean): boolean {
  const own = (entry.namespaceId && core.namespaces.getById(entry.namespaceId)) || ROOT_NAMESPACE;
  return own.id === ns.id || (children && own.path.startsWith(ns.path));
}

function describeLease(core: Core, entry: LeaseEntry, now: number): Record<string, unknown> {
  return {
    id: shownId(core, entry),
    issue_time: iso(entry.issueTime),
    expire_time: entry.irrevocable ? null : iso(entry.expireTime),
    last_renewal: entry.lastRenewalTime ? iso(entry.lastRenewalTime) : null,
    renewable: entry.renewable && !entry.irrevocable,
    ttl: entry.irrevocable ? 0 : Math.max(0, Math.round((entry.expireTime - now) / 1000)),
    ...(entry.irrevocable ? { irrevocable: true, revocation_error: entry.irrevocable.error } : {}),
  };
}

async function renew(core: Core, req: Req<typeof renewFields>): Promise<Resp> {
  const id = leaseIdOf(core, req);
  if (id === undefined) throw invalidRequest('lease not found');
  const { lease, warnings } = await core.leases.renew(id, req.fields.increment);
  return { data: null, lease: { ...lease, id: req.fields.url_lease_id || req.fields.lease_id }, ...(warnings.length > 0 ? { warnings } : {}) };
}

async function revoke(core: Core, req: Req<typeof revokeFields>): Promise<Resp> {
  const id = leaseIdOf(core, req);
  if (id !== undefined) await core.leases.revoke(id, req.fields.sync);
  return req.fields.sync ? noContent() : { status: 202 };
}

/** Vault answers these two only for type=irrevocable; any other type gets an empty 404, as there. */
const irrevocableAsked = (type: string) => type === 'irrevocable';

/**
 * sys/leases/*, and the older sys/renew, sys/revoke, sys/revoke-prefix and sys/revoke-force
 * (Vault keeps both). Listing (lookup/ and sys/leases), revoke-prefix and revoke-force need sudo, as in Vault.
 */
export function leasePaths(core: Core): PathDef[] {
  const renewOps = { update: (req: Req<typeof renewFields>) => renew(core, req) };
  const revokeOps = { update: (req: Req<typeof revokeFields>) => revoke(core, req) };
  const prefixRevoke = (force: boolean) => async (req: Req<typeof prefixFields>): Promise<Resp> => {
    await core.leases.revokePrefix(`${requestNamespace(req).path}${req.fields.prefix}`, { force, sync: force || req.fields.sync });
    return force || req.fields.sync ? noContent() : { status: 202 };
  };
  const paths: PathDef[] = [
    definePath({
      pattern: 'leases/lookup',
      fields: leaseIdField,
      operations: {
        update: async (req) => {
          const id = leaseIdOf(core, req);
          const entry = id === undefined ? undefined : await core.leases.lookup(id);
          if (!entry) throw invalidRequest('invalid lease');
          return ok(describeLease(core, entry, Date.now()));
        },
      },
      description: "A lease's issue and expiry times, TTL and whether it renews.",
    }),
    definePath({
      pattern: 'leases/lookup/:prefix*',
      fields: { prefix: field.string() },
      sudo: true,
      operations: {
        list: async (req) => {
          const prefix = `${requestNamespace(req).path}${req.fields.prefix}`;
          // A child namespace's leases are under its path, but they are its own, not folders here;
          // a lease of a namespace is listed as its clients name it (with the namespace's id).
          const owner = core.namespaces.resolve(prefix);
          const keys = (await core.leases.list(prefix))
            .filter((key) => !core.namespaces.get(`${prefix}${key}`))
            .map((key) => (key.endsWith('/') || owner.path === '' ? key : `${key}.${owner.id}`));
          return keys.length > 0 ? ok({ keys }) : notFound();
        },
      },
      description: 'The lease ids (and folders of them) under a prefix.',
    }),
    definePath({
      pattern: 'leases/tidy',
      fields: {},
      operations: {
        update: async () => {
          const leases = core.leases;
          // In the background, as Vault's: the answer does not wait for a walk over every lease.
          void leases.tidy(async (tokenId) => (await core.tokens.lookupById(tokenId)) !== undefined).then(
            (orphans) => core.logger.info({ orphans }, 'lease tidy finished'),
            (err: unknown) => core.logger.error({ error: (err as Error).message }, 'lease tidy failed'),
          );
          return { status: 202, warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Coffer's server logs."] };
        },
      },
      description: 'Revoke the leases whose token no longer exists.',
    }),
    definePath({
      pattern: 'leases/count',
      fields: typeFields,
      operations: {
        read: async (req) => {
          if (!irrevocableAsked(req.fields.type)) return notFound();
          const leases = (await core.leases.irrevocable()).filter((l) => leaseIn(core, l, requestNamespace(req), req.fields.include_child_namespaces));
          const counts: Record<string, number> = {};
          for (const lease of leases) counts[lease.mountPath] = (counts[lease.mountPath] ?? 0) + 1;
          return ok({ lease_count: leases.length, counts });
        },
      },
      description: 'How many irrevocable leases there are, per mount.',
    }),
    definePath({
      pattern: 'leases',
      fields: typeFields,
      sudo: true,
      operations: {
        read: async (req) => {
          if (!irrevocableAsked(req.fields.type)) return notFound();
          const limit = req.fields.limit === '' || req.fields.limit === 'none' ? Infinity : Number(req.fields.limit);
          if (!Number.isInteger(limit) && limit !== Infinity) throw invalidRequest('invalid limit: a number, or "none"');
          const leases = (await core.leases.irrevocable()).filter((l) => leaseIn(core, l, requestNamespace(req), req.fields.include_child_namespaces));
          const listed = leases.slice(0, limit).map((l) => ({ lease_id: shownId(core, l), mount_id: l.mountAccessor, error: l.irrevocable?.error ?? '' }));
          return ok({ lease_count: leases.length, leases: listed }, leases.length > listed.length ? { warnings: [`showing ${listed.length} of ${leases.length} leases`] } : {});
        },
      },
      description: 'The irrevocable leases, with the error that keeps each.',
    }),
  ];
  for (const base of ['leases/', '']) {
    paths.push(
      definePath({ pattern: `${base}renew`, fields: renewFields, operations: renewOps, description: 'Renew a lease.' }),
      definePath({ pattern: `${base}renew/:url_lease_id*`, fields: renewFields, operations: renewOps, description: 'Renew a lease.' }),
      definePath({ pattern: `${base}revoke`, fields: revokeFields, operations: revokeOps, description: 'Revoke a lease.' }),
      definePath({ pattern: `${base}revoke/:url_lease_id*`, fields: revokeFields, operations: revokeOps, description: 'Revoke a lease.' }),
      definePath({ pattern: `${base}revoke-prefix/:prefix*`, fields: prefixFields, sudo: true, operations: { update: prefixRevoke(false) }, description: 'Revoke every lease under a prefix.' }),
      definePath({ pattern: `${base}revoke-force/:prefix*`, fields: prefixFields, sudo: true, operations: { update: prefixRevoke(true) }, description: 'Remove every lease under a prefix, even when its backend cannot revoke it.' }),
    );
  }
  return paths;
}
