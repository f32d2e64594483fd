import { Readable } from 'node:stream';
import type { CofferClient } from './client.js';
import { parseJson, readText } from './transport.js';

type Data = Record<string, unknown>;

/** Body of sys/init, named as Vault names it. */
export interface InitRequest {
  secret_shares: number;
  secret_threshold: number;
  /** KMS seals: how the recovery key is split (Vault's default 5/3). */
  recovery_shares?: number;
  recovery_threshold?: number;
  pgp_keys?: string[];
  root_token_pgp_key?: string;
}

/** Answer of sys/init: unseal key shares (empty with a KMS seal) and the first root token. */
export interface InitResponse {
  /** Shares, hex. */
  keys: string[];
  /** The same shares, base64. */
  keys_base64: string[];
  recovery_keys: string[];
  recovery_keys_base64: string[];
  root_token: string;
}

/** Which key a rekey replaces, as Vault's CLI names it: the unseal ("barrier") key or a KMS seal's recovery key. */
export type RekeyTarget = 'barrier' | 'recovery';

function rekeyPrefix(target: RekeyTarget): string {
  return target === 'recovery' ? 'sys/rekey-recovery-key' : 'sys/rekey';
}

/** Health, seal, init, unseal, rekey, root token generation and snapshots, as `client.operator`. */
export class OperatorClient {
  constructor(private readonly client: CofferClient) {}

  /**
   * sys/health. Like Vault's Go client it asks for 2xx codes in every state, so a sealed or
   * standby server answers with its status instead of an error.
   */
  async health(): Promise<Data> {
    const query = { standbycode: 299, sealedcode: 299, uninitcode: 299, drsecondarycode: 299, performancestandbycode: 299 };
    return (await this.client.request<Data>('GET', 'sys/health', { query })) ?? {};
  }

  /** sys/seal-status. */
  async sealStatus(): Promise<Data> {
    return (await this.client.request<Data>('GET', 'sys/seal-status')) ?? {};
  }

  /** GET sys/init: whether the store has been initialized. */
  async initStatus(): Promise<boolean> {
    const answer = await this.client.request<{ initialized?: boolean }>('GET', 'sys/init');
    return answer?.initialized === true;
  }

  /**
   * PUT sys/init: initializes the store. With a Shamir seal the answer carries the unseal key shares
   * (hex and base64); with a KMS seal the share lists are empty and only the root token matters.
   */
  async init(request: InitRequest): Promise<InitResponse> {
    const answer = await this.client.request<Partial<InitResponse>>('PUT', 'sys/init', { body: request, token: null });
    return {
      keys: answer?.keys ?? [],
      keys_base64: answer?.keys_base64 ?? [],
      recovery_keys: answer?.recovery_keys ?? [],
      recovery_keys_base64: answer?.recovery_keys_base64 ?? [],
      root_token: answer?.root_token ?? '',
    };
  }

  /** PUT sys/unseal with one key share (hex or base64; `migrate` during a seal migration); answers the seal status after it. */
  async unseal(key: string, options: { migrate?: boolean } = {}): Promise<Data> {
    return (await this.client.request<Data>('PUT', 'sys/unseal', { body: { key, ...(options.migrate ? { migrate: true } : {}) }, token: null })) ?? {};
  }

  /** PUT sys/unseal {reset: true}: forgets the shares submitted so far; answers the seal status. */
  async unsealReset(): Promise<Data> {
    return (await this.client.request<Data>('PUT', 'sys/unseal', { body: { reset: true }, token: null })) ?? {};
  }

  /** GET sys/rekey/init (target "recovery": sys/rekey-recovery-key/init): the running rekey attempt, if any. */
  async rekeyStatus(target: RekeyTarget = 'barrier'): Promise<Data> {
    return (await this.client.request<Data>('GET', `${rekeyPrefix(target)}/init`, { token: null })) ?? {};
  }

  /** PUT sys/rekey/init: starts a rekey to a new split of `shares` shares, any `threshold` of which open. */
  async rekeyInit(target: RekeyTarget, shares: number, threshold: number): Promise<Data> {
    return (await this.client.request<Data>('PUT', `${rekeyPrefix(target)}/init`, { body: { secret_shares: shares, secret_threshold: threshold }, token: null })) ?? {};
  }

  /** DELETE sys/rekey/init: cancels the running rekey attempt. */
  async rekeyCancel(target: RekeyTarget = 'barrier'): Promise<void> {
    await this.client.request('DELETE', `${rekeyPrefix(target)}/init`, { token: null });
  }

  /** PUT sys/rekey/update: one share of the current key; answers the progress, or the new shares once complete. */
  async rekeyUpdate(target: RekeyTarget, key: string, nonce: string): Promise<Data> {
    return (await this.client.request<Data>('PUT', `${rekeyPrefix(target)}/update`, { body: { key, nonce }, token: null })) ?? {};
  }

  /** GET sys/generate-root/attempt: the running root token generation, if any, and otp_length. */
  async generateRootStatus(): Promise<Data> {
    return (await this.client.request<Data>('GET', 'sys/generate-root/attempt', { token: null })) ?? {};
  }

  /** PUT sys/generate-root/attempt: starts a root token generation encoded with `otp` (none: the server makes one and answers it in `otp`). */
  async generateRootInit(otp?: string): Promise<Data> {
    return (await this.client.request<Data>('PUT', 'sys/generate-root/attempt', { body: otp ? { otp } : {}, token: null })) ?? {};
  }

  /** DELETE sys/generate-root/attempt: cancels the running root token generation. */
  async generateRootCancel(): Promise<void> {
    await this.client.request('DELETE', 'sys/generate-root/attempt', { token: null });
  }

  /** PUT sys/generate-root/update: one unseal (or recovery) key share; answers the progress, or encoded_token once complete. */
  async generateRootUpdate(key: string, nonce: string): Promise<Data> {
    return (await this.client.request<Data>('PUT', 'sys/generate-root/update', { body: { key, nonce }, token: null })) ?? {};
  }

  /** PUT sys/seal: seals the server (needs a sudo token). */
  async seal(): Promise<void> {
    await this.client.request('PUT', 'sys/seal');
  }

  /** GET sys/storage/snapshot: the snapshot as a byte stream, read as the server produces it. */
  async snapshotSave(): Promise<ReadableStream<Uint8Array>> {
    const response = await this.client.requestBytes('GET', 'sys/storage/snapshot');
    return Readable.toWeb(response) as ReadableStream<Uint8Array>;
  }

  /**
   * POST sys/storage/snapshot (or snapshot-force): restores a snapshot file. Answers the server's
   * warnings (a forced restore of other keys leaves it sealed, and says so).
   */
  async snapshotRestore(snapshot: Uint8Array, options: { force?: boolean } = {}): Promise<string[]> {
    const path = options.force ? 'sys/storage/snapshot-force' : 'sys/storage/snapshot';
    const response = await this.client.requestBytes('POST', path, snapshot);
    const parsed = parseJson(await readText(response)) as { warnings?: string[] } | undefined;
    return parsed?.warnings ?? [];
  }
}
