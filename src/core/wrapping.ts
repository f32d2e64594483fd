import type { Core } from './core.js';
import { invalidRequest, wrappingTokenInvalid } from '../framework/errors.js';
import { parseDurationSeconds } from '../framework/duration.js';
import { ConditionFailed, type MountStorage, type NamespaceRef, type Resp, type WrapInfo } from '../framework/types.js';
import type { UnwrapFailure } from './metrics.js';
import { RESPONSE_WRAPPING_POLICY } from './policy/builtin.js';
import type { TokenEntry } from './token/index.js';

/** The wrapped response, exactly as it would have been answered. */
export interface WrappedResponse {
  requestId: string;
  mountType: string;
  resp: Pick<Resp, 'data' | 'auth' | 'warnings' | 'lease' | 'wrappedAccessor'>;
}

interface WrapMeta {
  creation_path: string;
  creation_time: string;
  creation_ttl: number;
}


// Inside the wrapping token's cubbyhole: the response, and what sys/wrapping/lookup answers.
const RESPONSE = 'response';
const META = 'wrapinfo';
/** How many spent wrapping tokens this node remembers, to count a refused unwrap by its reason. */
const REMEMBERED_SPENT_TOKENS = 100_000;

/** Parses X-Vault-Wrap-TTL (seconds or a duration string); undefined or 0 means "do not wrap". */
export function parseWrapTtl(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = parseDurationSeconds(header);
  if (seconds === undefined) throw invalidRequest(`invalid wrap TTL "${header}"`);
  return seconds === 0 ? undefined : seconds;
}

/** Whether a response has anything to wrap: a successful answer with data or auth. */
export function isWrappable(resp: Resp): boolean {
  return (resp.status === undefined || resp.status < 300) && !resp.raw && !resp.bare && (resp.data != null || !!resp.auth);
}

/**
 * The accessor of what was wrapped: a token's, or the one the response names (an AppRole SecretID's,
 * as Vault does, so a wrapped SecretID can be tracked and destroyed without unwrapping it).
 */
function wrappedAccessor(wrapped: WrappedResponse): string {
  return wrapped.resp.auth?.accessor ?? wrapped.resp.wrappedAccessor ?? '';
}

/**
 * Response wrapping: the real response goes into the cubbyhole of a fresh single-use token
 * (policy response-wrapping, TTL = wrap TTL, no parent), and only that token travels. Whether an
 * unwrap wins is decided by one conditional storage transaction, so a token is unwrapped at most once.
 */
export class Wrapping {
  /**
   * Token id → why it can no longer be unwrapped. In memory and bounded (oldest forgotten first):
   * it only labels the failure metrics, so it needs no storage write per unwrap.
   */
  private readonly spent = new Map<string, Exclude<UnwrapFailure, 'invalid'>>();

  constructor(private readonly core: Core) {}

  /**
   * Stores a response in a new wrapping token's cubbyhole; returns the wrap_info to answer with.
   * A response wrapped in a namespace makes a token of that namespace, unwrapped only there.
   */
  async wrap(wrapped: WrappedResponse, ttl: number, creationPath: string, namespace?: NamespaceRef): Promise<WrapInfo> {
    const { tokens } = this.core;
    const { token, entry, ops, conditions } = await tokens.prepareCreate({
      ...(namespace && namespace.path !== '' ? { namespaceId: namespace.id } : {}),
      policies: [RESPONSE_WRAPPING_POLICY],
      noDefaultPolicy: true,
      noParent: true,
      ttl,
      explicitMaxTtl: ttl,
      numUses: 1,
      renewable: false,
      displayName: '',
      path: creationPath,
    });
    const meta: WrapMeta = { creation_path: creationPath, creation_time: new Date(entry.issueTime).toISOString(), creation_ttl: ttl };
    const prefix = this.core.cubbyholePrefix(entry.id);
    // The token and its cubbyhole in one durable commit: no token without its response, or the reverse.
    await this.core.rootStorage.transaction(
      [...tokens.rooted(ops), { type: 'put', key: prefix + RESPONSE, value: wrapped }, { type: 'put', key: prefix + META, value: meta }],
      tokens.rooted(conditions),
    );
    this.core.metrics.wrapsCreated.inc();
    return {
      token,
      accessor: entry.accessor,
      ttl,
      creation_time: meta.creation_time,
      creation_path: creationPath,
      wrapped_accessor: wrappedAccessor(wrapped),
    };
  }

  /** Returns the wrapped response once; every later, expired or revoked attempt is the 400 Vault gives. */
  async unwrap(token: string, namespace?: NamespaceRef): Promise<WrappedResponse> {
    const entry = await this.validToken(token, namespace);
    const { response } = await this.consume(entry);
    this.core.metrics.unwrapsSucceeded.inc();
    return response;
  }

  /** What sys/wrapping/lookup answers; does not consume the token. */
  async lookup(token: string, namespace?: NamespaceRef): Promise<WrapMeta> {
    const entry = await this.validToken(token, namespace);
    const meta = await this.cubbyhole(entry.id).get<WrapMeta>(META);
    if (!meta) throw await this.refuse(token);
    return meta;
  }

  /** A new wrapping token for the same response and TTL; the old one is consumed. */
  async rewrap(token: string, namespace?: NamespaceRef): Promise<WrapInfo> {
    const entry = await this.validToken(token, namespace);
    const store = this.cubbyhole(entry.id);
    const [response, meta] = [await store.get<WrappedResponse>(RESPONSE), await store.get<WrapMeta>(META)];
    if (!response || !meta) throw await this.refuse(token);
    const info = await this.wrap(response, meta.creation_ttl, meta.creation_path, namespace);
    try {
      await this.consume(entry);
    } catch (err) {
      // Someone else unwrapped the old token first: the new one must not outlive that.
      await this.core.tokens.revokeByAccessor(info.accessor);
      throw err;
    }
    return info;
  }

  /**
   * Called before a token's cubbyhole is deleted: a wrapping token still holding its response has
   * expired unused (counted) or was revoked.
   */
  async onTokenRevoked(entry: TokenEntry): Promise<void> {
    if (!isWrappingToken(entry)) return;
    const expired = entry.expireTime > 0 && entry.expireTime <= Date.now();
    if (!expired || !(await this.cubbyhole(entry.id).get(RESPONSE))) return;
    this.core.metrics.wrappingTokensExpiredUnused.inc();
    this.remember(entry.id, 'expired');
  }

  /**
   * The wrapping token's entry; refused (and counted) when it is not a live wrapping token of the
   * namespace asked in (another namespace's token is, there, no token at all).
   */
  private async validToken(token: string, namespace: NamespaceRef | undefined): Promise<TokenEntry> {
    const entry = token ? await this.core.tokens.lookup(token) : undefined;
    const inNamespace = (entry?.namespaceId ?? '') === (namespace && namespace.path !== '' ? namespace.id : '');
    if (!entry || !isWrappingToken(entry) || !inNamespace) throw await this.refuse(token);
    return entry;
  }

  /**
   * The single-use decision, in one transaction: delete the response on the condition that it is
   * still the version we read, and delete the token. Concurrent callers all read
   * the same version; exactly one transaction commits. (A wrapping token has one use, so no
   * children: deleting its entry is all of its revocation.)
   */
  private async consume(entry: TokenEntry): Promise<{ response: WrappedResponse }> {
    const prefix = this.core.cubbyholePrefix(entry.id);
    const read = await this.core.rootStorage.getVersioned<WrappedResponse>(prefix + RESPONSE);
    if (!read) throw await this.refuseId(entry.id);
    try {
      await this.core.rootStorage.transaction(
        [
          { type: 'delete', key: prefix + RESPONSE },
          { type: 'delete', key: prefix + META },
          ...this.core.tokens.deletionOps(entry),
        ],
        [{ type: 'version', key: prefix + RESPONSE, version: read.version }],
      );
    } catch (err) {
      if (err instanceof ConditionFailed) throw await this.refuseId(entry.id);
      throw err;
    }
    this.remember(entry.id, 'already_used');
    return { response: read.value };
  }

  private async refuse(token: string): Promise<Error> {
    return token ? this.refuseId(this.core.tokens.hashToken(token)) : this.count('invalid');
  }

  private async refuseId(tokenId: string): Promise<Error> {
    return this.count(this.spent.get(tokenId) ?? 'invalid');
  }

  private remember(tokenId: string, reason: Exclude<UnwrapFailure, 'invalid'>): void {
    this.spent.set(tokenId, reason);
    if (this.spent.size > REMEMBERED_SPENT_TOKENS) this.spent.delete(this.spent.keys().next().value!);
  }

  private count(reason: UnwrapFailure): Error {
    this.core.metrics.unwrapsFailed.inc({ reason });
    return wrappingTokenInvalid(reason);
  }

  private cubbyhole(tokenId: string): MountStorage {
    return this.core.rootStorage.scoped(this.core.cubbyholePrefix(tokenId));
  }
}

function isWrappingToken(entry: TokenEntry): boolean {
  return entry.policies.length === 1 && entry.policies[0] === RESPONSE_WRAPPING_POLICY;
}
