import type { CofferClient } from '../client.js';
import { CofferApiError } from '../errors.js';
import { SecretKeyCollisionError } from './errors.js';
import { keyMapsTo, keyToPath, listingStart } from './keys.js';
import { stderrLogger } from './logger.js';
import { mapLimit } from './map-limit.js';
import { keyOfReference, referenceOf } from './references.js';
import type { SecretManager, SecretManagerLogger } from './types.js';

/** The custom_metadata entry holding the key a secret was stored under. */
export const ORIGINAL_KEY_METADATA = 'secret_manager_key';

const SCHEME = 'vault';
/** Requests in flight while listing (folders, then each secret's metadata). */
const LIST_CONCURRENCY = 8;
/** Writes retried when a concurrent write moved the version between our read and our check-and-set. */
const WRITE_ATTEMPTS = 3;
/** Vault's custom_metadata limits (64 keys, one of them ours; keys 128 bytes, values 512). */
const MAX_CALLER_METADATA = 63;

export interface VaultSecretManagerOptions {
  /** The KV v2 mount (default "secret"). */
  mount?: string;
  logger?: SecretManagerLogger;
  /** The manager made the client and logged it in: close() closes the client and revokes its session's token. */
  ownsClient?: boolean;
}

/** What a path's KV v2 metadata says about the secret there. */
interface Stored {
  currentVersion: number;
  /** The key it was stored under; undefined for a secret written by something else. */
  key: string | undefined;
  customMetadata: Record<string, string>;
}

/**
 * A SecretManager over a KV v2 mount: the value of key "a.b" lives at <mount>/data/a/b as
 * `{ value }`, the key and the caller's metadata in the path's custom_metadata.
 *
 * A reference's key is read by its path, so "vault://a.b" and "vault://a_b" read the same secret;
 * writes (store, update, delete) through a key other than the one the secret was stored under are
 * refused with SecretKeyCollisionError. A secret written by something else counts as stored under
 * its path ("a/b"), which is how listSecrets names it.
 */
export class VaultSecretManager implements SecretManager {
  private readonly mount: string;
  private readonly logger: SecretManagerLogger;
  private readonly ownsClient: boolean;
  private closed = false;

  constructor(
    readonly client: CofferClient,
    options: VaultSecretManagerOptions = {},
  ) {
    this.mount = (options.mount ?? 'secret').replace(/^\/+|\/+$/g, '');
    if (this.mount === '') throw new Error('the KV v2 mount must not be empty');
    this.logger = options.logger ?? stderrLogger;
    this.ownsClient = options.ownsClient ?? false;
  }

  /**
   * Stores `value` under `key` and answers "vault://<key>". Storing a key again replaces its value;
   * `metadata`, when given, replaces the secret's metadata, and is kept when left out.
   */
  async storeSecret(key: string, value: string, metadata?: Record<string, string>): Promise<string> {
    this.assertOpen();
    const path = keyToPath(key);
    if (metadata !== undefined) checkCallerMetadata(metadata);
    await this.withCasRetries(key, path, async () => {
      const stored = await this.readStored(path);
      if (stored) this.refuseOtherKey(key, path, stored);
      // cas 0 on a new path: of two keys racing for it, the server lets exactly one write.
      await this.writeValue(path, value, stored?.currentVersion ?? 0);
      if (!stored) return this.recordNewKey(path, key, metadata ?? {});
      if (metadata !== undefined) return this.writeCustomMetadata(path, key, metadata);
      if (stored.key === undefined) return this.writeCustomMetadata(path, key, stored.customMetadata);
    });
    return referenceOf(SCHEME, key);
  }

  /** The value, or null when the secret does not exist or `ref` is not a vault:// reference. Other failures throw. */
  async getSecret(ref: string): Promise<string | null> {
    this.assertOpen();
    const key = keyOfReference(ref, SCHEME, this.logger);
    if (key === undefined) return null;
    const path = keyToPath(key);
    const answer = await ifFound(this.client.read(this.apiPath('data', path)));
    if (!answer) return null;
    const value = (answer.data as { data?: Record<string, unknown> } | null)?.data?.value;
    if (typeof value === 'string') return value;
    this.logger.warn({ path: this.apiPath('data', path) }, 'secret has no string field "value"; answering as not found');
    return null;
  }

  /** Writes a new version of an existing secret: true when it existed, false when not or `ref` is not a vault:// reference. */
  async updateSecret(ref: string, value: string): Promise<boolean> {
    this.assertOpen();
    const key = keyOfReference(ref, SCHEME, this.logger);
    if (key === undefined) return false;
    const path = keyToPath(key);
    return this.withCasRetries(key, path, async () => {
      const stored = await this.readStored(path);
      if (!stored || stored.currentVersion === 0) return false;
      this.refuseOtherKey(key, path, stored);
      await this.writeValue(path, value, stored.currentVersion);
      return true;
    });
  }

  /** Deletes the secret with every version (its metadata): true when it existed. */
  async deleteSecret(ref: string): Promise<boolean> {
    this.assertOpen();
    const key = keyOfReference(ref, SCHEME, this.logger);
    if (key === undefined) return false;
    const path = keyToPath(key);
    const stored = await this.readStored(path);
    if (!stored) return false;
    this.refuseOtherKey(key, path, stored);
    await this.client.delete(this.apiPath('metadata', path));
    return stored.currentVersion > 0;
  }

  /**
   * "vault://<key>" for every secret whose key starts with `prefix`, sorted. Walks the metadata
   * folders from the one the prefix names (up to its last separator), then reads each candidate's
   * metadata for the key it was stored under.
   */
  async listSecrets(prefix = ''): Promise<string[]> {
    this.assertOpen();
    const start = listingStart(prefix);
    if (!start) return [];
    const candidates = await this.walk(start.folder, start.pathPrefix);
    const keys = await mapLimit(candidates, LIST_CONCURRENCY, async (path) => {
      const stored = await this.readStored(path);
      if (!stored || stored.currentVersion === 0) return undefined;
      return stored.key !== undefined && keyMapsTo(stored.key, path) ? stored.key : path;
    });
    return keys
      .filter((key): key is string => key !== undefined && key.startsWith(prefix))
      .map((key) => referenceOf(SCHEME, key))
      .sort();
  }

  /** Revokes the token when the manager logged in itself; later calls throw. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.close({ revokeToken: true });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('this SecretManager is closed');
  }

  private apiPath(kind: 'data' | 'metadata', path: string): string {
    return `${this.mount}/${kind}/${path}`;
  }

  private async readStored(path: string): Promise<Stored | undefined> {
    const answer = await ifFound(this.client.read(this.apiPath('metadata', path)));
    const data = answer?.data as { current_version?: number; custom_metadata?: Record<string, string> | null } | null | undefined;
    if (!data) return undefined;
    const customMetadata = { ...data.custom_metadata };
    const key = customMetadata[ORIGINAL_KEY_METADATA];
    delete customMetadata[ORIGINAL_KEY_METADATA];
    return { currentVersion: data.current_version ?? 0, key, customMetadata };
  }

  /** A write through `key` may only touch a secret stored under that key (or, written by something else, under its path). */
  private refuseOtherKey(key: string, path: string, stored: Stored): void {
    const storedKey = stored.key ?? path;
    if (storedKey !== key) throw new SecretKeyCollisionError(key, stored.key ?? path, this.apiPath('data', path));
  }

  private async writeValue(path: string, value: string, cas: number): Promise<void> {
    await this.client.write(this.apiPath('data', path), { data: { value }, options: { cas } });
  }

  private async writeCustomMetadata(path: string, key: string, metadata: Record<string, string>): Promise<void> {
    await this.client.write(this.apiPath('metadata', path), { custom_metadata: { ...metadata, [ORIGINAL_KEY_METADATA]: key } });
  }

  /** The first version is ours (cas 0 held); if its metadata cannot be written, nothing of it may stay. */
  private async recordNewKey(path: string, key: string, metadata: Record<string, string>): Promise<void> {
    try {
      await this.writeCustomMetadata(path, key, metadata);
    } catch (err) {
      await this.client.delete(this.apiPath('metadata', path)).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Runs `attempt` again when its check-and-set lost to a concurrent write; the next read then
   * sees that write (and refuses it when it came from another key).
   */
  private async withCasRetries<T>(key: string, path: string, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (err) {
        if (!isCasMismatch(err)) throw err;
        if (tries >= WRITE_ATTEMPTS) {
          throw new Error(`key ${JSON.stringify(key)} was not written: ${this.apiPath('data', path)} kept changing under concurrent writes`, { cause: err });
        }
      }
    }
  }

  private async walk(folder: string, pathPrefix: string): Promise<string[]> {
    const leaves: string[] = [];
    let folders = [folder];
    while (folders.length > 0) {
      const listed = await mapLimit(folders, LIST_CONCURRENCY, async (f) => ({ folder: f, names: await this.listFolder(f) }));
      folders = [];
      for (const { folder: parent, names } of listed) {
        for (const name of names) {
          const full = `${parent}${name}`;
          if (name.endsWith('/')) {
            if (full.startsWith(pathPrefix) || pathPrefix.startsWith(full)) folders.push(full);
          } else if (full.startsWith(pathPrefix)) {
            leaves.push(full);
          }
        }
      }
    }
    return leaves;
  }

  private async listFolder(folder: string): Promise<string[]> {
    const answer = await ifFound(this.client.list(this.apiPath('metadata', folder)));
    return answer?.data?.keys ?? [];
  }
}

/** The answer, or undefined for a 404. */
async function ifFound<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (err) {
    if (err instanceof CofferApiError && err.status === 404) return undefined;
    throw err;
  }
}

function isCasMismatch(err: unknown): boolean {
  return err instanceof CofferApiError && err.status === 400 && err.errors.some((e) => e.includes('check-and-set parameter did not match'));
}

/** Refuses metadata the server would refuse, before a value is written, so a store never half-happens. */
function checkCallerMetadata(metadata: Record<string, string>): void {
  const entries = Object.entries(metadata);
  if (entries.length > MAX_CALLER_METADATA) throw new Error(`secret metadata may hold at most ${MAX_CALLER_METADATA} entries, got ${entries.length}`);
  for (const [name, value] of entries) {
    if (name === ORIGINAL_KEY_METADATA) throw new Error(`secret metadata must not set ${JSON.stringify(ORIGINAL_KEY_METADATA)}: it holds the key`);
    const nameBytes = Buffer.byteLength(name);
    if (nameBytes === 0 || nameBytes > 128) throw new Error(`secret metadata name ${JSON.stringify(name)} must be 1 to 128 bytes long`);
    if (typeof value !== 'string') throw new Error(`secret metadata ${JSON.stringify(name)} must be a string`);
    const valueBytes = Buffer.byteLength(value);
    if (valueBytes === 0 || valueBytes > 512) throw new Error(`secret metadata ${JSON.stringify(name)} must be 1 to 512 bytes long`);
  }
}
