// The KV engine as the pages use it, over the public API: v1 and v2 have different paths for the
// same things (a v2 mount keeps data under data/, names under metadata/).
import { ApiError } from '../../api.js';
import { vault } from '../../session.js';
import { apiPath } from './links.js';

export interface KvMount {
  /** "secret/", "team/kv/" */
  path: string;
  type: string;
  version: 1 | 2;
  description: string;
}

export interface VersionInfo {
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

export interface KvMetadata {
  current_version: number;
  oldest_version: number;
  max_versions: number;
  cas_required: boolean;
  delete_version_after: string;
  custom_metadata: Record<string, string> | null;
  created_time: string;
  updated_time: string;
  versions: Record<string, VersionInfo>;
}

export interface KvSecret {
  data: Record<string, unknown>;
  /** v2 only: the version read. */
  version?: number;
  createdTime?: string;
}

/**
 * The mount holding `mountPath`, with its KV version, from sys/internal/ui/mounts (as Vault's CLI
 * finds it): it answers any token with some grant under the mount, even one that cannot read
 * sys/mounts.
 */
export async function findMount(mountPath: string): Promise<KvMount> {
  const answer = await vault.read<{ type: string; path: string; description: string; options: Record<string, string> | null }>(`sys/internal/ui/mounts/${apiPath(mountPath)}`);
  const data = answer!.data;
  const versioned = (data.type === 'kv' || data.type === 'generic') && data.options?.version === '2';
  return { path: data.path || mountPath, type: data.type, version: versioned ? 2 : 1, description: data.description };
}

/** Engines the KV browser serves: kv (and its old name generic), and the cubbyhole, which reads and writes as KV v1 does. */
export const isKvType = (type: string) => type === 'kv' || type === 'generic' || type === 'cubbyhole';

/** The names in a folder ("" is the mount's root); folders end in "/". */
export function listKeys(mount: KvMount, folder: string): Promise<string[]> {
  return vault.list(mount.version === 2 ? `${mount.path}metadata/${apiPath(folder)}` : `${mount.path}${apiPath(folder)}`);
}

/** Reads a secret (v2: a version, 0 the latest). Null when there is none (or that version is deleted or destroyed). */
export async function readSecret(mount: KvMount, path: string, version = 0): Promise<KvSecret | null> {
  try {
    if (mount.version === 1) {
      const answer = await vault.read(`${mount.path}${apiPath(path)}`);
      return { data: answer?.data ?? {} };
    }
    const answer = await vault.read<{ data: Record<string, unknown> | null; metadata: { version: number; created_time: string } }>(`${mount.path}data/${apiPath(path)}${version ? `?version=${version}` : ''}`);
    const body = answer!.data;
    return { data: body.data ?? {}, version: body.metadata.version, createdTime: body.metadata.created_time };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** v2: the key's metadata and versions; null when the key does not exist. */
export async function readMetadata(mount: KvMount, path: string): Promise<KvMetadata | null> {
  try {
    return (await vault.read<KvMetadata>(`${mount.path}metadata/${apiPath(path)}`))!.data;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** v2: whether the mount's config asks for cas on every write (false if the token may not read it). */
export async function mountCasRequired(mount: KvMount): Promise<boolean> {
  try {
    return (await vault.read<{ cas_required?: boolean }>(`${mount.path}config`))?.data.cas_required === true;
  } catch {
    return false;
  }
}

/**
 * Writes a secret. v2: `cas` is sent when given (the version the write expects to replace, 0 for a
 * new key), so a concurrent write is refused rather than overwritten.
 */
export async function writeSecret(mount: KvMount, path: string, data: Record<string, unknown>, cas?: number): Promise<void> {
  if (mount.version === 1) {
    await vault.write(`${mount.path}${apiPath(path)}`, data);
    return;
  }
  await vault.write(`${mount.path}data/${apiPath(path)}`, cas === undefined ? { data } : { data, options: { cas } });
}

/** v1: removes the secret; v2: soft-deletes the latest version. */
export async function deleteLatest(mount: KvMount, path: string): Promise<void> {
  await vault.remove(mount.version === 2 ? `${mount.path}data/${apiPath(path)}` : `${mount.path}${apiPath(path)}`);
}

/** v2: soft-delete, undelete or destroy the given versions. */
export async function changeVersions(mount: KvMount, action: 'delete' | 'undelete' | 'destroy', path: string, versions: number[]): Promise<void> {
  await vault.write(`${mount.path}${action}/${apiPath(path)}`, { versions });
}

/** v2: writes the key's metadata (max_versions, cas_required, delete_version_after, custom_metadata). */
export async function writeMetadata(mount: KvMount, path: string, metadata: { max_versions: number; cas_required: boolean; delete_version_after: string; custom_metadata: Record<string, string> }): Promise<void> {
  await vault.write(`${mount.path}metadata/${apiPath(path)}`, metadata);
}

/** v2: deletes the key's metadata and every version. */
export async function deleteAllVersions(mount: KvMount, path: string): Promise<void> {
  await vault.remove(`${mount.path}metadata/${apiPath(path)}`);
}
