import { invalidRequest } from '../../framework/errors.js';
import type { MountStorage } from '../../framework/types.js';
import { RateLimiter, type RateLimitDecision } from './rate-limiter.js';

/** A rate-limit quota as stored (sys/quotas/rate-limit/:name). */
export interface RateLimitRule {
  name: string;
  /** Route key of the mount ("secret/", "auth/approle/"), or a namespace's path ("team-a/") with `onNamespace`; empty for a global quota. */
  mountPath: string;
  /** The rule is on a whole namespace (`mountPath` is its path), not on a mount. */
  onNamespace?: boolean;
  /** Path inside the mount without trailing slash ("data/app"); a trailing "*" makes it a prefix. Empty for the whole mount. */
  pathSuffix: string;
  /** Login role on an auth mount with roles; empty for none. */
  role: string;
  /** Requests per interval, as written (Vault keeps the float; whole requests are enforced). */
  rate: number;
  /** Seconds. */
  interval: number;
  /** Seconds a client that ran out is refused everything; 0 for none. */
  blockInterval: number;
  /** Whether a namespace's (or the global) rule applies in the namespaces below it too. */
  inheritable: boolean;
}

/** sys/quotas/config. */
export interface QuotaConfig {
  enableRateLimitAuditLogging: boolean;
  enableRateLimitResponseHeaders: boolean;
  rateLimitExemptPaths: string[];
  absoluteRateLimitExemptPaths: string[];
}

/** Vault's default exemptions: the paths an operator needs to recover a server that is being flooded. */
export const DEFAULT_EXEMPT_PATHS = [
  'sys/generate-recovery-token/attempt',
  'sys/generate-recovery-token/update',
  'sys/generate-root/attempt',
  'sys/generate-root/update',
  'sys/health',
  'sys/seal-status',
  'sys/unseal',
];

/** What a request looks like to the quota lookup. */
export interface QuotaRequest {
  /** Full logical path, e.g. "secret/data/app". */
  path: string;
  /** Route key of its mount, or empty when no mount matches. */
  mountPath: string;
  /** The path of the namespace its mount is in ("" or absent: the root). */
  namespacePath?: string;
  /** The login role, when the mount has role quotas and the request names one. */
  role?: string;
  clientAddress: string;
}

interface LiveRule {
  rule: RateLimitRule;
  limiter: RateLimiter;
}

const KEY = { config: 'config', rule: (name: string) => `rate-limit/${name}` } as const;

/**
 * Rate-limit quotas: the rules (in the barrier, under sys/quotas/), their per-client budgets (in
 * memory, per node) and the config. Which rule applies follows Vault's precedence: a role quota
 * of the login's mount, then the exact path, then the longest path prefix ("data/app*"), then the
 * mount, then the global quota. Only that one rule is charged.
 */
export class QuotaManager {
  private readonly rules = new Map<string, LiveRule>();
  /** Rules by mount route key ("" = global): the lookup touches one or two small lists. */
  private readonly byMount = new Map<string, LiveRule[]>();
  private config: QuotaConfig = defaultConfig();
  private exempt = new ExemptPaths(DEFAULT_EXEMPT_PATHS);
  /** Rule and config writes one at a time, so the "similar rule exists" check cannot race. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: MountStorage) {}

  /** Reads the config and every rule (at unseal). Budgets start empty. */
  async load(): Promise<void> {
    const stored = await this.store.get<QuotaConfig>(KEY.config);
    this.applyConfig(stored ? { ...defaultConfig(), ...stored } : defaultConfig());
    for (const name of await this.store.list('rate-limit/')) {
      const rule = await this.store.get<RateLimitRule>(KEY.rule(name));
      if (rule) this.install(rule);
    }
  }

  /** True when at least one quota exists: the pipeline's only cost when there are none. */
  get active(): boolean {
    return this.rules.size > 0;
  }

  names(): string[] {
    return [...this.rules.keys()].sort();
  }

  rule(name: string): RateLimitRule | undefined {
    return this.rules.get(name)?.rule;
  }

  currentConfig(): QuotaConfig {
    return structuredClone(this.config);
  }

  /** Creates or replaces a rule; 400 when another rule already covers the same mount, path and role. */
  async setRule(rule: RateLimitRule): Promise<void> {
    await this.serialized(async () => {
      const twin = [...this.rules.values()].find(
        ({ rule: r }) => r.name !== rule.name && r.mountPath === rule.mountPath && r.pathSuffix === rule.pathSuffix && r.role === rule.role,
      );
      if (twin) throw invalidRequest(`quota rule with similar properties exists under the name ${JSON.stringify(twin.rule.name)}`);
      await this.store.put(KEY.rule(rule.name), rule);
      this.uninstall(rule.name);
      this.install(rule);
    });
  }

  async deleteRule(name: string): Promise<void> {
    await this.serialized(async () => {
      await this.store.delete(KEY.rule(name));
      this.uninstall(name);
    });
  }

  /** Deletes the quotas of a mount that is being disabled (Vault does), so a new mount at its path starts free. */
  async deleteMountRules(mountPath: string): Promise<void> {
    for (const { rule } of [...this.rules.values()]) {
      if (rule.mountPath === mountPath) await this.deleteRule(rule.name);
    }
  }

  /** Points the quotas of a moved mount (sys/remount) at its new path, as Vault does. */
  async moveMountRules(from: string, to: string): Promise<void> {
    for (const { rule } of [...this.rules.values()]) {
      if (rule.mountPath === from) await this.setRule({ ...rule, mountPath: to });
    }
  }

  async setConfig(config: QuotaConfig): Promise<void> {
    await this.serialized(async () => {
      await this.store.put(KEY.config, config);
      this.applyConfig(config);
    });
  }

  /** Whether rate limits skip this path (sys/quotas/config exemptions). */
  isExempt(path: string): boolean {
    return this.exempt.has(path);
  }

  /** Whether some quota of this mount names a role, so the login's role is worth resolving. */
  hasRoleQuotas(mountPath: string): boolean {
    return this.byMount.get(mountPath)?.some((live) => live.rule.role !== '') ?? false;
  }

  /** Charges the request to the rule that applies; undefined when none does. */
  take(request: QuotaRequest, now = Date.now()): RateLimitDecision | undefined {
    return this.applicable(request)?.limiter.take(request.clientAddress, now);
  }

  /** The most specific rule for a request, by Vault's precedence. */
  private applicable(request: QuotaRequest): LiveRule | undefined {
    const onMount = request.mountPath ? this.byMount.get(request.mountPath) : undefined;
    if (onMount) {
      if (request.role) {
        const byRole = onMount.find((l) => l.rule.role === request.role && l.rule.pathSuffix === '');
        if (byRole) return byRole;
      }
      const suffix = request.path.slice(request.mountPath.length).replace(/\/+$/, '');
      const pathRules = onMount.filter((l) => l.rule.role === '' && l.rule.pathSuffix !== '');
      const exact = pathRules.find((l) => l.rule.pathSuffix === suffix);
      if (exact) return exact;
      let prefix: LiveRule | undefined;
      for (const live of pathRules) {
        const glob = live.rule.pathSuffix;
        if (!glob.endsWith('*') || !suffix.startsWith(glob.slice(0, -1))) continue;
        if (!prefix || glob.length > prefix.rule.pathSuffix.length) prefix = live;
      }
      if (prefix) return prefix;
      const whole = onMount.find((l) => l.rule.role === '' && l.rule.pathSuffix === '');
      if (whole) return whole;
    }
    // Then the request's namespace, then those above it whose rule is inheritable, as in Vault.
    const own = request.namespacePath ?? '';
    for (let ns = own; ns !== ''; ns = parentNamespace(ns)) {
      const rule = this.byMount.get(ns)?.find((l) => l.rule.onNamespace);
      if (rule && (ns === own || rule.rule.inheritable)) return rule;
    }
    const global = this.byMount.get('')?.[0];
    return global && (own === '' || global.rule.inheritable) ? global : undefined;
  }

  private install(rule: RateLimitRule): void {
    // Vault counts whole requests: a rate of 2.5 allows 2 per interval (at least 1, so a rate > 0 never refuses all).
    const limiter = new RateLimiter(Math.max(1, Math.floor(rule.rate)), rule.interval * 1000, rule.blockInterval * 1000);
    const live = { rule, limiter };
    this.rules.set(rule.name, live);
    const list = this.byMount.get(rule.mountPath) ?? [];
    list.push(live);
    this.byMount.set(rule.mountPath, list);
  }

  private uninstall(name: string): void {
    const live = this.rules.get(name);
    if (!live) return;
    this.rules.delete(name);
    const rest = (this.byMount.get(live.rule.mountPath) ?? []).filter((l) => l !== live);
    if (rest.length > 0) this.byMount.set(live.rule.mountPath, rest);
    else this.byMount.delete(live.rule.mountPath);
  }

  private applyConfig(config: QuotaConfig): void {
    this.config = config;
    this.exempt = new ExemptPaths([...config.rateLimitExemptPaths, ...config.absoluteRateLimitExemptPaths]);
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work, work);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

function defaultConfig(): QuotaConfig {
  return {
    enableRateLimitAuditLogging: false,
    enableRateLimitResponseHeaders: false,
    rateLimitExemptPaths: [...DEFAULT_EXEMPT_PATHS],
    absoluteRateLimitExemptPaths: [],
  };
}

/** Exempt paths as Vault's path manager reads them: exact, or a prefix when ending in "*". */
class ExemptPaths {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  constructor(paths: string[]) {
    for (const path of paths) {
      if (path.endsWith('*')) this.prefixes.push(path.slice(0, -1));
      else this.exact.add(path);
    }
  }

  has(path: string): boolean {
    return this.exact.has(path) || this.prefixes.some((prefix) => path.startsWith(prefix));
  }
}

/** An exempt path as stored: no leading "/" or "/v1/" (Vault's defaults were once written with it). */
export function normaliseExemptPath(path: string): string {
  return path.trim().replace(/^\/+/, '').replace(/^v1\//, '');
}

/** "team-a/prod/" → "team-a/"; "team-a/" → "". */
function parentNamespace(path: string): string {
  const cut = path.slice(0, -1).lastIndexOf('/');
  return cut < 0 ? '' : path.slice(0, cut + 1);
}
