import { createHmac } from 'node:crypto';
import { ConditionFailed, type MountStorage } from '../../framework/types.js';
import { randomBytes } from '../../crypto/random.js';

/** What a salted HMAC is taken of; each kind of value gets its own domain so one never stands in for another. */
export type HashDomain = 'secret_id' | 'accessor' | 'role_id';

/** Storage key of the mount's HMAC key (inside the barrier, like everything else). */
const SALT_KEY = 'salt';

/**
 * Salted HMAC-SHA256 of the mount's credentials. Secret IDs, their accessors and role IDs are only
 * ever stored, and looked up, under this hash: storage never holds them in clear.
 */
export class Hasher {
  constructor(private readonly key: Buffer) {}

  /** Hex HMAC of `value` in `domain`; also the storage key segment for it. */
  hash(domain: HashDomain, value: string): string {
    return createHmac('sha256', this.key).update(`${domain}\u0000${value}`).digest('hex');
  }
}

/**
 * The mount's hasher, keyed by mount uuid. The key is made once per mount: a conditional write
 * settles a race between two first requests, and both then use the winner's key.
 */
export class HasherCache {
  private readonly byMount = new Map<string, Promise<Hasher>>();

  forMount(mountUuid: string, store: MountStorage): Promise<Hasher> {
    let hasher = this.byMount.get(mountUuid);
    if (!hasher) {
      hasher = loadOrCreate(store);
      this.byMount.set(mountUuid, hasher);
      // A failed load (sealed, storage error) must not stick: the next request tries again.
      hasher.catch(() => this.byMount.delete(mountUuid));
    }
    return hasher;
  }
}

async function loadOrCreate(store: MountStorage): Promise<Hasher> {
  const existing = await store.get<{ key: string }>(SALT_KEY);
  if (existing) return new Hasher(Buffer.from(existing.key, 'base64'));
  const key = randomBytes(32);
  try {
    await store.transaction([{ type: 'put', key: SALT_KEY, value: { key: key.toString('base64') } }], [{ type: 'absent', key: SALT_KEY }]);
    return new Hasher(key);
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err;
    const winner = await store.get<{ key: string }>(SALT_KEY);
    if (!winner) throw err;
    return new Hasher(Buffer.from(winner.key, 'base64'));
  }
}
