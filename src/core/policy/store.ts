import { invalidRequest } from '../../framework/errors.js';
import type { MountStorage } from '../../framework/types.js';
import { ACL } from './acl.js';
import { DEFAULT_POLICY, ROOT_POLICY } from '../../framework/policy-names.js';
import { DEFAULT_POLICY_TEXT, RESPONSE_WRAPPING_POLICY, RESPONSE_WRAPPING_POLICY_TEXT } from './builtin.js';
import { parsePolicy, type Policy } from './parse.js';
import { isTemplated, renderPolicy, type TemplateContext } from './template.js';

/** The caller's identity for rendering templated policies; `key` names it in the ACL cache. */
export interface IdentityForAcl {
  /** Changes whenever the context could (entity id and identity store generation). */
  key: string;
  context: TemplateContext | undefined;
}

/** A policy as stored and as sys/policy answers it. */
export interface StoredPolicy {
  name: string;
  /** The policy text exactly as written. */
  policy: string;
}

// Policies nobody may write; Vault refuses these with `cannot update "<name>" policy`.
const IMMUTABLE = new Set([ROOT_POLICY, RESPONSE_WRAPPING_POLICY]);
// Built-in policies whose text is known without storage.
const BUILTIN_TEXT = new Map([
  [DEFAULT_POLICY, DEFAULT_POLICY_TEXT],
  [RESPONSE_WRAPPING_POLICY, RESPONSE_WRAPPING_POLICY_TEXT],
]);
const ROOT: Policy = { name: ROOT_POLICY, raw: '', rules: [] };
const MAX_CACHED_ACLS = 1024;

/** Vault normalizes policy names to lower case (and ignores surrounding blanks). */
export function policyName(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * ACL policies in storage, with the built-in root, default and response-wrapping policies, and a
 * cache of parsed policies and compiled ACLs that every write or delete invalidates.
 */
export class PolicyStore {
  private readonly parsed = new Map<string, Policy>();
  private readonly acls = new Map<string, ACL>();
  // Bumped on every change, so a load that raced with a write never caches what it read before it.
  private generation = 0;

  constructor(private readonly storage: MountStorage) {}

  /** A policy's text, or undefined when there is none (root has no text, as in Vault). */
  async get(name: string): Promise<StoredPolicy | undefined> {
    const key = policyName(name);
    if (key === ROOT_POLICY) return undefined;
    const stored = await this.storage.get<StoredPolicy>(storageKey(key));
    if (stored) return { name: key, policy: stored.policy };
    const builtin = BUILTIN_TEXT.get(key);
    return builtin === undefined ? undefined : { name: key, policy: builtin };
  }

  /** Writes a policy after parsing it; an invalid policy is a 400 and changes nothing. */
  async set(name: string, text: string): Promise<void> {
    const key = policyName(name);
    if (!key) throw invalidRequest('policy name missing');
    if (IMMUTABLE.has(key)) throw invalidRequest(`cannot update "${key}" policy`);
    await parsePolicy(key, text);
    await this.storage.put(storageKey(key), { name: key, policy: text } satisfies StoredPolicy);
    this.invalidate();
  }

  /** Deletes a policy; root, default and response-wrapping cannot be deleted. Deleting a missing one is a no-op. */
  async delete(name: string): Promise<void> {
    const key = policyName(name);
    if (key === ROOT_POLICY || key === DEFAULT_POLICY || key === RESPONSE_WRAPPING_POLICY) {
      throw invalidRequest(`cannot delete ${key} policy`);
    }
    await this.storage.delete(storageKey(key));
    this.invalidate();
  }

  /** Names of the assignable policies, root and default included, sorted. */
  async list(): Promise<string[]> {
    const names = new Set([ROOT_POLICY, DEFAULT_POLICY]);
    for (const key of await this.storage.list('')) {
      if (key.endsWith('/')) continue;
      names.add(decodeURIComponent(key));
    }
    // Vault keeps the wrapping policy out of listings: it cannot be assigned to a token.
    names.delete(RESPONSE_WRAPPING_POLICY);
    return [...names].sort();
  }

  /** Writes Vault's default policy when storage has none (first start). */
  async ensureDefault(): Promise<void> {
    if (await this.storage.get(storageKey(DEFAULT_POLICY))) return;
    await this.storage.put(storageKey(DEFAULT_POLICY), { name: DEFAULT_POLICY, policy: DEFAULT_POLICY_TEXT } satisfies StoredPolicy);
    this.invalidate();
  }

  /** A parsed policy, or undefined when it does not exist. */
  async policy(name: string): Promise<Policy | undefined> {
    const key = policyName(name);
    if (key === ROOT_POLICY) return ROOT;
    const cached = this.parsed.get(key);
    if (cached) return cached;
    const generation = this.generation;
    const found = await this.get(key);
    if (!found) return undefined;
    const parsed = await parsePolicy(key, found.policy);
    if (generation === this.generation) this.parsed.set(key, parsed);
    return parsed;
  }

  /**
   * The ACL for a token's policies; unknown names are ignored (as Vault does), "root" makes it a
   * root ACL. Templated rules are rendered for `identity`; without one they match nothing.
   */
  async acl(policyNames: string[], identity?: IdentityForAcl): Promise<ACL> {
    const names = [...new Set(policyNames.map(policyName))].sort();
    if (names.includes(ROOT_POLICY)) return new ACL([ROOT]);
    const plainKey = names.join('\n');
    const cached = this.acls.get(plainKey) ?? (identity && this.acls.get(`${plainKey}\n@${identity.key}`));
    if (cached) return cached;
    const generation = this.generation;
    let policies = (await Promise.all(names.map((name) => this.policy(name)))).filter((p): p is Policy => p !== undefined);
    // Only ACLs that depend on the caller's identity are cached per identity.
    const templated = policies.some(isTemplated);
    if (templated) policies = policies.map((p) => renderPolicy(p, identity?.context));
    const cacheKey = templated ? `${plainKey}\n@${identity?.key ?? ''}` : plainKey;
    const acl = new ACL(policies);
    if (generation === this.generation) {
      if (this.acls.size >= MAX_CACHED_ACLS) this.acls.clear();
      this.acls.set(cacheKey, acl);
    }
    return acl;
  }

  private invalidate(): void {
    this.generation++;
    this.parsed.clear();
    this.acls.clear();
  }
}

// Names may hold any character; encoding keeps a "/" in a name from becoming a storage folder.
function storageKey(name: string): string {
  return encodeURIComponent(name);
}
