// Vault's HTTP answer shapes (https://developer.hashicorp.com/vault/api-docs#http-api), as far as
// the tests read them. Only types: the tests assert on the fields they care about.

import type { WrapInfo } from '../../src/client/types.js';

/** The `auth` block a login or a token create answers. */
export interface AuthBlock {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  num_uses: number;
}

/** The `wrap_info` block of a response-wrapped answer: the client's own type, which is Vault's shape. */
export type { WrapInfo };

/** Vault's response envelope. */
export interface Envelope<D = Record<string, unknown>> {
  data: D | null;
  auth: AuthBlock | null;
  warnings: string[] | null;
  wrap_info: WrapInfo | null;
  errors?: string[];
}

/** The `data` of auth/token/lookup, lookup-self and lookup-accessor. */
export interface TokenLookup {
  id: string;
  accessor: string;
  path: string;
  policies: string[];
  meta: Record<string, string> | null;
  ttl: number;
  explicit_max_ttl: number;
  renewable: boolean;
  orphan: boolean;
  num_uses: number;
  entity_id: string;
  /** Only on tokens made from a token role. */
  role?: string;
  /** Only on periodic tokens. */
  period?: number;
  /** Only on tokens bound to CIDR blocks. */
  bound_cidrs?: string[];
}
