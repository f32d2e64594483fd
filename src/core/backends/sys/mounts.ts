import type { Core } from '../../core.js';
import { invalidRequest } from '../../../framework/errors.js';
import { requireDuration } from '../../../framework/duration.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, ok, type PathDef, type Req } from '../../../framework/types.js';
import { isBuiltinMount } from '../../builtin-mounts.js';
import { backendType, normaliseMountPath, type MountEntry } from '../../mounts.js';
import { COFFER_VERSION } from '../../version.js';

/** Vault's system-wide lease TTL defaults (768h), reported by tune when a mount sets none. */
export const SYSTEM_DEFAULT_TTL = 2_764_800;

/** The shape Vault uses for a mount in sys/mounts and sys/auth listings. */
export function describeMount(entry: MountEntry): Record<string, unknown> {
  return {
    type: entry.type,
    description: entry.description,
    accessor: entry.accessor,
    uuid: entry.uuid,
    config: { default_lease_ttl: entry.config.default_lease_ttl, max_lease_ttl: entry.config.max_lease_ttl, force_no_cache: false },
    options: Object.keys(entry.options).length > 0 ? entry.options : null,
    local: entry.local,
    seal_wrap: entry.sealWrap,
    external_entropy_access: false,
    plugin_version: '',
    running_plugin_version: `v${COFFER_VERSION}+builtin.coffer`,
    running_sha256: '',
  };
}

function parseConfig(raw: Record<string, unknown>): MountEntry['config'] {
  const config = { default_lease_ttl: 0, max_lease_ttl: 0 };
  for (const name of ['default_lease_ttl', 'max_lease_ttl'] as const) {
    if (raw[name] !== undefined && raw[name] !== '') config[name] = requireDuration(raw[name], name);
  }
  if (config.max_lease_ttl && config.default_lease_ttl > config.max_lease_ttl) {
    throw invalidRequest('default_lease_ttl cannot be greater than max_lease_ttl');
  }
  return config;
}

function parseOptions(raw: Record<string, unknown>): Record<string, string> {
  const options: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string' && typeof value !== 'number') throw invalidRequest(`option "${key}" must be a string`);
    options[key] = String(value);
  }
  return options;
}

/**
 * kv-v2 is Vault's shorthand for kv with version 2; kv accepts only versions 1 and 2. "generic" is
 * Vault's old name of kv: it stays "generic" in the table (as Vault reports it) and is version 1
 * unless its options say otherwise, with no version option added.
 */
function normaliseType(type: string, options: Record<string, string>): { type: string; options: Record<string, string> } {
  if (type === 'kv-v2') return { type: 'kv', options: { ...options, version: '2' } };
  if (type === 'generic') {
    if (options.version !== undefined && options.version !== '1' && options.version !== '2') {
      throw invalidRequest(`invalid kv version "${options.version}": must be 1 or 2`);
    }
    return { type, options };
  }
  if (type === 'kv' || type === 'kv-v1') {
    const version = options.version ?? '1';
    if (version !== '1' && version !== '2') throw invalidRequest(`invalid kv version "${version}": must be 1 or 2`);
    return { type: 'kv', options: { ...options, version } };
  }
  return { type, options };
}

const mountFields = {
  path: field.string(),
  type: field.string(),
  description: field.string(),
  config: field.map(),
  options: field.map(),
  local: field.bool(),
  seal_wrap: field.bool(),
};

/** sys/mounts and sys/auth: list, enable, disable, tune. `table` picks secret engines or auth methods. */
export function mountPaths(core: Core, table: MountEntry['table']): PathDef[] {
  const prefix = table === 'auth' ? 'auth' : 'mounts';
  // A sys/ mounted in a namespace manages that namespace's mounts (its mount says which).
  const routeKey = (req: Req, path: string) => core.mounts.routeKey({ table, path: normaliseMountPath(path), namespace: req.mount.namespace });
  const existing = (req: Req, path: string) => {
    const entry = core.mounts.get(routeKey(req, path));
    if (!entry) throw invalidRequest(`no mount at ${normaliseMountPath(path)}`);
    return entry;
  };

  const list = definePath({
    pattern: prefix,
    fields: {},
    operations: {
      read: async (req) => ok(Object.fromEntries(core.mounts.listIn(table, req.mount.namespace).map((e) => [e.path, describeMount(e)]))),
    },
  });

  const tune = definePath({
    pattern: `${prefix}/:path*/tune`,
    fields: { path: field.string(), description: field.string(), default_lease_ttl: field.any(), max_lease_ttl: field.any(), options: field.map() },
    // Vault asks sudo for auth method changes (sys/auth/*), not for secret engines.
    sudo: table === 'auth',
    operations: {
      read: async (req) => {
        const entry = existing(req, req.fields.path);
        return ok({
          description: entry.description,
          default_lease_ttl: entry.config.default_lease_ttl || SYSTEM_DEFAULT_TTL,
          max_lease_ttl: entry.config.max_lease_ttl || SYSTEM_DEFAULT_TTL,
          force_no_cache: false,
          options: Object.keys(entry.options).length > 0 ? entry.options : null,
        });
      },
      update: async (req) => {
        const entry = existing(req, req.fields.path);
        const config = parseConfig({ ...entry.config, ...req.raw });
        let options = entry.options;
        if (req.provided('options')) {
          options = { ...entry.options, ...parseOptions(req.fields.options) };
          if (backendType(entry.type) === 'kv' && (options.version ?? '1') !== (entry.options.version ?? '1')) {
            throw invalidRequest('changing the kv version of a mount is not supported; mount a new kv engine and copy the data');
          }
        }
        const description = req.provided('description') ? req.fields.description : entry.description;
        await core.mounts.update(entry, { config, options, description });
        return noContent();
      },
    },
  });

  const mount = definePath({
    pattern: `${prefix}/:path*`,
    fields: mountFields,
    sudo: table === 'auth',
    operations: {
      read: async (req) => ok(describeMount(existing(req, req.fields.path))),
      update: async (req) => {
        const { path, description } = req.fields;
        if (!req.fields.type) throw invalidRequest('missing required field "type"');
        const { type, options } = normaliseType(req.fields.type, parseOptions(req.fields.options));
        if (!core.hasBackendType(type, table)) throw invalidRequest(`plugin not found in the catalog: ${req.fields.type}`);
        // Vault's singleton mounts: the built-in types exist once, at their own path.
        if (isBuiltinMount({ type })) throw invalidRequest(`mount type of "${type}" is not mountable`);
        const config = parseConfig(req.fields.config);
        const entry = await core.mounts.add({ path: normaliseMountPath(path), type, table, description, options, config, namespace: req.mount.namespace });
        core.startBackend(entry);
        return noContent();
      },
      delete: async (req) => {
        const key = routeKey(req, req.fields.path);
        const entry = core.mounts.get(key);
        if (entry && isBuiltinMount(entry)) throw invalidRequest(`cannot unmount "${entry.path}"`);
        await core.removeMount(key);
        return noContent();
      },
    },
  });

  return [list, tune, mount];
}
