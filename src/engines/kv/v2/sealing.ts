import { isSealedVersion, SealedDataCorrupt, type DataKeyService, type SealedVersion } from '../../../framework/data-keys.js';
import { zeroize } from '../../../crypto/zeroize.js';

/**
 * The stored form of one version: its data sealed under the version's own DEK (core/data-keys.ts).
 * `data` is the plaintext form stores written before per-version DEKs hold; it is still read, never
 * written.
 */
export type StoredVersion = SealedVersion | { data: Record<string, unknown> };

/**
 * Seals and opens the versions of one KV v2 mount. The binding "<mount uuid>:<path>:<version>" is the
 * additional data of both the ciphertext and the DEK wrap, so a version copied to another version,
 * path or mount does not open. A path may hold ":"; the uuid has none and the version is the last
 * segment, so the binding stays unambiguous.
 */
export class VersionSealer {
  constructor(
    private readonly dataKeys: DataKeyService,
    private readonly mountUuid: string,
  ) {}

  async seal(path: string, version: number, data: Record<string, unknown>): Promise<SealedVersion> {
    const plaintext = Buffer.from(JSON.stringify(data), 'utf8');
    try {
      return await this.dataKeys.seal(plaintext, this.binding(path, version));
    } finally {
      zeroize(plaintext);
    }
  }

  async open(path: string, version: number, stored: StoredVersion): Promise<Record<string, unknown>> {
    if (!isSealedVersion(stored)) {
      if (isLegacy(stored)) return stored.data;
      // A ciphertext without its wrapped DEK (e.g. put back from a backup after destroy) is shredded.
      throw new SealedDataCorrupt(this.binding(path, version), 'it has no wrapped data key (destroyed: the data key was deleted)');
    }
    const plaintext = await this.dataKeys.open(stored, this.binding(path, version));
    try {
      return JSON.parse(plaintext.toString('utf8')) as Record<string, unknown>;
    } finally {
      zeroize(plaintext);
    }
  }

  /** A version being destroyed: its DEK leaves the cache as its wrapped form leaves storage. */
  forget(stored: StoredVersion | undefined): void {
    if (stored && isSealedVersion(stored)) this.dataKeys.forget(stored);
  }

  /** The binding (aad) of a version's ciphertext and DEK wrap; the re-wrap worker needs it too. */
  binding(path: string, version: number): string {
    return `${this.mountUuid}:${path}:${version}`;
  }
}

function isLegacy(stored: unknown): stored is { data: Record<string, unknown> } {
  const data = (stored as { data?: unknown } | null)?.data;
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}
