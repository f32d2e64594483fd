import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { CofferError } from '../framework/errors.js';
import { KmsUnwrapError, type Kms } from './kms.js';

/** `seal "transit" { address, token, mount_path, key_name, tls_ca_file, tls_skip_verify }`, as Vault's transit seal. */
export interface TransitSealConfig {
  type: 'transit';
  /** The transit server's base URL, e.g. "https://vault-a:8200" (no trailing slash). */
  address: string;
  /** Optional here: Vault's seal falls back to VAULT_TOKEN in the environment, and so does this one. */
  token?: string;
  /** Where the transit engine is mounted, with a trailing slash ("transit/" by default). */
  mountPath: string;
  keyName: string;
  tlsCaFile?: string;
  tlsSkipVerify?: boolean;
}

/** The options of the seal stanza (Vault's names). */
export const TRANSIT_SEAL_OPTIONS = ['address', 'token', 'mount_path', 'key_name', 'tls_ca_file', 'tls_skip_verify', 'namespace', 'disable_renewal'] as const;

/** How long one call to the transit server may take before it counts as unreachable (never hang an unseal). */
export const TRANSIT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Reads the seal stanza's body. Throws an Error whose message names the bad option (the config
 * parser adds the file and line).
 */
export function parseTransitSeal(body: Record<string, unknown>): TransitSealConfig {
  const text = (name: string, required: boolean): string | undefined => {
    const value = body[name];
    if (value === undefined || value === '') {
      if (required) throw new Error(`seal "transit" needs "${name}"`);
      return undefined;
    }
    if (typeof value !== 'string') throw new Error(`seal "transit": "${name}" must be a string`);
    return value;
  };
  for (const key of Object.keys(body)) if (!(TRANSIT_SEAL_OPTIONS as readonly string[]).includes(key)) throw new Error(`seal "transit": unknown option "${key}"`);
  if (body.namespace !== undefined && body.namespace !== '') throw new Error('seal "transit": namespaces are not supported');
  const address = text('address', true)!.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(`seal "transit": address must be a URL such as "https://127.0.0.1:8200", got ${JSON.stringify(address)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`seal "transit": address must use http or https, got ${JSON.stringify(address)}`);
  const keyName = text('key_name', true)!;
  if (!/^\w(?:[\w.-]*\w)?$/.test(keyName)) throw new Error(`seal "transit": invalid key_name ${JSON.stringify(keyName)}`);
  const mount = (text('mount_path', false) ?? 'transit/').replace(/^\/+/, '').replace(/\/*$/, '/');
  if (mount === '/' || mount.includes('..')) throw new Error(`seal "transit": invalid mount_path ${JSON.stringify(body.mount_path)}`);
  const skip = body.tls_skip_verify;
  if (skip !== undefined && typeof skip !== 'boolean' && skip !== 'true' && skip !== 'false') throw new Error('seal "transit": tls_skip_verify must be true or false');
  const token = text('token', false);
  const tlsCaFile = text('tls_ca_file', false);
  return {
    type: 'transit',
    address,
    mountPath: mount,
    keyName,
    ...(token !== undefined ? { token } : {}),
    ...(tlsCaFile !== undefined ? { tlsCaFile } : {}),
    ...(skip === true || skip === 'true' ? { tlsSkipVerify: true } : {}),
  };
}

/** A transit answer: its HTTP status and JSON body. */
interface Answer {
  status: number;
  body: { data?: Record<string, unknown>; errors?: string[] };
}

/**
 * A KMS that is another Coffer's (or Vault's) transit engine: wrap is encrypt, unwrap is decrypt,
 * rewrap is rewrap, so the wrapping key never leaves the transit server. The aad travels as
 * transit's `associated_data`, which its AEAD binds to the ciphertext (Coffer's transit and
 * Vault's both support it for aes256-gcm96 and chacha20-poly1305), so a wrapped key presented
 * under another aad does not open. The wrapped form is the "vault:vN:..." string itself: it names
 * the key version, so keys wrapped before a rotation still unwrap after it.
 */
export class TransitKms implements Kms {
  readonly type = 'transit';
  private readonly token: string;
  private readonly agent: http.Agent | https.Agent;
  private readonly where: string;
  private readonly timeoutMs: number;
  private latestVersion: number | undefined;

  constructor(
    private readonly config: TransitSealConfig,
    options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
  ) {
    const token = config.token ?? (options.env ?? process.env).VAULT_TOKEN;
    if (!token) throw new Error('seal "transit" needs a token: set "token" in the seal stanza or VAULT_TOKEN in the environment');
    this.token = token;
    this.timeoutMs = options.timeoutMs ?? TRANSIT_REQUEST_TIMEOUT_MS;
    this.where = `transit KMS at ${config.address}`;
    this.agent = config.address.startsWith('https:')
      ? new https.Agent({
          keepAlive: true,
          rejectUnauthorized: !config.tlsSkipVerify,
          ...(config.tlsCaFile ? { ca: readCaFile(config.tlsCaFile) } : {}),
        })
      : new http.Agent({ keepAlive: true });
  }

  /** `transit:<address>/<mount><key>:v<latest version>` (v? until the transit server has been asked). */
  get keyId(): string {
    return `transit:${this.config.address}/${this.config.mountPath}${this.config.keyName}:v${this.latestVersion ?? '?'}`;
  }

  /** Reads the key's latest_version from the transit server (after a rotation there); `keyId` follows it. */
  async currentKeyVersion(): Promise<string> {
    const answer = await this.call('GET', `keys/${this.config.keyName}`);
    if (answer.status !== 200) throw this.refused('read key', answer);
    const version = answer.body.data?.latest_version;
    if (typeof version !== 'number') throw new CofferError('internal', `${this.where}: reading key ${this.config.keyName} gave no latest_version`);
    this.latestVersion = version;
    return String(version);
  }

  async wrap(plaintextKey: Uint8Array, aad: string): Promise<Uint8Array> {
    const answer = await this.call('POST', `encrypt/${this.config.keyName}`, {
      plaintext: Buffer.from(plaintextKey).toString('base64'),
      associated_data: associatedData(aad),
    });
    return this.ciphertextOf('encrypt', answer);
  }

  async unwrap(wrapped: Uint8Array, aad: string): Promise<Uint8Array> {
    const answer = await this.call('POST', `decrypt/${this.config.keyName}`, { ciphertext: ciphertextText(wrapped), associated_data: associatedData(aad) });
    if (answer.status === 400) throw new KmsUnwrapError(this.keyId, `${this.where} refused to decrypt: ${errorsOf(answer)}`);
    if (answer.status !== 200) throw this.refused('decrypt', answer);
    const plaintext = answer.body.data?.plaintext;
    if (typeof plaintext !== 'string') throw new CofferError('internal', `${this.where}: decrypt answered without a plaintext`);
    // The keyId names the key version; learn it once, best effort, without failing an unwrap that worked.
    if (this.latestVersion === undefined) await this.currentKeyVersion().catch(() => undefined);
    return Buffer.from(plaintext, 'base64');
  }

  /**
   * Re-encrypts a wrapped key onto the key's latest version inside the transit server (its rewrap
   * endpoint): the plaintext key never comes back over the wire. Sends associated_data, which
   * Coffer's transit rewrap honours.
   */
  async rewrap(wrapped: Uint8Array, aad: string): Promise<Uint8Array> {
    const answer = await this.call('POST', `rewrap/${this.config.keyName}`, { ciphertext: ciphertextText(wrapped), associated_data: associatedData(aad) });
    if (answer.status === 400) throw new KmsUnwrapError(this.keyId, `${this.where} refused to rewrap: ${errorsOf(answer)}`);
    return this.ciphertextOf('rewrap', answer);
  }

  /** Closes kept-alive connections to the transit server. */
  close(): void {
    this.agent.destroy();
  }

  private ciphertextOf(operation: string, answer: Answer): Uint8Array {
    if (answer.status !== 200) throw this.refused(operation, answer);
    const ciphertext = answer.body.data?.ciphertext;
    const version = answer.body.data?.key_version;
    if (typeof ciphertext !== 'string' || !ciphertext.startsWith('vault:v')) throw new CofferError('internal', `${this.where}: ${operation} answered without a ciphertext`);
    if (typeof version === 'number') this.latestVersion = version;
    return Buffer.from(ciphertext, 'utf8');
  }

  /** A refusal other than "this ciphertext does not open": the token, the key or the server is the problem. */
  private refused(operation: string, answer: Answer): CofferError {
    return new CofferError(answer.status >= 500 ? 'unavailable' : 'kms_unavailable', `${this.where} refused ${operation} with key ${this.config.keyName} (HTTP ${answer.status}): ${errorsOf(answer)}`);
  }

  /** One request to the transit mount; no answer within the timeout is "unreachable" (503), never a hang. */
  private call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
    const url = new URL(`${this.config.address}/v1/${this.config.mountPath}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<Answer>((resolve, reject) => {
      const unreachable = (reason: string) => reject(new CofferError('unavailable', `${this.where} unreachable: ${reason}`));
      const req = transport.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            'X-Vault-Token': this.token,
            ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (err) => unreachable(err.message));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Answer['body'] = {};
            try {
              parsed = text ? (JSON.parse(text) as Answer['body']) : {};
            } catch {
              parsed = { errors: [`unparsable answer (${text.length} bytes)`] };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => unreachable(err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message));
      req.end(payload);
    });
  }
}

function associatedData(aad: string): string {
  return Buffer.from(aad, 'utf8').toString('base64');
}

function ciphertextText(wrapped: Uint8Array): string {
  return Buffer.from(wrapped).toString('utf8');
}

function errorsOf(answer: Answer): string {
  const errors = Array.isArray(answer.body.errors) ? answer.body.errors.filter((e) => typeof e === 'string') : [];
  return errors.length > 0 ? errors.join('; ') : 'no error message';
}

function readCaFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`seal "transit": cannot read tls_ca_file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
