import { parseBoolText } from '../../framework/bool.js';
import type { BlockAt } from './problem.js';
import type { Json } from './syntax.js';

/** A loosely written boolean (seal `disabled = "true"`, `tls_disable = 1`): true, 1, or any of Go's ParseBool true spellings. */
export const truthy = (value: unknown): boolean => value === true || value === 1 || (typeof value === 'string' && parseBoolText(value) === true);

/** A boolean option written as true/false or Go's ParseBool text (Vault takes both); a stop at its line otherwise. */
export function booleanOption(body: Json, key: string, fallback: boolean, at: BlockAt): boolean {
  const value = body[key];
  if (value === undefined) return fallback;
  const parsed = typeof value === 'boolean' ? value : typeof value === 'string' ? parseBoolText(value) : undefined;
  if (parsed !== undefined) return parsed;
  return at.fail(key, `${key} must be true or false, got ${JSON.stringify(value)}`);
}

/** true/false or "true"/"false" only, for the options that accept no other spelling; undefined otherwise. */
export function strictBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  return value === 'true' || value === 'false' ? parseBoolText(value) : undefined;
}
