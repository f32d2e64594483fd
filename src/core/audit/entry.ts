import type { AuthResponse, WrapInfo } from '../../framework/types.js';
import { hashStrings, numbersAsText } from './hasher.js';

/** The token a request was made with, as far as audit tells it. */
export interface AuditAuth {
  clientToken: string;
  accessor: string;
  displayName: string;
  policies: string[];
  tokenPolicies: string[];
  identityPolicies: string[];
  metadata: Record<string, string>;
  entityId: string;
  tokenType: string;
  /** Seconds. */
  tokenTtl: number;
  /** RFC 3339. */
  tokenIssueTime: string;
}

/** What the pipeline knows about one request, for its audit entries. */
export interface AuditFacts {
  request: {
    id: string;
    operation: string;
    path: string;
    mountType: string;
    mountAccessor: string;
    /** The mount's path, e.g. "secret/" (Vault's mount_point); empty until routed. */
    mountPoint?: string | undefined;
    /** Where the routed path's answer holds values a client stored (PathDef.storedData). */
    storedData?: 'whole' | 'data' | undefined;
    data: Record<string, unknown>;
    remoteAddress: string;
    /** The client's source port, when the connection has one. */
    remotePort?: number | undefined;
    /** Seconds, when the client asked for wrapping. */
    wrapTtl?: number | undefined;
    /** The token as presented (hashed in the entry), and its accessor when it is known. */
    clientToken?: string | undefined;
    clientTokenAccessor?: string | undefined;
    /** The request's namespace (absent: the root); `path` is then relative to it, as Vault logs it. */
    namespace?: { id: string; path: string } | undefined;
  };
  auth?: AuditAuth | undefined;
  response?: {
    status: number;
    data?: Record<string, unknown> | null | undefined;
    auth?: AuthResponse | undefined;
    wrapInfo?: WrapInfo | undefined;
    warnings?: string[] | undefined;
  };
  error?: string | undefined;
}

/** A device's formatting options (Vault's audit options). */
export interface FormatOptions {
  /** Record values in clear (the operator's explicit choice). */
  logRaw: boolean;
  /** Hash token accessors too (Vault's default). */
  hmacAccessor: boolean;
  /** Replace LIST answers' keys with their count. */
  elideListResponses: boolean;
}

/**
 * One audit entry in Vault's shape (https://developer.hashicorp.com/vault/docs/audit/schema):
 * {time, type, auth, request, response?, error?}, every secret-bearing string HMAC'd unless log_raw.
 */
export function formatEntry(type: 'request' | 'response', facts: AuditFacts, options: FormatOptions, hash: (s: string) => string): Record<string, unknown> {
  const secret = (value: string) => (options.logRaw || value === '' ? value : hash(value));
  const accessor = (value: string) => (options.hmacAccessor ? secret(value) : value);
  const data = (value: unknown) => (options.logRaw ? value : hashStrings(value, hash));
  const requestData = (value: unknown) => (options.logRaw ? value : hashStrings(value, hash, true));

  const entry: Record<string, unknown> = { time: new Date().toISOString(), type };
  const auth = facts.auth;
  if (auth) {
    entry.auth = {
      client_token: secret(auth.clientToken),
      accessor: accessor(auth.accessor),
      display_name: auth.displayName,
      policies: auth.policies,
      token_policies: auth.tokenPolicies,
      ...(auth.identityPolicies.length > 0 ? { identity_policies: auth.identityPolicies } : {}),
      metadata: auth.metadata,
      entity_id: auth.entityId,
      token_type: auth.tokenType,
      token_ttl: auth.tokenTtl,
      token_issue_time: auth.tokenIssueTime,
    };
  }
  const r = facts.request;
  entry.request = {
    id: r.id,
    operation: r.operation,
    mount_type: r.mountType,
    mount_accessor: r.mountAccessor,
    ...(r.mountPoint ? { mount_point: r.mountPoint } : {}),
    ...(r.clientToken ? { client_token: secret(r.clientToken) } : {}),
    ...(r.clientTokenAccessor ? { client_token_accessor: accessor(r.clientTokenAccessor) } : {}),
    namespace: r.namespace ? { id: r.namespace.id, path: r.namespace.path } : { id: 'root' },
    path: r.path,
    ...(Object.keys(r.data).length > 0 ? { data: requestData(r.data) } : {}),
    remote_address: r.remoteAddress,
    ...(r.remotePort ? { remote_port: r.remotePort } : {}),
    ...(r.wrapTtl ? { wrap_ttl: r.wrapTtl } : {}),
  };
  const response = facts.response;
  if (type === 'response' && response) {
    let responseData = response.data ?? undefined;
    if (responseData && !options.logRaw) responseData = storedNumbersAsText(facts, responseData);
    if (responseData && options.elideListResponses && r.operation === 'list') responseData = elideList(responseData);
    entry.response = {
      mount_type: r.mountType,
      mount_accessor: r.mountAccessor,
      ...(r.mountPoint ? { mount_point: r.mountPoint } : {}),
      ...(response.auth ? { auth: responseAuth(response.auth, secret, accessor) } : {}),
      ...(responseData ? { data: data(responseData) } : {}),
      ...(response.wrapInfo ? { wrap_info: responseWrapInfo(response.wrapInfo, secret, accessor) } : {}),
      ...(response.warnings?.length ? { warnings: response.warnings } : {}),
    };
  }
  if (facts.error) entry.error = facts.error;
  return entry;
}

function responseAuth(auth: AuthResponse, secret: (s: string) => string, accessor: (s: string) => string): Record<string, unknown> {
  return {
    client_token: secret(auth.client_token),
    accessor: accessor(auth.accessor),
    policies: auth.policies,
    token_policies: auth.token_policies,
    ...(auth.identity_policies ? { identity_policies: auth.identity_policies } : {}),
    metadata: auth.metadata,
    entity_id: auth.entity_id,
    token_type: auth.token_type,
    token_ttl: auth.lease_duration,
    ...(auth.num_uses ? { num_uses: auth.num_uses } : {}),
  };
}

function responseWrapInfo(info: WrapInfo, secret: (s: string) => string, accessor: (s: string) => string): Record<string, unknown> {
  return {
    token: secret(info.token),
    accessor: accessor(info.accessor),
    ttl: info.ttl,
    creation_time: info.creation_time,
    creation_path: info.creation_path,
    ...(info.wrapped_accessor ? { wrapped_accessor: accessor(info.wrapped_accessor) } : {}),
  };
}

/**
 * A response's numbers stay readable (TTLs, versions), except where the response hands back values
 * a client stored: KV and cubbyhole secrets, wrapped data and unwrapped responses. Those are hashed
 * as a request's numbers are (Vault decodes stored JSON numbers as json.Number, a string its audit
 * hashes), so a numeric PIN read back is not written in clear.
 */
function storedNumbersAsText(facts: AuditFacts, data: Record<string, unknown>): Record<string, unknown> {
  const stored = facts.request.storedData;
  // As text, the numbers are hashed with the response's strings.
  if (stored === 'whole') return numbersAsText(data) as Record<string, unknown>;
  // KV version 2: the secret is `data.data` of a read; its `metadata` (version, times) is the server's.
  if (stored === 'data' && data.data && typeof data.data === 'object') return { ...data, data: numbersAsText(data.data) };
  return data;
}

/** Vault's elide_list_responses: a LIST answer's keys (and key_info) become their count. */
function elideList(data: Record<string, unknown>): Record<string, unknown> {
  const out = { ...data };
  if (Array.isArray(out.keys)) out.keys = out.keys.length;
  if (out.key_info && typeof out.key_info === 'object') out.key_info = Object.keys(out.key_info).length;
  return out;
}
