import type { Caller, Req } from '../../../framework/types.js';
import type { RenewLimits, TokenEntry, TokenStore } from '../../token/index.js';

/** Whether the caller holds sudo on a full logical path (e.g. "auth/token/create"). */
export type SudoCheck = (caller: Caller, path: string) => Promise<boolean>;

export interface TokenBackendOptions {
  /**
   * Vault lifts some limits of auth/token/create (custom id, orphans, periodic tokens, policies
   * outside the parent's) for callers with sudo on the path, and checks sudo inside revoke-orphan.
   * The ACL lives in the core, so the core answers; without it only root counts as sudo.
   */
  hasSudo?: SudoCheck;
  /**
   * The identity entity of an entity alias on the token mount, created on first use (tokens made
   * with `entity_alias` against a role are tied to it). Identity lives in the core, so the core
   * answers; without it `entity_alias` is refused.
   */
  entityForAlias?: EntityForAlias;
  /**
   * Asked before a token made by a login is renewed: the issuing auth method may refuse (400) and
   * sets the renewal's TTLs (Vault's auth renew). Mounts live in the core, so the core answers;
   * without it login tokens renew like any other.
   */
  checkLoginRenewal?: LoginRenewalCheck;
  /** Told of each token auth/token/create makes (the core counts them in its metrics). */
  onTokenCreated?: () => void;
  /** The path of a namespace by id ("team-a/"); namespaces live in the core. Without it, every token is the root's. */
  namespacePathOf?: (id: string) => string | undefined;
}

/** Limits for renewing a login token (undefined for other tokens); throws to refuse. */
export type LoginRenewalCheck = (entry: TokenEntry) => Promise<RenewLimits | undefined>;

/** The id of the entity behind an alias name on the token mount. */
export type EntityForAlias = (aliasName: string) => Promise<string>;

/** What every path of the token backend works with. */
export interface TokenBackendContext {
  store: TokenStore;
  hasSudo: SudoCheck;
  entityForAlias?: EntityForAlias;
  checkLoginRenewal?: LoginRenewalCheck;
  onTokenCreated?: () => void;
  /** The namespace path of a token ("" for the root's; undefined when its namespace is gone). */
  tokenNamespace: (entry: TokenEntry) => string | undefined;
}

/**
 * Whether a token may be seen through this mount: a namespace's auth/token/ shows the tokens of
 * that namespace and of those below it, never a parent's or a sibling's.
 */
export function visibleHere(ctx: TokenBackendContext, req: Pick<Req, 'mount'>, entry: TokenEntry): boolean {
  const path = ctx.tokenNamespace(entry);
  return path !== undefined && path.startsWith(req.mount.namespace?.path ?? '');
}

/**
 * The caller's full request path, as the ACL sees it ("auth/token/create"). The token method is
 * only ever an auth mount, and auth mounts know their path without the "auth/" (Vault also
 * writes this prefix in by hand).
 */
export const fullPath = (req: Req) => `auth/${req.mount.path}${req.path}`;
