import assert from 'node:assert/strict';
import { api, type ApiOptions, type ApiResponse } from '../../harness/http.js';
import { enableAuthMethod, type Api } from '../../sys/fixture.js';
import type { AuthBlock, Envelope } from '../../harness/vault-types.js';

// Shared vocabulary of the AppRole tests (https://developer.hashicorp.com/vault/api-docs/auth/approle).

/** Vault's one answer for an unknown role ID, an unknown secret ID, or an expired one. */
export const INVALID_CREDENTIALS = /^invalid role or secret ID$/;

/** Vault's response envelope (test/harness/vault-types.ts), for the AppRole tests that type their answers. */
export type { Envelope };

export interface SecretIdAnswer {
  secret_id: string;
  secret_id_accessor: string;
  secret_id_ttl: number;
  secret_id_num_uses: number;
}

/** Talks to one server as root, over `call` (the harness's `api` unless told). */
export class Approle {
  constructor(
    readonly address: string,
    readonly rootToken: string,
    readonly mount = 'approle',
    private readonly call: Api = api,
  ) {}

  request<D = Record<string, unknown>>(method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse<Envelope<D>>> {
    return this.call<Envelope<D>>(this.address, method, path, options);
  }

  /** A request as root to a path of this mount. */
  root<D = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<Envelope<D>>> {
    return this.request<D>(method, `auth/${this.mount}/${path}`, { token: this.rootToken, body, headers });
  }

  async enable(): Promise<void> {
    await enableAuthMethod(this.address, this.rootToken, this.mount, 'approle', this.call);
  }

  async writeRole(name: string, body: Record<string, unknown> = {}): Promise<void> {
    const res = await this.root('POST', `role/${name}`, body);
    assert.ok(res.status === 204 || res.status === 200, `write role ${name}: ${res.status} ${res.text}`);
  }

  async readRole(name: string): Promise<Record<string, unknown>> {
    const res = await this.root('GET', `role/${name}`);
    assert.equal(res.status, 200, `read role ${name}: ${res.text}`);
    return res.body.data!;
  }

  async roleId(name: string): Promise<string> {
    const res = await this.root<{ role_id: string }>('GET', `role/${name}/role-id`);
    assert.equal(res.status, 200, `read role-id of ${name}: ${res.text}`);
    return res.body.data!.role_id;
  }

  async newSecretId(name: string, body: Record<string, unknown> = {}): Promise<SecretIdAnswer> {
    const res = await this.root<SecretIdAnswer>('POST', `role/${name}/secret-id`, body);
    assert.equal(res.status, 200, `generate secret-id for ${name}: ${res.text}`);
    return res.body.data!;
  }

  /** auth/<mount>/login with no token, from `localAddress` when given (over closingApi). */
  login(body: Record<string, unknown>, localAddress?: string, via: Api = this.call): Promise<ApiResponse<Envelope>> {
    return via<Envelope>(this.address, 'POST', `auth/${this.mount}/login`, { body, ...(localAddress ? { localAddress } : {}) });
  }

  /** A role with a fresh secret ID: what an application is handed. */
  async credentials(role: string, secretIdBody: Record<string, unknown> = {}): Promise<{ role_id: string; secret_id: string; accessor: string }> {
    const generated = await this.newSecretId(role, secretIdBody);
    return { role_id: await this.roleId(role), secret_id: generated.secret_id, accessor: generated.secret_id_accessor };
  }
}

/** A successful login's auth block. */
export function expectLogin(res: ApiResponse<Envelope>, what: string): AuthBlock {
  assert.equal(res.status, 200, `${what}: expected 200, got ${res.status} ${res.text}`);
  assert.ok(res.body.auth?.client_token, `${what}: no auth.client_token: ${res.text}`);
  return res.body.auth;
}

/** Runs `count` copies of `task` at once. */
export function times<T>(count: number, task: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => task(i)));
}
