import type { Core } from '../../core.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type PathDef } from '../../../framework/types.js';
import { normaliseExemptPath, type RateLimitRule } from '../../quotas/manager.js';

/** Vault's GenericNameRegex: word characters, with "-", "." and "@" inside. */
const QUOTA_NAME = /^\w(?:[\w\-.@]*\w)?$/;

const rateLimitFields = {
  name: field.string({ required: true }),
  type: field.string({ description: 'Ignored: the type is in the path.' }),
  path: field.string({ description: 'A namespace ("team-a/"), a mount ("secret/", "team-a/secret/"), a path in a mount ("secret/data/app", "secret/data/app*" for a prefix), or empty for a global quota.' }),
  role: field.string({ description: 'Login role on an auth mount with roles (approle, jwt, oidc, kubernetes).' }),
  rate: field.any({ description: 'Requests allowed per interval per client address; must be positive.' }),
  interval: field.duration({ description: 'Length of the interval; 1s by default.' }),
  block_interval: field.duration({ description: 'How long a client that ran out is refused everything; none by default.' }),
  inheritable: field.bool({ description: 'Accepted and reported; Coffer has no namespaces to inherit into.' }),
};

/**
 * sys/quotas/config and sys/quotas/rate-limit (Vault's resource quotas API). Rules persist in the
 * barrier; budgets are per node, in memory. No sudo, as in Vault: the ACL on sys/quotas/* decides.
 */
export function quotaPaths(core: Core): PathDef[] {
  const list = async () => {
    const keys = core.quotas.names();
    return keys.length > 0 ? ok({ keys }) : notFound();
  };
  return [
    definePath({
      pattern: 'quotas/config',
      fields: {
        enable_rate_limit_audit_logging: field.bool({ description: 'Record requests refused by rate limits in the audit log.' }),
        enable_rate_limit_response_headers: field.bool({ description: 'Send X-Ratelimit-Limit, -Remaining and -Reset.' }),
        rate_limit_exempt_paths: field.strings({ description: 'Paths no rate limit applies to; a trailing "*" makes a prefix.' }),
        absolute_rate_limit_exempt_paths: field.strings({ description: 'Paths no rate limit applies to, from the root namespace (as rate_limit_exempt_paths: exempt paths are full paths here).' }),
      },
      operations: {
        read: async () => {
          const config = core.quotas.currentConfig();
          return ok({
            enable_rate_limit_audit_logging: config.enableRateLimitAuditLogging,
            enable_rate_limit_response_headers: config.enableRateLimitResponseHeaders,
            rate_limit_exempt_paths: config.rateLimitExemptPaths,
            absolute_rate_limit_exempt_paths: config.absoluteRateLimitExemptPaths,
          });
        },
        // As Vault: a write sets every field, so what it leaves out goes back to false or empty.
        update: async (req) => {
          const f = req.fields;
          await core.quotas.setConfig({
            enableRateLimitAuditLogging: f.enable_rate_limit_audit_logging,
            enableRateLimitResponseHeaders: f.enable_rate_limit_response_headers,
            rateLimitExemptPaths: exemptPaths(f.rate_limit_exempt_paths),
            absoluteRateLimitExemptPaths: exemptPaths(f.absolute_rate_limit_exempt_paths),
          });
          return noContent();
        },
      },
      description: 'Read or write the rate-limit quota configuration.',
    }),
    definePath({ pattern: 'quotas/rate-limit', fields: {}, operations: { list }, description: 'List the rate-limit quotas.' }),
    definePath({ pattern: 'quotas/rate-limit/', fields: {}, operations: { list }, description: 'List the rate-limit quotas.' }),
    definePath({
      pattern: 'quotas/rate-limit/:name',
      fields: rateLimitFields,
      operations: {
        read: async (req) => {
          const rule = core.quotas.rule(req.fields.name);
          return rule ? ok(describe(rule)) : notFound();
        },
        update: async (req) => {
          const f = req.fields;
          if (!QUOTA_NAME.test(f.name)) throw invalidRequest(`invalid quota name ${JSON.stringify(f.name)}`);
          const rate = parseRate(f.rate);
          if (f.block_interval < 0) throw invalidRequest("'block' is invalid");
          if (f.interval < 0) throw invalidRequest("'interval' is invalid");
          const { mountPath, pathSuffix, onNamespace } = resolveQuotaPath(core, f.path);
          checkRole(core, f.role, mountPath, pathSuffix);
          await core.quotas.setRule({
            name: f.name,
            mountPath,
            ...(onNamespace ? { onNamespace } : {}),
            pathSuffix,
            role: f.role,
            rate,
            interval: f.interval || 1,
            blockInterval: f.block_interval,
            inheritable: req.provided('inheritable') ? f.inheritable : mountPath === '',
          });
          return noContent();
        },
        delete: async (req) => {
          await core.quotas.deleteRule(req.fields.name);
          return noContent();
        },
      },
      description: 'Create, update, read or delete a rate-limit quota.',
    }),
  ];
}

/** The read shape Vault answers for a rate-limit quota. */
function describe(rule: RateLimitRule): Record<string, unknown> {
  return {
    type: 'rate-limit',
    name: rule.name,
    path: rule.mountPath + rule.pathSuffix,
    role: rule.role,
    rate: rule.rate,
    interval: rule.interval,
    block_interval: rule.blockInterval,
    inheritable: rule.inheritable,
  };
}

/** Vault's TypeFloat: a number or a numeric string; the rate must be positive. */
function parseRate(raw: unknown): number {
  const rate = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(rate) || rate <= 0) throw invalidRequest("'rate' is invalid");
  return rate;
}

/**
 * Splits a quota's path into the mount it names and the path inside it (Vault's sanitizePath, then
 * the longest matching mount). 400 when no mount matches.
 */
function resolveQuotaPath(core: Core, raw: string): { mountPath: string; pathSuffix: string; onNamespace?: boolean } {
  const trimmed = raw.trim().replace(/^\/+/, '');
  if (trimmed === '') return { mountPath: '', pathSuffix: '' };
  const path = trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
  // A namespace's path names the whole namespace (Vault: "team-a/").
  if (core.namespaces.get(path)) return { mountPath: path, pathSuffix: '', onNamespace: true };
  const mount = core.mounts.match(path);
  if (!mount) throw invalidRequest(`invalid mount path ${JSON.stringify(trimmed)}`);
  return { mountPath: mount.key, pathSuffix: mount.relative.replace(/\/+$/, '') };
}

/** A role quota must name an auth mount whose method resolves login roles, and no path inside it. */
function checkRole(core: Core, role: string, mountPath: string, pathSuffix: string): void {
  if (role === '') return;
  if (pathSuffix !== '') {
    throw invalidRequest('Quotas cannot contain both a path suffix and a role. If a role is provided, path must be a valid auth mount with a concept of roles');
  }
  const mount = mountPath ? core.mounts.get(mountPath) : undefined;
  if (!mount || mount.table !== 'auth') {
    throw invalidRequest(`Mount path ${JSON.stringify(mountPath)} is not a valid auth method and therefore unsuitable for use with role-based quotas`);
  }
  if (!core.backend(mountPath)?.resolveRole) throw invalidRequest(`Mount path ${JSON.stringify(mountPath)} does not support use with role-based quotas`);
}

function exemptPaths(paths: string[]): string[] {
  return [...new Set(paths.map(normaliseExemptPath).filter((p) => p !== ''))];
}
