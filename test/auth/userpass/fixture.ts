import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { api, type ApiResponse } from '../../harness/http.js';
import { assertNoContent, enableAuthMethod, type Api } from '../../sys/fixture.js';
import type { AuthBlock, Envelope } from '../../harness/vault-types.js';

/** Vault's response envelope and login `auth` block (test/harness/vault-types.ts), for the userpass tests. */
export type { AuthBlock, Envelope };

/** A fresh user name, so tests never share users (and their TOTP time steps). */
export const uniqueUser = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

/** A fresh password. */
export const uniquePassword = () => `pw-${randomBytes(12).toString('hex')}`;

/** Enables a userpass auth method at auth/<path>/ as root. */
export async function enableUserpass(address: string, rootToken: string, path = 'userpass', call: Api = api): Promise<void> {
  await enableAuthMethod(address, rootToken, path, 'userpass', call);
}

/** Creates (or updates) a user as root; the body holds the password and token settings. */
export async function writeUser(address: string, rootToken: string, name: string, body: Record<string, unknown>, mount = 'userpass', call: Api = api): Promise<void> {
  assertNoContent(await call(address, 'POST', `auth/${mount}/users/${name}`, { token: rootToken, body }), `write user ${name}`);
}

/** POST auth/<mount>/login/<name>. */
export function login(address: string, name: string, body: Record<string, unknown>, mount = 'userpass', call: Api = api, localAddress?: string): Promise<ApiResponse<Envelope>> {
  return call<Envelope>(address, 'POST', `auth/${mount}/login/${name}`, { body, ...(localAddress ? { localAddress } : {}) });
}

/** Logs in and asserts success; returns the auth block. */
export async function loginOk(address: string, name: string, body: Record<string, unknown>, mount = 'userpass'): Promise<AuthBlock> {
  const res = await login(address, name, body, mount);
  assert.equal(res.status, 200, `login ${name}: ${res.status} ${res.text}`);
  assert.ok(res.body.auth, `login ${name} answered no auth block: ${res.text}`);
  return res.body.auth;
}

/** What users/:username/mfa/totp answers when MFA is turned on. */
export interface TotpEnabled {
  url: string;
  key: string;
}

/** Turns on TOTP for a user as root and returns the one-time answer. */
export async function enableTotp(address: string, rootToken: string, name: string, body: Record<string, unknown> = {}, mount = 'userpass'): Promise<TotpEnabled> {
  const res = await api<{ data: TotpEnabled }>(address, 'POST', `auth/${mount}/users/${name}/mfa/totp`, { token: rootToken, body });
  assert.equal(res.status, 200, `enable totp for ${name}: ${res.status} ${res.text}`);
  return res.body.data;
}

/** The authenticator app's view of an enrolment: built from the otpauth:// URL the server answered. */
export function authenticatorFor(enrolment: TotpEnabled): TOTP {
  const parsed = URI.parse(enrolment.url);
  assert.ok(parsed instanceof TOTP, `not a TOTP URL: ${enrolment.url}`);
  return parsed;
}

/** A code of the right length that is not valid for any time step near now (±2 steps). */
export function wrongCode(totp: TOTP): string {
  const now = Date.now();
  const near = new Set([-2, -1, 0, 1, 2].map((d) => totp.generate({ timestamp: now + d * totp.period * 1000 })));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(totp.digits, '0');
    if (!near.has(candidate)) return candidate;
  }
}
