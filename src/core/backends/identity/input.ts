import { invalidRequest } from '../../../framework/errors.js';

/**
 * Vault's TypeKVPairs, used for entity and group metadata: an object whose values are strings
 * (numbers and booleans are taken as their text, as Vault's weak decoding does), or a list of
 * "key=value" strings (what `vault write ... metadata=a=b metadata=c=d` sends).
 */
export function parseKeyValuePairs(raw: unknown, field: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  if (raw === '') return pairs;
  if (Array.isArray(raw) || typeof raw === 'string') {
    for (const item of Array.isArray(raw) ? raw : [raw]) {
      if (typeof item !== 'string') throw invalidRequest(`failed to parse ${field}: expected "key=value" strings`);
      const eq = item.indexOf('=');
      if (eq <= 0) throw invalidRequest(`failed to parse ${field}: "${item}" is not of the form "key=value"`);
      pairs[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return pairs;
  }
  if (typeof raw !== 'object' || raw === null) throw invalidRequest(`failed to parse ${field}: expected a map of strings`);
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') pairs[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') pairs[key] = String(value);
    else throw invalidRequest(`failed to parse ${field}: the value of "${key}" is not a string`);
  }
  return pairs;
}
