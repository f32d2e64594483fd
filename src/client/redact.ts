// Log redaction for SDK users: what a Vault answer, a request body or an error may carry that
// must never reach a log. Two tools over one list of names: REDACT_PATHS for pino's `redact`
// option, and redact() for any logger, pino included (`formatters: { log: redact }`), or for a
// value about to be printed.
//
// Measured with pino 10 on a KV envelope plus a headers object: REDACT_PATHS costs ~150 µs a line
// (every wildcard path walks every top-level key), `formatters: { log: redact }` ~3 µs and reaches
// any depth in any letter case. The formatter does not see `%o` arguments or child-logger
// bindings; REDACT_PATHS does.
//
// Decisions, so nobody has to rediscover them:
// - Accessors (auth.accessor, wrap_info.accessor, wrapped_accessor, secret_id_accessor) are
//   redacted. They cannot read a secret, but they can look up and revoke a token, and Vault's
//   audit devices HMAC them by default (hmac_accessor = true); a log should not be laxer.
// - `ciphertext` is kept: transit ciphertext is safe to store and print by design, and it is
//   what someone debugging a decrypt needs to see.
// - Unseal and recovery key shares, the initial root token and generate-root's encoded token
//   (sys/init, sys/unseal, sys/generate-root) are redacted: they are worth more than any secret.
// - Names are matched exactly: `private_key` is redacted, `private_key_type` is not.

/** The text that replaces a redacted value. */
export const REDACTED = '[REDACTED]';

/** Key names redacted wherever they appear (compared in lower case by redact()). */
const SECRET_KEYS = [
  'client_token',
  'token',
  'accessor',
  'wrapped_accessor',
  'secret_id',
  'secret_id_accessor',
  'password',
  'private_key',
  'key',
  'plaintext',
  'root_token',
  'keys',
  'keys_base64',
  'recovery_keys',
  'recovery_keys_base64',
  'encoded_token',
  'encoded_root_token',
  'otp',
  // A transit plaintext backup (backup/:name's answer, restore's body) is every version's key.
  'backup',
] as const;

/** Headers carrying a token: X-Vault-Token, and Authorization (Coffer accepts `Bearer <token>`). */
const SECRET_HEADERS = ['x-vault-token', 'authorization'] as const;

/**
 * How deep below the logged object pino's paths reach. pino's `*` is exactly one level (so
 * `*.password` is neither a top-level `password` nor `a.b.password`), hence one path per depth.
 * Names are listed down to depth 4: `err.body.auth.client_token` is depth 3, and so is the
 * `data` of an envelope in a list in a log object (`{call: {results: [envelope]}}`).
 */
const PATH_DEPTH = 4;

const HEADER_SEGMENTS = SECRET_HEADERS.flatMap((h) => [h, h.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())]).map((h) => `["${h}"]`);

/**
 * A pino `redact.paths` list: an envelope's `data` (at the top level and at every depth down to
 * four levels), tokens, accessors, passwords, secret ids, private keys, transit plaintext and
 * plaintext backups, unseal keys, the `body` of a logged error, and the X-Vault-Token /
 * Authorization headers in both spellings. pino's paths are case-sensitive and `*` is one level, so each name is listed at each
 * depth. pino's own censor is "[Redacted]"; pass REDACT_OPTIONS to get REDACTED instead.
 *
 * The order matters: shallower paths come first. @pinojs/redact (pino 10's redactor, 0.4.0)
 * copies only the branches a path names, and a literal key such as `token` hides the `*` branch
 * beside it from that copy; were `*.data` applied before `token`, `{token: {data}}` would have its
 * `data` overwritten in the caller's own object. Censoring the shallower key first leaves the
 * deeper path nothing to reach (pinojs/redact issue #36; the fix, PR #37, is not released). Paths
 * appended to this list must keep that order.
 */
export const REDACT_PATHS: string[] = Array.from({ length: PATH_DEPTH + 1 }, (_, depth) => [
  ...['data', ...SECRET_KEYS, ...HEADER_SEGMENTS].map((segment) => `${'*.'.repeat(depth)}${segment}`.replace(/\.\[/g, '[')),
  ...(depth === 1 ? ['err.body', 'error.body'] : []),
]).flat();

/** pino's `redact` option with REDACT_PATHS and REDACTED as the censor: `pino({ redact: REDACT_OPTIONS })`. */
export const REDACT_OPTIONS: { paths: string[]; censor: string } = { paths: REDACT_PATHS, censor: REDACTED };

const SECRET_NAMES: ReadonlySet<string> = new Set([...SECRET_KEYS, ...SECRET_HEADERS]);

/** Keys of Vault's response envelope and of a KV v2 body ({data, options} / {data, metadata}). */
const ENVELOPE_KEYS: ReadonlySet<string> = new Set([
  'request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth', 'mount_type',
  'metadata', 'options', 'errors',
]);
/** Any one of these beside `data` marks a Vault envelope, whatever else the object holds. */
const ENVELOPE_MARKERS = ['request_id', 'lease_id', 'wrap_info', 'auth', 'mount_type'] as const;

/** Beyond this depth a value is not inspected but redacted whole: no stack overflow on odd input. */
const MAX_DEPTH = 64;

/**
 * A deep copy of `value` in which every sensitive field is REDACTED: the names of REDACT_PATHS at
 * any depth (case-insensitively, so headers match in any spelling), the `data` of anything that
 * looks like a Vault envelope or KV v2 body, and every Buffer or typed array. A null or absent
 * sensitive field stays as it was (it holds nothing). Errors keep their prototype, name, message,
 * stack, status and errors; their `body` (and `data`) is redacted. A cycle is cut with
 * "[Circular]"; a value that cannot be read (a throwing getter or proxy) becomes REDACTED.
 * Other class instances become their toJSON() (a URL its string) or a plain object of their own
 * fields, so the result has T's shape for JSON, not its prototype. Never throws.
 */
export function redact<T>(value: T): T {
  try {
    return copy(value, 0, new Set(), new Map()) as T;
  } catch {
    return REDACTED as T;
  }
}

function copy(value: unknown, depth: number, ancestors: Set<object>, done: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return '[Circular]';
  if (done.has(value)) return done.get(value);
  if (depth >= MAX_DEPTH) return REDACTED;
  ancestors.add(value);
  let result: unknown;
  try {
    result = copyObject(value, depth + 1, ancestors, done);
  } catch {
    result = REDACTED;
  } finally {
    ancestors.delete(value);
  }
  done.set(value, result);
  return result;
}

function copyObject(value: object, depth: number, ancestors: Set<object>, done: Map<object, unknown>): unknown {
  const inner = (v: unknown) => copy(v, depth, ancestors, done);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return REDACTED;
  if (Array.isArray(value)) return value.map(inner);
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Map) {
    return new Map([...value].map(([k, v]) => [k, typeof k === 'string' && isSecretName(k) ? censor(v) : inner(v)]));
  }
  if (value instanceof Set) return new Set([...value].map(inner));
  if (value instanceof Error) return copyError(value, inner);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // A class instance: what a logger would print is its toJSON() if it has one, else its own fields.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return inner(toJSON.call(value));
  }
  const source = value as Record<string, unknown>;
  const envelope = looksLikeEnvelope(source);
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const key of Object.keys(source)) {
    const field = source[key];
    out[key] = isSecretName(key) || (envelope && key === 'data') ? censor(field) : inner(field);
  }
  return out;
}

function copyError(err: Error, inner: (v: unknown) => unknown): Error {
  const out = Object.create(Object.getPrototypeOf(err) as object) as Error;
  // Own properties, enumerable or not (message, stack and cause are not), with their enumerability kept.
  for (const key of Object.getOwnPropertyNames(err)) {
    const descriptor = Object.getOwnPropertyDescriptor(err, key);
    if (!descriptor) continue;
    const field = 'value' in descriptor ? descriptor.value : undefined;
    const kept = key === 'message' || key === 'stack' || key === 'name' ? field : key === 'body' || key === 'data' || isSecretName(key) ? censor(field) : inner(field);
    Object.defineProperty(out, key, { value: kept, enumerable: descriptor.enumerable, writable: true, configurable: true });
  }
  return out;
}

const isSecretName = (key: string) => SECRET_NAMES.has(key.toLowerCase());

const censor = (field: unknown) => (field === null || field === undefined ? field : REDACTED);

function looksLikeEnvelope(source: Record<string, unknown>): boolean {
  if (!Object.prototype.hasOwnProperty.call(source, 'data')) return false;
  const keys = Object.keys(source);
  return ENVELOPE_MARKERS.some((k) => keys.includes(k)) || keys.every((k) => ENVELOPE_KEYS.has(k));
}
