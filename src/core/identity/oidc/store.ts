import type { JWK } from 'jose';
import { CofferError } from '../../../framework/errors.js';
import { ConditionFailed, type Condition, type MountStorage } from '../../../framework/types.js';
import { OIDC_LAYOUT, type NamedKey, type OidcConfig, type OidcRole } from './model.js';
import { nextDue, publishedKeys, rotateNamedKey, withoutExpiredKeys } from './signing-keys.js';

export interface Versioned<T> {
  value: T;
  version: number;
}

/** How long the rotation worker may sleep at most (it wakes sooner for a rotation or expiry due). */
const MAX_SLEEP_MS = 60_000;

/**
 * One namespace's token provider state (config, named keys, roles) over its storage area. Writes
 * run one at a time on this node (a check such as "no role names this key" holds until its write)
 * and each commits as a transaction conditioned on the versions of the records it read, so a
 * write planned on a stale copy fails (409) instead of overwriting. Only the active node serves
 * and rotates. The published key set is cached in memory until a write or the next expiry.
 */
export class OidcStore {
  private queue: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private published: { generation: number; until: number; keys: JWK[] } | undefined;
  /** When the rotation worker next has something to do (ms); 0: look now. */
  private due = 0;

  constructor(private readonly storage: () => MountStorage) {}

  /** Runs `write` after every write queued before it on this node. */
  serial<T>(write: () => Promise<T>): Promise<T> {
    const run = this.queue.then(write, write);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async config(): Promise<OidcConfig> {
    return (await this.storage().get<OidcConfig>(OIDC_LAYOUT.config)) ?? { issuer: '' };
  }

  async putConfig(config: OidcConfig): Promise<void> {
    await this.storage().put(OIDC_LAYOUT.config, config);
  }

  key(name: string): Promise<Versioned<NamedKey> | undefined> {
    return this.storage().getVersioned<NamedKey>(OIDC_LAYOUT.key(name));
  }

  keyNames(): Promise<string[]> {
    return this.names(OIDC_LAYOUT.keys);
  }

  role(name: string): Promise<Versioned<OidcRole> | undefined> {
    return this.storage().getVersioned<OidcRole>(OIDC_LAYOUT.role(name));
  }

  roleNames(): Promise<string[]> {
    return this.names(OIDC_LAYOUT.roles);
  }

  /** Every role with its name. */
  async roles(): Promise<{ name: string; role: OidcRole }[]> {
    const found: { name: string; role: OidcRole }[] = [];
    for (const name of await this.roleNames()) {
      const role = await this.role(name);
      if (role) found.push({ name, role: role.value });
    }
    return found;
  }

  /** Stores a key, conditioned on the version read (`undefined`: it must still be absent). */
  async writeKey(name: string, key: NamedKey, readVersion: number | undefined): Promise<void> {
    await this.commit(OIDC_LAYOUT.key(name), key, readVersion);
  }

  /**
   * Deletes a key, conditioned on the version read. Every role write names its key's version and
   * rewrites the key (bumping it), so a role made meanwhile fails this delete instead of dangling.
   */
  async deleteKey(name: string, readVersion: number): Promise<void> {
    await this.transact([{ type: 'delete', key: OIDC_LAYOUT.key(name) }], [{ type: 'version', key: OIDC_LAYOUT.key(name), version: readVersion }]);
  }

  /** Stores a role, conditioned on the version read and on its key still being as read (which it rewrites: see deleteKey). */
  async writeRole(name: string, role: OidcRole, readVersion: number | undefined, key: Versioned<NamedKey>): Promise<void> {
    const roleKey = OIDC_LAYOUT.role(name);
    const keyKey = OIDC_LAYOUT.key(role.key);
    const conditions: Condition[] = [
      readVersion === undefined ? { type: 'absent', key: roleKey } : { type: 'version', key: roleKey, version: readVersion },
      { type: 'version', key: keyKey, version: key.version },
    ];
    await this.transact([{ type: 'put', key: roleKey, value: role }, { type: 'put', key: keyKey, value: key.value }], conditions);
  }

  async deleteRole(name: string): Promise<void> {
    await this.transact([{ type: 'delete', key: OIDC_LAYOUT.role(name) }], []);
  }

  /**
   * The public keys .well-known/keys publishes: those of every key a role names (as Vault, whose
   * key set holds only keys in use), signing, next, or rotated out and still within verification_ttl.
   */
  async publicKeys(now: number): Promise<JWK[]> {
    const cached = this.published;
    if (cached && cached.generation === this.generation && now < cached.until) return cached.keys;
    const generation = this.generation;
    const names = new Set((await this.roles()).map((r) => r.role.key));
    const keys: JWK[] = [];
    let until = Infinity;
    for (const name of [...names].sort()) {
      const key = await this.key(name);
      if (!key) continue;
      for (const published of publishedKeys(key.value, now)) {
        keys.push(published.jwk);
        if (published.expireAt !== 0) until = Math.min(until, published.expireAt);
      }
    }
    this.published = { generation, until, keys };
    return keys;
  }

  /**
   * The rotation worker's pass (Vault's oidcPeriodicFunc): rotates every key whose rotation_period
   * has passed and drops public keys past their verification_ttl. Does nothing before the next
   * rotation or expiry it knows of, unless a write on this node woke it.
   */
  async rotateDue(now: number): Promise<void> {
    if (now < this.due) return;
    await this.serial(async () => {
      let due = now + MAX_SLEEP_MS;
      for (const name of await this.keyNames()) {
        const held = await this.key(name);
        if (!held) continue;
        let key = held.value;
        if (key.nextRotation <= now) key = await rotateNamedKey(key, now);
        key = withoutExpiredKeys(key, now) ?? key;
        if (key !== held.value) await this.commit(OIDC_LAYOUT.key(name), key, held.version);
        due = Math.min(due, nextDue(key));
      }
      this.due = due;
    });
  }

  /** A write on this node may have brought a rotation or expiry forward. */
  private changed(): void {
    this.generation++;
    this.due = 0;
  }

  private async names(prefix: string): Promise<string[]> {
    return (await this.storage().list(prefix)).filter((name) => !name.endsWith('/')).sort();
  }

  private async commit(key: string, value: unknown, readVersion: number | undefined): Promise<void> {
    const condition: Condition = readVersion === undefined ? { type: 'absent', key } : { type: 'version', key, version: readVersion };
    await this.transact([{ type: 'put', key, value }], [condition]);
  }

  private async transact(ops: Parameters<MountStorage['transaction']>[0], conditions: Condition[]): Promise<void> {
    try {
      await this.storage().transaction(ops, conditions);
    } catch (err) {
      if (err instanceof ConditionFailed) throw new CofferError('conflict');
      throw err;
    } finally {
      this.changed();
    }
  }
}
