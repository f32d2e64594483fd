import assert from 'node:assert/strict';
import { api, type ApiResponse } from '../harness/http.js';

/** GET sys/storage/snapshot (or Vault's raft path): the snapshot bytes. */
export async function saveOverHttp(address: string, token: string, path = 'sys/storage/raft/snapshot'): Promise<Buffer> {
  const res = await fetch(`${address}/v1/${path}`, { headers: { 'X-Vault-Token': token } });
  assert.equal(res.status, 200, `snapshot save answered ${res.status}: ${await res.clone().text()}`);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  return Buffer.from(await res.arrayBuffer());
}

/** POST a snapshot file as the raw body, as curl --data-binary does. */
export async function restoreOverHttp(address: string, token: string, snapshot: Uint8Array, path = 'sys/storage/snapshot'): Promise<ApiResponse<{ errors?: string[]; warnings?: string[] }>> {
  const res = await fetch(`${address}/v1/${path}`, {
    method: 'POST',
    headers: { 'X-Vault-Token': token, 'Content-Type': 'application/octet-stream' },
    body: new Blob([new Uint8Array(snapshot)]),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as { errors?: string[] }) : {}, text };
}

/** Mounts KV v2 at secret/ (a non-dev server has none). */
export async function mountKv(address: string, token: string): Promise<void> {
  const res = await api(address, 'POST', 'sys/mounts/secret', { token, body: { type: 'kv', options: { version: '2' } } });
  assert.ok(res.status < 300, res.text);
}

export async function writeSecret(address: string, token: string, name: string, data: Record<string, string>): Promise<void> {
  const res = await api(address, 'POST', `secret/data/${name}`, { token, body: { data } });
  assert.equal(res.status, 200, res.text);
}

/** The secret's data, or the HTTP status when there is none. */
export async function readSecret(address: string, token: string, name: string): Promise<Record<string, string> | number> {
  const res = await api<{ data?: { data: Record<string, string> } }>(address, 'GET', `secret/data/${name}`, { token });
  return res.status === 200 ? res.body.data!.data : res.status;
}

/** A child token of `token`; answers its id. */
export async function createToken(address: string, token: string): Promise<string> {
  const res = await api<{ auth: { client_token: string } }>(address, 'POST', 'auth/token/create', { token, body: { policies: ['default'], ttl: '1h' } });
  assert.equal(res.status, 200, res.text);
  return res.body.auth.client_token;
}

export async function tokenWorks(address: string, token: string): Promise<number> {
  return (await api(address, 'GET', 'auth/token/lookup-self', { token })).status;
}

export async function wrap(address: string, token: string, payload: Record<string, string>): Promise<string> {
  const res = await api<{ wrap_info: { token: string } }>(address, 'POST', 'sys/wrapping/wrap', { token, body: payload, headers: { 'X-Vault-Wrap-TTL': '1h' } });
  assert.equal(res.status, 200, res.text);
  return res.body.wrap_info.token;
}

export async function unwrapStatus(address: string, wrappingToken: string): Promise<number> {
  return (await api(address, 'POST', 'sys/wrapping/unwrap', { token: wrappingToken })).status;
}

export async function sealed(address: string): Promise<boolean> {
  return ((await api<{ sealed: boolean }>(address, 'GET', 'sys/seal-status')).body).sealed;
}
