import { api } from '../harness/http.js';

/** Reads made as root to capture everything a hostile request could have changed. */
const PROBES: ReadonlyArray<{ method: string; path: string }> = [
  { method: 'GET', path: 'sys/mounts' },
  { method: 'GET', path: 'sys/mounts/secret/tune' },
  { method: 'GET', path: 'sys/mounts/hkv1/tune' },
  { method: 'GET', path: 'sys/policy' },
  { method: 'LIST', path: 'sys/policies/acl' },
  { method: 'GET', path: 'sys/policy/hostile-fixture' },
  { method: 'GET', path: 'secret/config' },
  { method: 'GET', path: 'secret/metadata/fixture' },
  { method: 'GET', path: 'secret/data/fixture' },
  { method: 'GET', path: 'secret/data/fixture?version=1' },
  { method: 'LIST', path: 'secret/metadata/' },
  { method: 'GET', path: 'hkv1/fixture' },
  { method: 'LIST', path: 'hkv1/' },
  { method: 'GET', path: 'cubbyhole/fixture' },
  { method: 'LIST', path: 'auth/token/accessors' },
  { method: 'GET', path: 'sys/auth' },
  { method: 'GET', path: 'auth/approle/role/fixture' },
  { method: 'GET', path: 'auth/approle/role/fixture/role-id' },
  { method: 'LIST', path: 'auth/approle/role/fixture/secret-id' },
  { method: 'GET', path: 'auth/userpass/users/fixture' },
  { method: 'LIST', path: 'auth/userpass/users' },
  { method: 'GET', path: 'auth/jwt/config' },
  { method: 'GET', path: 'auth/jwt/role/fixture' },
  { method: 'GET', path: 'auth/kubernetes/config' },
  { method: 'GET', path: 'auth/kubernetes/role/fixture' },
  { method: 'GET', path: 'auth/token/roles/fixture' },
  { method: 'LIST', path: 'identity/entity/id' },
  { method: 'LIST', path: 'identity/group/id' },
  { method: 'GET', path: 'identity/oidc/config' },
  { method: 'LIST', path: 'identity/oidc/key' },
  { method: 'GET', path: 'identity/oidc/key/fixture' },
  { method: 'LIST', path: 'identity/oidc/role' },
  { method: 'GET', path: 'identity/oidc/role/fixture' },
  // The published key set: a rotation or a new key shows here.
  { method: 'GET', path: 'identity/oidc/.well-known/keys' },
];

/** Probe → status and data, with lists sorted so that order alone never counts as a change. */
export type StateSnapshot = Record<string, { status: number; data: unknown }>;

/**
 * Captures the server's observable state as root.
 * `ignoredAccessors` are left out of the accessor list: tokens that expire on their own
 * (the expiration manager may remove them at any moment, which is not the request's doing).
 */
export async function snapshotState(address: string, rootToken: string, ignoredAccessors: ReadonlySet<string> = new Set()): Promise<StateSnapshot> {
  const entries = await Promise.all(
    PROBES.map(async ({ method, path }) => {
      const res = await api<{ data?: unknown }>(address, method, path, { token: rootToken });
      let data: unknown = res.body.data ?? res.body;
      if (path === 'auth/token/accessors') data = withoutKeys(data, ignoredAccessors);
      return [`${method} ${path}`, { status: res.status, data: sortLists(data) }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function withoutKeys(data: unknown, ignored: ReadonlySet<string>): unknown {
  const keys = (data as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return data;
  return { ...(data as object), keys: keys.filter((k) => !ignored.has(String(k))) };
}

function sortLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortLists).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sortLists(v)]));
  }
  return value;
}
