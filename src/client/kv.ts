import type { CofferClient } from './client.js';
import { CofferApiError } from './errors.js';
import type { Secret } from './types.js';

/** Where a KV path lives: its mount, the mount's KV version and the path inside the mount. */
export interface KvLocation {
  /** Mount path with its trailing slash ("secret/"), or "" when the server could not say. */
  mountPath: string;
  version: 1 | 2;
  /** The path inside the mount ("app/db"). */
  relative: string;
}

/** A KV call's answer together with where it went. */
export interface KvResult {
  location: KvLocation;
  /** The API path actually requested ("secret/data/app/db"). */
  apiPath: string;
  secret: Secret | undefined;
}

/** Options shared by KV calls: `mount` names the mount explicitly (Vault's `-mount=`). */
export interface KvOptions {
  mount?: string;
  wrapTTL?: string;
}

type Data = Record<string, unknown>;

/** The API path for a location; KV v2 inserts a prefix (data, metadata, delete, ...) after the mount. */
export function kvApiPath(location: KvLocation, v2Prefix: string): string {
  const inner = location.version === 2 ? joinPath(v2Prefix, location.relative) : location.relative;
  return `${location.mountPath}${inner}`;
}

/** KV v1/v2 helpers, finding the version through sys/internal/ui/mounts as Vault's CLI does. */
export class KvClient {
  constructor(private readonly client: CofferClient) {}

  /** Finds the mount and KV version serving `path` (or the path inside an explicit `mount`). */
  async locate(path: string, mount?: string): Promise<KvLocation> {
    const cleanPath = trimSlashes(path);
    const probe = mount ? trimSlashes(mount) : cleanPath;
    let mountPath = '';
    let version: 1 | 2 = 1;
    try {
      const answer = await this.client.request<Secret<{ path?: string; options?: { version?: string } | null }>>(
        'GET',
        `sys/internal/ui/mounts/${probe}`,
      );
      mountPath = answer?.data?.path ?? '';
      version = answer?.data?.options?.version === '2' ? 2 : 1;
    } catch (err) {
      // Vault's CLI treats a server without this endpoint as KV v1.
      if (!(err instanceof CofferApiError && err.status === 404)) throw err;
    }
    if (mount) {
      const mountWithSlash = `${trimSlashes(mount)}/`;
      return { mountPath: mountPath || mountWithSlash, version, relative: cleanPath };
    }
    const relative = mountPath && `${cleanPath}/`.startsWith(mountPath) ? cleanPath.slice(mountPath.length) : cleanPath;
    return { mountPath, version, relative: trimSlashes(relative) };
  }

  /** Reads a secret; for v2 `version` picks one (0 or absent is the latest). */
  async get(path: string, options: KvOptions & { version?: number } = {}): Promise<KvResult> {
    const location = await this.locate(path, options.mount);
    const apiPath = kvApiPath(location, 'data');
    const query = location.version === 2 && options.version ? { version: options.version } : undefined;
    const secret = await this.client.request('GET', apiPath, { query, wrapTTL: options.wrapTTL });
    return { location, apiPath, secret };
  }

  /** Writes a whole secret; `cas` (v2) makes it a check-and-set on the current version. */
  async put(path: string, data: Data, options: KvOptions & { cas?: number } = {}): Promise<KvResult> {
    const location = await this.locate(path, options.mount);
    const apiPath = kvApiPath(location, 'data');
    const body = location.version === 2 ? { data, ...(options.cas !== undefined ? { options: { cas: options.cas } } : {}) } : data;
    const secret = await this.client.request('PUT', apiPath, { body, wrapTTL: options.wrapTTL });
    return { location, apiPath, secret };
  }

  /** Merges `data` into the latest version (v2 only), with a JSON merge patch. */
  async patch(path: string, data: Data, options: KvOptions & { cas?: number } = {}): Promise<KvResult> {
    const location = await this.locate(path, options.mount);
    requireV2(location, 'patch');
    const apiPath = kvApiPath(location, 'data');
    const body = { data, ...(options.cas !== undefined ? { options: { cas: options.cas } } : {}) };
    const secret = await this.client.patch(apiPath, body, { wrapTTL: options.wrapTTL });
    return { location, apiPath, secret };
  }

  /** Deletes the latest version, or (v2) the listed versions; on v1 the data is gone for good. */
  async delete(path: string, options: KvOptions & { versions?: number[] } = {}): Promise<KvResult> {
    const location = await this.locate(path, options.mount);
    if (location.version === 2 && options.versions?.length) {
      const apiPath = kvApiPath(location, 'delete');
      const secret = await this.client.request('POST', apiPath, { body: { versions: options.versions } });
      return { location, apiPath, secret };
    }
    const apiPath = kvApiPath(location, 'data');
    return { location, apiPath, secret: await this.client.delete(apiPath) };
  }

  /** Restores soft-deleted versions (v2 only). */
  async undelete(path: string, versions: number[], options: KvOptions = {}): Promise<KvResult> {
    return this.versionsOperation('undelete', path, versions, options);
  }

  /** Permanently removes the data of the listed versions (v2 only). */
  async destroy(path: string, versions: number[], options: KvOptions = {}): Promise<KvResult> {
    return this.versionsOperation('destroy', path, versions, options);
  }

  /** Lists keys under a folder. */
  async list(path: string, options: KvOptions = {}): Promise<KvResult> {
    const location = await this.locate(path, options.mount);
    const apiPath = kvApiPath(location, 'metadata');
    return { location, apiPath, secret: await this.client.list(apiPath, { wrapTTL: options.wrapTTL }) };
  }

  /** Reads a secret's metadata and version history (v2 only). */
  async metadataGet(path: string, options: KvOptions = {}): Promise<KvResult> {
    const location = await this.locate(path, options.mount);
    requireV2(location, 'metadata');
    const apiPath = kvApiPath(location, 'metadata');
    return { location, apiPath, secret: await this.client.read(apiPath, { wrapTTL: options.wrapTTL }) };
  }

  /** Sets metadata settings: max_versions, cas_required, delete_version_after, custom_metadata (v2 only). */
  async metadataPut(path: string, settings: Data, options: KvOptions = {}): Promise<KvResult> {
    const location = await this.locate(path, options.mount);
    requireV2(location, 'metadata');
    const apiPath = kvApiPath(location, 'metadata');
    return { location, apiPath, secret: await this.client.write(apiPath, settings) };
  }

  /** Deletes a secret's metadata and every version (v2 only). */
  async metadataDelete(path: string, options: KvOptions = {}): Promise<KvResult> {
    const location = await this.locate(path, options.mount);
    requireV2(location, 'metadata');
    const apiPath = kvApiPath(location, 'metadata');
    return { location, apiPath, secret: await this.client.delete(apiPath) };
  }

  private async versionsOperation(prefix: 'undelete' | 'destroy', path: string, versions: number[], options: KvOptions): Promise<KvResult> {
    const location = await this.locate(path, options.mount);
    requireV2(location, prefix);
    const apiPath = kvApiPath(location, prefix);
    const secret = await this.client.request('PUT', apiPath, { body: { versions } });
    return { location, apiPath, secret };
  }
}

/** Thrown when a KV v2-only operation is asked of a v1 mount. */
export class KvVersionError extends Error {
  override readonly name = 'KvVersionError';
}

function requireV2(location: KvLocation, operation: string): void {
  if (location.version !== 2) {
    throw new KvVersionError(`${operation} is not supported on a KV version 1 mount (${location.mountPath || 'unknown mount'})`);
  }
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function joinPath(...parts: string[]): string {
  return parts.map(trimSlashes).filter((p) => p !== '').join('/');
}
