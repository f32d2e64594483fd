import { call } from './fixture.js';

/** Submits shares to sys/unseal one by one; answers each reply. */
export async function unsealWith(address: string, keys: string[], extra: Record<string, unknown> = {}) {
  const answers = [];
  for (const key of keys) answers.push(await call(address, 'PUT', 'sys/unseal', { body: { key, ...extra } }));
  return answers;
}

/**
 * Runs a whole rekey at `prefix` (sys/rekey or sys/rekey-recovery-key): init with the new split,
 * then one update per share; answers the init reply and every update reply.
 */
export async function rekeyWith(address: string, prefix: string, split: { shares: number; threshold: number }, keys: string[]) {
  const init = await call(address, 'PUT', `${prefix}/init`, { body: { secret_shares: split.shares, secret_threshold: split.threshold } });
  const updates = [];
  for (const key of keys) updates.push(await call(address, 'PUT', `${prefix}/update`, { body: { key, nonce: init.body?.nonce } }));
  return { init, updates };
}
