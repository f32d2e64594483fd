import type { CofferClient } from './client.js';
import type { Secret } from './types.js';

type Data = Record<string, unknown>;

/** Parameters of auth/token/create, named as Vault names them. */
export interface TokenCreateRequest {
  id?: string;
  policies?: string[];
  meta?: Record<string, string>;
  no_parent?: boolean;
  no_default_policy?: boolean;
  renewable?: boolean;
  ttl?: string;
  explicit_max_ttl?: string;
  display_name?: string;
  num_uses?: number;
  period?: string;
  type?: string;
  entity_alias?: string;
}

/** The token store (auth/token/...) and capabilities, as `client.tokens`. */
export class TokenClient {
  constructor(private readonly client: CofferClient) {}

  /** auth/token/create, or create-orphan when `orphan` is set. */
  create(params: TokenCreateRequest, options: { orphan?: boolean; role?: string; wrapTTL?: string } = {}): Promise<Secret | undefined> {
    const path = options.role
      ? `auth/token/create/${encodeURIComponent(options.role)}`
      : options.orphan
        ? 'auth/token/create-orphan'
        : 'auth/token/create';
    return this.client.request('POST', path, { body: params, wrapTTL: options.wrapTTL });
  }

  /** auth/token/lookup: properties of some token. */
  lookup(token: string): Promise<Secret | undefined> {
    return this.client.request('POST', 'auth/token/lookup', { body: { token } });
  }

  /** auth/token/lookup-self: properties of the client's own token. */
  lookupSelf(): Promise<Secret | undefined> {
    return this.client.request('GET', 'auth/token/lookup-self');
  }

  /** auth/token/lookup-accessor: properties of a token named by its accessor. */
  lookupAccessor(accessor: string): Promise<Secret | undefined> {
    return this.client.request('POST', 'auth/token/lookup-accessor', { body: { accessor } });
  }

  /** auth/token/renew (or renew-self when no token is given). `increment` is a duration string or seconds. */
  renew(token?: string, increment?: string | number): Promise<Secret | undefined> {
    const body: Data = {};
    if (increment !== undefined && increment !== '') body.increment = increment;
    if (!token) return this.client.request('POST', 'auth/token/renew-self', { body });
    return this.client.request('POST', 'auth/token/renew', { body: { ...body, token } });
  }

  /** auth/token/revoke: revokes a token and its children. */
  revoke(token: string): Promise<undefined> {
    return this.client.request('POST', 'auth/token/revoke', { body: { token } }) as Promise<undefined>;
  }

  /** auth/token/revoke-orphan: revokes a token, leaving its children as orphans. */
  revokeOrphan(token: string): Promise<undefined> {
    return this.client.request('POST', 'auth/token/revoke-orphan', { body: { token } }) as Promise<undefined>;
  }

  /** auth/token/revoke-self. */
  revokeSelf(): Promise<undefined> {
    return this.client.request('POST', 'auth/token/revoke-self') as Promise<undefined>;
  }

  /** auth/token/revoke-accessor. */
  revokeAccessor(accessor: string): Promise<undefined> {
    return this.client.request('POST', 'auth/token/revoke-accessor', { body: { accessor } }) as Promise<undefined>;
  }

  /** Capabilities of `token` (or of the client's own token when none is given) on each path. */
  async capabilities(paths: string[], token?: string): Promise<Record<string, string[]>> {
    const answer = token
      ? await this.client.request<Secret<Record<string, string[]>>>('POST', 'sys/capabilities', { body: { token, paths } })
      : await this.client.request<Secret<Record<string, string[]>>>('POST', 'sys/capabilities-self', { body: { paths } });
    const data = answer?.data ?? {};
    const result: Record<string, string[]> = {};
    for (const path of paths) result[path] = data[path] ?? data.capabilities ?? [];
    return result;
  }
}
