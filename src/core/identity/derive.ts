import { ROOT_POLICY, sanitizePolicies } from '../../framework/policy-names.js';
import type { TemplateContext } from '../policy/template.js';
import type { IdentityStore } from './store.js';

/**
 * What a token gets from its identity, computed once per request (the pipeline hands it to the ACL
 * and to audit): Vault's identity_policies — the entity's own and those of every group it belongs
 * to, parents included, found through the membership graph — and the context templated policy
 * rules are rendered with.
 */
export interface TokenIdentity {
  /** The entity exists and is disabled: its tokens may not be used. */
  disabled: boolean;
  /** None for a disabled or unknown entity; never "root". */
  policies: string[];
  /** Undefined for a disabled or unknown entity. */
  context: TemplateContext | undefined;
  /** Caches of what depends on this identity (rendered ACLs) key on this: entity and store generation. */
  key: string;
}

export function deriveIdentity(store: IdentityStore, entityId: string): TokenIdentity {
  const key = `${entityId}#${store.generation}`;
  const entity = entityId ? store.entity(entityId) : undefined;
  if (!entity || entity.disabled) return { disabled: !!entity?.disabled, policies: [], context: undefined, key };
  const groups = store.groupsOf(entity.id);
  // Writes refuse "root"; an entry that holds it anyway (older data) must not make a root token.
  const policies = sanitizePolicies([...entity.policies, ...groups.flatMap((g) => g.policies)], false).filter((p) => p !== ROOT_POLICY);
  const context: TemplateContext = {
    entity: {
      id: entity.id,
      name: entity.name,
      metadata: entity.metadata,
      aliases: store.aliasesOf(entity.id).map((a) => ({
        id: a.id,
        mountAccessor: a.mountAccessor,
        name: a.name,
        // Kept apart, as in Vault: metadata comes from the auth method, custom_metadata from operators.
        metadata: a.metadata,
        customMetadata: a.customMetadata,
      })),
    },
    groups: groups.map((g) => ({ id: g.id, name: g.name, metadata: g.metadata })),
  };
  return { disabled: false, policies, context, key };
}
