/**
 * Every error Coffer answers, by stable code: its HTTP status, the public message used when a throw
 * site gives none (Vault's wording where Vault has one), and what it means. A throw site picks a
 * code, never a status; internal detail goes in the error's `detail`, which only the log sees. A
 * server-side (5xx) error answers the public message here, unless its row says `callerMessage`:
 * then the throw site's message is written for the caller and is answered as it is.
 * test/framework/error-codes.test.ts fails when a code used in src/ has no row here, or a row no doc.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, message: 'invalid request', doc: 'The request is malformed or its values are refused; nothing changed.' },
  invalid_path: { status: 400, message: 'invalid path', doc: 'The path has "." or ".." segments or control characters.' },
  invalid_json: { status: 400, message: 'failed to parse JSON input', doc: 'The body is not one JSON object, or nests too deep.' },
  already_initialized: { status: 400, message: 'Vault is already initialized', doc: 'sys/init on an initialized store.' },
  unseal_key_invalid: { status: 400, message: 'unseal failed', doc: 'The key shares (or KMS key) given do not open the barrier root key.' },
  check_and_set_failed: { status: 400, message: 'check-and-set parameter did not match the current version', doc: 'A KV write with cas= found another version.' },
  transaction_too_large: { status: 400, message: 'transaction too large for the storage backend', doc: 'One write would touch more keys than etcd accepts (max-txn-ops).' },
  permission_denied: { status: 403, message: 'permission denied', doc: 'No token, a bad token, or policies that do not grant the operation.' },
  bad_token: { status: 403, message: 'bad token', doc: 'auth/token/lookup of a token that does not exist.' },
  login_refused: { status: 403, message: 'permission denied', doc: 'A login whose credentials or claims do not verify (the message says which claim, as Vault does).' },
  secret_read_refused: {
    status: 403,
    message: 'permission denied: secret reads are not allowed from this client address',
    doc: "The path returns secret material and the client is outside the listener's secret_read_allowed_cidrs.",
  },
  reserved_path: { status: 403, message: 'storage path is reserved for the barrier', doc: "A write into the barrier's own keys." },
  not_found: { status: 404, message: 'not found', doc: 'Nothing at this path (a plain 404 carries no errors, as Vault).' },
  no_handler: { status: 404, message: 'route entry not found', doc: 'No mount, or no path of the mount, matches.' },
  unsupported_operation: { status: 405, message: 'unsupported operation', doc: 'The path does not take this operation.' },
  conflict: { status: 409, message: 'changed concurrently; retry', doc: 'Another request changed the same record first; nothing was changed.' },
  request_too_large: { status: 413, message: 'http: request body too large', doc: 'The body (or a stored value) is larger than allowed.' },
  unsupported_media_type: { status: 415, message: 'unsupported media type', doc: 'PATCH without Content-Type application/merge-patch+json.' },
  rate_limited: { status: 429, message: 'rate limit quota exceeded', doc: 'A rate-limit quota refused the request.' },
  internal: { status: 500, message: 'internal error', doc: 'Something failed inside the server; the log has the detail.' },
  audit_failed: { status: 500, message: 'no enabled audit device could record the request; it was refused', doc: 'Audit is fail-closed: nothing is answered unaudited.' },
  stored_data_corrupt: { status: 500, message: 'stored data cannot be decrypted; refusing to answer it', doc: 'An entry fails its integrity check (tampered, or moved between keys).' },
  key_unwrap_failed: { status: 500, message: 'a wrapped key could not be opened', doc: 'A KMS refused to unwrap a key it is given (wrong key, wrong binding, or altered bytes).' },
  config_unusable: { status: 500, message: 'could not load backend configuration', doc: "A mount's stored configuration cannot be used; rewrite it." },
  lease_backend_gone: { status: 500, message: 'the backend that issued this lease is no longer mounted', doc: 'A lease whose mount (or secret type) is gone cannot be revoked; revoke-force removes it.' },
  database_failed: {
    status: 500,
    message: 'the database request failed',
    // The engine writes this message for the caller: which connection, which step, which SQLSTATE.
    callerMessage: true,
    doc: 'The database a database-engine connection points at refused or failed the statements (the message names the connection and the SQLSTATE, never the SQL, user or password).',
  },
  upstream_failed: { status: 502, message: 'an upstream service failed', doc: 'A service Coffer depends on for this request (a JWKS URL, the Kubernetes API) failed or answered badly.' },
  kms_unavailable: { status: 502, message: 'the KMS could not be used', doc: 'The KMS wrapping data keys or the root key failed or refused; the log has its answer.' },
  sealed: { status: 503, message: 'Vault is sealed', doc: 'The barrier is sealed: unseal it first.' },
  deadline_exceeded: { status: 503, message: 'context deadline exceeded', doc: "The request ran past the listener's max_request_duration." },
  fenced: {
    status: 503,
    message: 'this node is no longer the active node: write refused (HA fencing)',
    doc: 'A node that lost leadership (paused, partitioned) tried to write; another node is active. Retry against it.',
  },
  unavailable: { status: 503, message: 'service unavailable', doc: 'This node cannot serve it now (fenced standby, deadline exceeded); retry.' },
} as const satisfies Record<string, { status: number; message: string; doc: string; callerMessage?: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;
