import { strictBoolean } from './booleans.js';
import type { BlockAt } from './problem.js';
import type { Json } from './syntax.js';

/**
 * `seal "local"`: the key from COFFER_LOCAL_MASTER_KEY or key_file, or `ephemeral = true`: run on
 * a random key that dies with the process, knowingly; without either a local seal has no key.
 */
export interface LocalSealConfig {
  type: 'local';
  keyFile?: string;
  ephemeral?: boolean;
}

/** `seal "local" { key_file, ephemeral }`. */
export function localSeal(body: Json, at: BlockAt): LocalSealConfig {
  if (body.key_file !== undefined && (typeof body.key_file !== 'string' || body.key_file === '')) at.fail('key_file', 'seal "local": key_file must be a file path');
  const ephemeral = body.ephemeral === undefined ? false : strictBoolean(body.ephemeral);
  if (ephemeral === undefined) return at.fail('ephemeral', `seal "local": ephemeral must be true or false, got ${JSON.stringify(body.ephemeral)}`);
  if (ephemeral && body.key_file !== undefined) at.fail('ephemeral', 'seal "local": ephemeral = true and key_file exclude each other');
  return { type: 'local', ...(typeof body.key_file === 'string' ? { keyFile: body.key_file } : {}), ...(ephemeral ? { ephemeral: true } : {}) };
}
