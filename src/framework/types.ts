import type { Fields, Parsed } from './fields.js';

/** Vault's logical operations. HTTP POST/PUT become create or update through the existence check. */
export type Operation = 'read' | 'create' | 'update' | 'delete' | 'list' | 'patch';
export const OPERATIONS: readonly Operation[] = ['read', 'create', 'update', 'delete', 'list', 'patch'];

/** What a handler knows about its mount. */
export interface MountInfo {
  /** Mount path with trailing slash, e.g. "secret/" or "auth/token/". */
  path: string;
  type: string;
  accessor: string;
  uuid: string;
  options: Record<string, string>;
  /** The namespace the mount belongs to; absent for the root namespace. */
  namespace?: NamespaceRef;
}

/** A namespace as a mount or a token names it: its id and its path with a trailing slash ("team-a/prod/"). */
export interface NamespaceRef {
  id: string;
  path: string;
}

/** The authenticated caller, as the pipeline resolved it. Never persisted by handlers. */
export interface Caller {
  /** The token exactly as presented; lookup-self echoes it, nothing stores it. */
  token: string;
  /** The salted hash that identifies the token in storage. */
  tokenId: string;
  accessor: string;
  policies: string[];
  displayName: string;
  entityId: string;
  meta: Record<string, string>;
  isRoot: boolean;
  /** The namespace the token belongs to; absent for the root. */
  namespaceId?: string;
}

/** A JSON view of storage, scoped to a prefix (a mount's own area, or part of it). */
export interface MountStorage {
  get<T = unknown>(key: string): Promise<T | undefined>;
  getVersioned<T = unknown>(key: string): Promise<{ value: T; version: number } | undefined>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** All ops apply, or none; a failed condition throws ConditionFailed. Keys are relative to this view. */
  transaction(ops: JsonOp[], conditions?: Condition[]): Promise<void>;
  /** Deletes every key under prefix (recursively). */
  deleteTree(prefix: string): Promise<void>;
  scoped(prefix: string): MountStorage;
  /** The key as seen from the storage root (for transactions that span areas). */
  keyOf(key: string): string;
}

export type JsonOp = { type: 'put'; key: string; value: unknown } | { type: 'delete'; key: string };

/** A request as a handler sees it: fields parsed and validated, no headers, no policies. */
export interface Req<F extends Fields = Fields> {
  id: string;
  operation: Operation;
  /** Path relative to the mount, without leading slash. */
  path: string;
  fields: Parsed<F>;
  /** Whether the caller sent this field (as opposed to its default). */
  provided(name: keyof F & string): boolean;
  /** The request data exactly as received (body, or query for GET). */
  raw: Record<string, unknown>;
  mount: MountInfo;
  /** Undefined only on unauthenticated paths. */
  caller: Caller | undefined;
  remoteAddress: string;
  /** The wrap TTL the client asked for (seconds); the pipeline wraps, but sys/wrapping/wrap needs to know. */
  wrapTtl?: number;
}

/** Token information returned in a response's `auth` block (logins, token create). */
export interface AuthResponse {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  identity_policies?: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: 'service' | 'batch';
  orphan: boolean;
  num_uses: number;
  mfa_requirement: null;
}

/**
 * What an auth method answers for a successful login (Vault's logical.Auth). The pipeline turns it
 * into a token: it applies the mount's TTL limits, maps the alias to an identity entity, creates the
 * token and answers Vault's `auth` block. Auth methods never create tokens themselves.
 */
export interface LoginResult {
  /** Who logged in, as this mount names them (user name, role id, `sub` claim...): the entity alias. */
  alias: { name: string; metadata?: Record<string, string> };
  /** token_policies (sanitized by the core; "default" is added unless noDefaultPolicy). */
  policies: string[];
  /** The token's metadata, shown by lookups and in the auth block. */
  metadata?: Record<string, string>;
  /** Appended to the mount's name ("userpass-alice"); may be empty. */
  displayName?: string;
  /** Seconds; 0 = the mount's (or the system's) default. */
  ttl?: number;
  /** Seconds; 0 = the mount's (or the system's) max. Also bounds renewals. */
  maxTtl?: number;
  explicitMaxTtl?: number;
  period?: number;
  numUses?: number;
  /** Default true. */
  renewable?: boolean;
  noDefaultPolicy?: boolean;
  /** The token may only be used from these blocks (token_bound_cidrs). */
  boundCidrs?: string[];
  /**
   * Kept with the token and handed back only to this mount's `renewLogin` (Vault's InternalData):
   * what the method needs to find the user or role again. Never shown by lookups.
   */
  internal?: Record<string, string>;
}

/** A login token as its issuing method sees it again at renewal. */
export interface LoginRenewal {
  /** The LoginResult's `internal`. */
  internal: Record<string, string>;
  /** The token's policies (sanitized, "default" included unless the login left it out). */
  policies: string[];
  meta: Record<string, string>;
}

/**
 * The method's current token settings for a renewal, in seconds (0 or absent: the mount's default
 * or max). `period` replaces the token's own, as Vault's auth renew handlers do.
 */
export interface LoginRenewalLimits {
  ttl?: number;
  maxTtl?: number;
  period?: number;
}

/** What a wrapped request answers instead of its response (Vault's wrap_info): one definition, in wire/. */
export type { WrapInfo } from '../wire/index.js';
import type { WrapInfo } from '../wire/index.js';

/** A handler's answer. Status defaults to 200 with data or auth, 204 without. */
export interface Resp {
  status?: number;
  data?: Record<string, unknown> | null;
  auth?: AuthResponse;
  /** A login: the pipeline creates the token and answers with `auth` (see LoginResult). */
  login?: LoginResult;
  warnings?: string[];
  /**
   * A secret handed out under a lease (dynamic credentials): the pipeline registers the lease
   * (TTLs from the mount, this, and the token) and answers lease_id, lease_duration, renewable.
   */
  secret?: LeasedSecret;
  /** The lease as answered (set by the pipeline from `secret`, or kept by an unwrapped response). */
  lease?: { id: string; duration: number; renewable: boolean };
  /** A non-JSON body (prometheus metrics, a storage snapshot streamed as it is read); bypasses the envelope. */
  raw?: { contentType: string; body: string | Uint8Array | NodeJS.ReadableStream };
  /** Body sent verbatim instead of the envelope (sys/health and friends answer bare JSON). */
  bare?: Record<string, unknown>;
  /** The response is already a wrapping token (sys/wrapping/rewrap): answered as wrap_info. */
  wrapInfo?: WrapInfo;
  /** This is another request's response (an unwrap): answered with that request's id and mount type. */
  origin?: { requestId: string; mountType: string };
  /**
   * The accessor wrap_info reports as `wrapped_accessor` when this response is wrapped and carries
   * no token (Vault does this for an AppRole SecretID, so it can be tracked without unwrapping).
   */
  wrappedAccessor?: string;
  /** Work the pipeline runs once the response has been audited, before answering (sys/seal seals here). */
  afterResponse?: () => Promise<void>;
}

export type Handler<F extends Fields> = (req: Req<F>, store: MountStorage) => Promise<Resp>;

export interface PathDef<F extends Fields = Fields> {
  /** Mount-relative pattern: literal segments, ":name" for one segment, ":name*" for the rest (may be empty). */
  pattern: string;
  fields: F;
  operations: Partial<Record<Operation, Handler<F>>>;
  /** Tells create from update for POST/PUT; without it every write is an update. */
  existenceCheck?: (req: Req<F>, store: MountStorage) => Promise<boolean>;
  /** Served without a token (login, sys/health). */
  unauthenticated?: boolean;
  /** Needs the sudo capability in addition to the operation's own. */
  sudo?: boolean;
  /** Takes data of any shape (KV v1, cubbyhole): unknown fields get no "ignored" warning. */
  arbitraryData?: boolean;
  /**
   * The operations whose answer is secret material (a stored secret, its names and structure, a
   * decrypted plaintext, a wrapped response). The pipeline refuses them to a client outside the
   * listener's secret_read_allowed_cidrs; every path that hands out secrets must declare it.
   */
  returnsSecret?: readonly Operation[];
  /**
   * Where the answer holds values a client stored (audit hashes their numbers as text, as Vault's
   * json.Number does, so a numeric PIN read back is not written in clear): the whole `data`, or
   * its `data` member (KV v2, whose `metadata` is the server's).
   */
  storedData?: 'whole' | 'data';
  /** Help text for the path. */
  description?: string;
}

/** What a response declares to put a secret under a lease (Vault's logical.Secret). */
export interface LeasedSecret {
  /** Which entry of the backend's `secrets` revokes (and renews) it. */
  type: string;
  /**
   * Kept with the lease, encrypted by the barrier, and handed back to the secret type's callbacks
   * (Vault's InternalData): what revocation needs, e.g. the database user name. Never shown.
   */
  internal: Record<string, string | number | boolean>;
  /** Seconds; 0 or absent: the mount's default lease TTL. */
  ttl?: number;
  /** Seconds; 0 or absent: the mount's max lease TTL (a larger value is capped by it). */
  maxTtl?: number;
  /** Default true (when the type can renew). */
  renewable?: boolean;
}

/** A lease's secret as its type's callbacks see it again. */
export interface LeasedSecretState {
  leaseId: string;
  internal: Record<string, string | number | boolean>;
  /** When the lease was created and when it now ends. */
  issueTime: Date;
  expireTime: Date;
}

/** How a backend revokes and renews the secrets it leased (Vault's framework.Secret). */
export interface SecretType {
  /** Ends the secret where it lives (drop the database user). Throwing keeps the lease, to be retried. */
  revoke(secret: LeasedSecretState, store: MountStorage, mount: MountInfo): Promise<void>;
  /**
   * Renewable types: the limits a renewal gets now (a role's current default_ttl / max_ttl, in
   * seconds; 0 or absent: the mount's). Throws a CofferError to refuse the renewal.
   */
  renewLimits?(secret: LeasedSecretState, store: MountStorage, mount: MountInfo): Promise<{ ttl?: number; maxTtl?: number }>;
  /** Renewable types: extends the secret where it lives to `expireTime` (ALTER ROLE ... VALID UNTIL). */
  extend?(secret: LeasedSecretState, expireTime: Date, store: MountStorage, mount: MountInfo): Promise<void>;
}

/** A backend is a table of paths. */
export interface Backend {
  type: string;
  paths: PathDef[];
  /**
   * Auth methods that log in: asked before a token they issued is renewed (Vault's AuthRenew), with
   * the mount's storage. Throws (a CofferError, 400) to refuse; answers the settings the renewal
   * gets. A login method without it cannot have its tokens renewed, as in Vault.
   */
  renewLogin?: (login: LoginRenewal, store: MountStorage, mount: MountInfo) => Promise<LoginRenewalLimits | void>;
  /**
   * Auth methods with roles (Vault's ResolveRoleOperation): the role a login request names (the
   * request's data, with the mount's storage), so role-based rate-limit quotas can apply before the
   * login runs. Undefined when the data names none; never throws for bad input.
   */
  resolveRole?: (data: Record<string, unknown>, store: MountStorage, mount: MountInfo) => Promise<string | undefined>;
  /**
   * Engines whose entries hold data keys wrapped by the KMS (KV v2 versions): every such entry's
   * storage key (relative to the mount) and the binding its DEK was wrapped under, found by walking
   * storage keys only (nothing decrypted). The core's re-wrap worker (src/core/rewrap/) uses it.
   */
  sealedEntries?: (store: MountStorage) => AsyncIterable<SealedEntryRef>;
  /** Engines that lease secrets (database credentials): each secret type a response may name. */
  secrets?: Record<string, SecretType>;
  /** Called when the mount stops being served (disabled, or the core seals): close pools, stop timers. */
  close?: () => Promise<void>;
}

/** One entry in a mount holding a SealedVersion (core/data-keys.ts): where it is, and its binding (aad). */
export interface SealedEntryRef {
  key: string;
  aad: string;
}

/** Read and list: what a stored-secret path (KV, cubbyhole) answers secrets to. */
export const SECRET_READS: readonly Operation[] = ['read', 'list'];

/** Identity helper that keeps field types flowing from the table into handlers. */
export function definePath<F extends Fields>(def: PathDef<F>): PathDef {
  return def as unknown as PathDef;
}

export const ok = (data: Record<string, unknown> | null = null, extra: Partial<Resp> = {}): Resp => ({ data, ...extra });
export const noContent = (): Resp => ({ status: 204 });
/** 404. Vault keeps the body when it has data (a KV v2 read of a deleted version). */
export const notFound = (data?: Record<string, unknown>): Resp => ({ status: 404, data: data ?? null });

/** Preconditions of a transaction: a key must be absent, or must still be at the version read earlier. */
export type Condition = { type: 'absent'; key: string } | { type: 'version'; key: string; version: number };

/**
 * Thrown by MountStorage.transaction when a condition does not hold; nothing was applied. `key` is
 * the failed key as seen from the storage root (compare with MountStorage.keyOf).
 */
export class ConditionFailed extends Error {
  constructor(readonly key: string) {
    super(`storage condition failed on ${key}`);
    this.name = 'ConditionFailed';
  }
}
