import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { api } from '../harness/http.js';

/** One audit entry as a device writes it (Vault's shape plus Coffer's prev_hash). */
export interface AuditEntry {
  time: string;
  type: 'request' | 'response';
  auth?: Record<string, unknown> & { client_token?: string; accessor?: string; display_name?: string; policies?: string[] };
  request: Record<string, unknown> & { id: string; path: string; operation: string; remote_address: string; client_token_accessor?: string; data?: Record<string, unknown> };
  response?: Record<string, unknown> & { data?: Record<string, unknown>; wrap_info?: Record<string, unknown> };
  error?: string;
  prev_hash: string;
}

/** Enables an audit device as root; asserts the 204. */
export async function enableAudit(address: string, token: string, path: string, type: string, options: Record<string, string>): Promise<void> {
  const res = await api(address, 'PUT', `sys/audit/${path}`, { token, body: { type, options } });
  assert.equal(res.status, 204, `enable ${type} audit at ${path}: ${res.status} ${res.text}`);
}

/** sys/audit-hash of `input` on the device at `path`. */
export async function auditHash(address: string, token: string, path: string, input: string): Promise<string> {
  const res = await api<{ data: { hash: string } }>(address, 'POST', `sys/audit-hash/${path}`, { token, body: { input } });
  assert.equal(res.status, 200, res.text);
  return res.body.data.hash;
}

/** The lines of an audit file (without the final newline). */
export async function auditLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '');
}

/** The parsed entries of an audit file; `prefix` is cut off each line first. */
export async function auditEntries(file: string, prefix = ''): Promise<AuditEntry[]> {
  return (await auditLines(file)).map((line) => {
    assert.ok(line.startsWith(prefix), `line without prefix ${JSON.stringify(prefix)}: ${line}`);
    return JSON.parse(line.slice(prefix.length)) as AuditEntry;
  });
}

/** The request and response entries of one request, by its id (they are written before the answer). */
export async function entriesOf(file: string, requestId: string): Promise<{ request: AuditEntry; response: AuditEntry }> {
  const entries = (await auditEntries(file)).filter((e) => e.request.id === requestId);
  const request = entries.filter((e) => e.type === 'request');
  const response = entries.filter((e) => e.type === 'response');
  assert.equal(request.length, 1, `one request entry for ${requestId}, got ${request.length}`);
  assert.equal(response.length, 1, `one response entry for ${requestId}, got ${response.length}`);
  return { request: request[0]!, response: response[0]! };
}

/** SHA-256 hex of a line as written: what the next line's prev_hash must hold. */
export function sha256(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/** Asserts every line's prev_hash is the hash of the line before it (the first links to `first`). */
export function assertChained(lines: string[], first = ''): void {
  let previous = first;
  lines.forEach((line, i) => {
    const entry = JSON.parse(line) as AuditEntry;
    assert.equal(entry.prev_hash, previous, `line ${i + 1}: prev_hash does not link to the line before`);
    previous = sha256(line);
  });
}

/** A metric's value from the Prometheus exposition at sys/metrics. */
export async function metricValue(address: string, token: string, name: string): Promise<number> {
  const res = await api(address, 'GET', 'sys/metrics?format=prometheus', { token });
  assert.equal(res.status, 200, res.text);
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  assert.ok(line, `metric ${name} missing:\n${res.text}`);
  return Number(line.split(' ').at(-1));
}
