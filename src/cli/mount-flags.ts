import { keyValuePairs, type FlagSpec } from './flags.js';

/** Mount paths are shown, as in Vault, with one trailing slash. */
export function withSlash(path: string): string {
  return `${path.replace(/^\/+|\/+$/g, '')}/`;
}

/** Flags that configure a mount, shared by `secrets enable|tune` and `auth enable|tune`. */
export const mountConfigFlags = {
  'default-lease-ttl': { type: 'string', default: 'system', description: 'Default TTL of the leases and tokens it issues ("1h"); "system" follows the server.' },
  'max-lease-ttl': { type: 'string', default: 'system', description: 'Longest TTL it may issue ("24h"); "system" follows the server.' },
  description: { type: 'string', description: 'A human-readable description of the mount.' },
  options: { type: 'string', multiple: true, description: 'An option of the mount as key=value, e.g. version=2 for KV.' },
} as const satisfies FlagSpec;

/** The `config` block of a mount request (or the body of a tune) from the TTL flags that were given. */
export function mountConfigFrom(flags: { 'default-lease-ttl'?: string; 'max-lease-ttl'?: string }): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  if (flags['default-lease-ttl'] !== undefined) config.default_lease_ttl = flags['default-lease-ttl'];
  if (flags['max-lease-ttl'] !== undefined) config.max_lease_ttl = flags['max-lease-ttl'];
  return config;
}

/** The body of a `.../tune` request: TTLs, and description and options only when given. */
export function tuneRequest(flags: { 'default-lease-ttl'?: string; 'max-lease-ttl'?: string; description?: string; options?: string[] }): Record<string, unknown> {
  const tune = mountConfigFrom(flags);
  if (flags.description !== undefined) tune.description = flags.description;
  if (flags.options?.length) tune.options = keyValuePairs('options', flags.options);
  return tune;
}
