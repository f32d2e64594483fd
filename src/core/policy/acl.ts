import type { Operation } from '../../framework/types.js';
import type { Capability, ParameterValues, PathRule, Policy } from './parse.js';

/** What the ACL decided for one request. */
export interface AclResult {
  allowed: boolean;
  /** The chosen rule grants sudo (needed on sudo-protected paths); true for root. */
  sudo: boolean;
  /** The chosen rule's capabilities, sorted; ["root"] for root, [] when no rule matched. */
  capabilities: string[];
  /** Wrapping bounds of the chosen rule in seconds; either one makes wrapping mandatory (as in Vault). */
  minWrappingTtl?: number;
  maxWrappingTtl?: number;
  /** Why the request was refused, for logs and audit; the client only ever sees "permission denied". */
  deniedReason?: string;
}

/** Request facts beyond path, operation and data that the ACL may need. */
export interface AclRequest {
  /**
   * The wrap TTL the client asked for, in seconds, or undefined when the response is not wrapped.
   * When this object is passed, min/max_wrapping_ttl are enforced here; without it they are only
   * reported in the result for the caller to enforce.
   */
  wrapTtl?: number | undefined;
}

/** The merged permissions of every stanza, across policies, that names the same pattern. */
interface Permissions {
  capabilities: Set<Capability>;
  allowed?: ParameterValues;
  denied?: ParameterValues;
  required: string[];
  minWrappingTtl: number;
  maxWrappingTtl: number;
}

/** A non-exact candidate for a path, with the facts Vault's priority order looks at. */
interface Candidate {
  /** Pattern without its trailing "*". */
  stem: string;
  firstWildcard: number;
  isPrefix: boolean;
  wildcards: number;
  perms: Permissions;
}

// Capabilities an operation needs: Vault maps each logical operation to its namesake.
const NEEDED: Record<Operation, Capability> = {
  read: 'read',
  create: 'create',
  update: 'update',
  delete: 'delete',
  list: 'list',
  patch: 'patch',
};
// Vault checks request parameters on the operations that carry them (read included: query strings).
const PARAMETER_CHECKED = new Set<Operation>(['read', 'create', 'update', 'patch']);

/** Vault's segment-wildcard test: "+" alone, a "+" segment after a slash, or a leading "+/". */
export function hasSegmentWildcard(pattern: string): boolean {
  return pattern === '+' || pattern.includes('/+') || pattern.startsWith('+/');
}

/**
 * An access-control list compiled from policies, answering Vault's questions: may this token do
 * this operation on this path (allowOperation), and what may it do there (capabilities).
 */
export class ACL {
  private readonly root: boolean;
  private readonly exact = new Map<string, Permissions>();
  /** Keyed by the prefix ("secret/" for "secret/*"). */
  private readonly prefixes = new Map<string, Permissions>();
  /** Keyed by the full pattern, trailing "*" included. */
  private readonly segmentWildcards = new Map<string, Permissions>();

  constructor(policies: Policy[]) {
    this.root = policies.some((policy) => policy.name === 'root');
    for (const policy of policies) {
      for (const rule of policy.rules) {
        if (rule.templated) continue;
        const [table, key] = this.tableFor(rule.pattern);
        const existing = table.get(key);
        table.set(key, existing ? merge(existing, rule) : fromRule(rule));
      }
    }
  }

  /** Whether `operation` on `path` (no leading slash needed) with request `data` is allowed. */
  allowOperation(path: string, operation: Operation, data: Record<string, unknown> = {}, request?: AclRequest): AclResult {
    if (this.root) return { allowed: true, sudo: true, capabilities: ['root'] };
    const perms = this.lookup(trimLeadingSlashes(path), operation);
    if (!perms) return { allowed: false, sudo: false, capabilities: [], deniedReason: 'no policy grants access to this path' };

    const result: AclResult = { allowed: false, sudo: perms.capabilities.has('sudo'), capabilities: sorted(perms.capabilities) };
    if (perms.minWrappingTtl) result.minWrappingTtl = perms.minWrappingTtl;
    if (perms.maxWrappingTtl) result.maxWrappingTtl = perms.maxWrappingTtl;
    const refuse = (why: string) => ({ ...result, deniedReason: why });

    if (perms.capabilities.has('deny')) return refuse('explicitly denied by policy');
    const needed = NEEDED[operation];
    if (!perms.capabilities.has(needed)) return refuse(`the "${needed}" capability is not granted`);
    if (request) {
      const why = wrappingViolation(result, request.wrapTtl);
      if (why) return refuse(why);
    }
    if (PARAMETER_CHECKED.has(operation)) {
      const why = parameterViolation(perms, data);
      if (why) return refuse(why);
    }
    return { ...result, allowed: true };
  }

  /** Vault's sys/capabilities answer for a path: sorted capabilities, ["deny"] when none, ["root"] for root. */
  capabilities(path: string): string[] {
    if (this.root) return ['root'];
    // Vault asks as a list operation, so a trailing slash falls back like a LIST does.
    const perms = this.lookup(trimLeadingSlashes(path), 'list');
    if (!perms || perms.capabilities.size === 0 || perms.capabilities.has('deny')) return ['deny'];
    return sorted(perms.capabilities);
  }

  /**
   * Whether any rule grants something at or under a mount path ("secret/"), as Vault's
   * hasMountAccess decides for sys/internal/ui/mounts: the path itself, an exact or glob rule
   * below it, or a "+" pattern whose leading segments fit the mount.
   */
  hasAnyCapabilityUnder(mountPath: string): boolean {
    if (this.root) return true;
    const path = trimLeadingSlashes(mountPath);
    if (!this.capabilities(path).includes('deny')) return true;
    for (const [key, perms] of [...this.exact, ...this.prefixes]) {
      if (key.startsWith(path) && grantsSomething(perms)) return true;
    }
    const mountSegments = path.split('/').slice(0, -1);
    for (const [pattern, perms] of this.segmentWildcards) {
      if (grantsSomething(perms) && fitsMount(pattern, mountSegments)) return true;
    }
    return false;
  }

  /** True when the ACL comes from the root policy. */
  get isRoot(): boolean {
    return this.root;
  }

  private tableFor(pattern: string): [Map<string, Permissions>, string] {
    if (hasSegmentWildcard(pattern)) return [this.segmentWildcards, pattern];
    if (pattern.endsWith('*')) return [this.prefixes, pattern.slice(0, -1)];
    return [this.exact, pattern];
  }

  /** The permissions of the rule that governs path: exact first, then Vault's priority among globs and wildcards. */
  private lookup(path: string, operation: Operation): Permissions | undefined {
    const exact = this.exact.get(path);
    if (exact) return exact;
    const isList = operation === 'list';
    const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
    if (isList) {
      const exactTrimmed = this.exact.get(trimmed);
      if (exactTrimmed) return exactTrimmed;
      // A LIST on "foo/" is also governed by rules written for "foo" (Vault: VAULT-3825).
      if (trimmed !== path) {
        const found = this.nonExact(trimmed);
        if (found) return found;
      }
    }
    return this.nonExact(path);
  }

  private nonExact(path: string): Permissions | undefined {
    const candidates: Candidate[] = [];
    const prefix = this.longestPrefix(path);
    if (prefix !== undefined) {
      const perms = this.prefixes.get(prefix)!;
      if (this.segmentWildcards.size === 0) return perms;
      candidates.push({ stem: prefix, firstWildcard: prefix.length, isPrefix: true, wildcards: 0, perms });
    }
    const parts = path.split('/');
    for (const [pattern, perms] of this.segmentWildcards) {
      const candidate = matchSegmentPattern(pattern, parts);
      if (candidate) candidates.push({ ...candidate, perms });
    }
    let best: Candidate | undefined;
    for (const candidate of candidates) if (!best || outranks(candidate, best)) best = candidate;
    return best?.perms;
  }

  private longestPrefix(path: string): string | undefined {
    let best: string | undefined;
    for (const prefix of this.prefixes.keys()) {
      if (path.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
    }
    return best;
  }
}

/** Matches a "+" pattern (optionally ending in "*") against a path split on "/"; undefined when it does not match. */
function matchSegmentPattern(pattern: string, parts: string[]): Omit<Candidate, 'perms'> | undefined {
  const isPrefix = pattern.endsWith('*');
  const stem = isPrefix ? pattern.slice(0, -1) : pattern;
  const segments = stem.split('/');
  if (parts.length < segments.length) return undefined;
  if (!isPrefix && parts.length !== segments.length) return undefined;
  let wildcards = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const part = parts[i]!;
    if (segment === '+') wildcards++;
    else if (segment === part) continue;
    else if (isPrefix && i === segments.length - 1 && part.startsWith(segment)) continue;
    else return undefined;
  }
  return { stem, firstWildcard: pattern.indexOf('+'), isPrefix, wildcards };
}

/** Whether a "+" pattern's leading segments fit a mount's segments (its last one may be a glob prefix). */
function fitsMount(pattern: string, mountSegments: string[]): boolean {
  const isPrefix = pattern.endsWith('*');
  const segments = (isPrefix ? pattern.slice(0, -1) : pattern).split('/');
  if (mountSegments.length === 0 || segments.length < mountSegments.length) return false;
  return mountSegments.every((part, i) => {
    const segment = segments[i]!;
    if (segment === '+' || segment === part) return true;
    return isPrefix && i === segments.length - 1 && part.startsWith(segment);
  });
}

function grantsSomething(perms: Permissions): boolean {
  return perms.capabilities.size > 0 && !perms.capabilities.has('deny');
}

/**
 * Vault's priority among matching globs and "+" patterns (vault/acl.go): a later first wildcard
 * wins; then not ending in "*" beats ending in "*"; then fewer "+" segments; then longer; then
 * the lexicographically greater pattern.
 */
export function outranks(a: Pick<Candidate, 'stem' | 'firstWildcard' | 'isPrefix' | 'wildcards'>, b: typeof a): boolean {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard > b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return !a.isPrefix;
  if (a.wildcards !== b.wildcards) return a.wildcards < b.wildcards;
  if (a.stem.length !== b.stem.length) return a.stem.length > b.stem.length;
  return a.stem > b.stem;
}

function fromRule(rule: PathRule): Permissions {
  return {
    capabilities: new Set(rule.capabilities),
    allowed: rule.allowedParameters && cloneParameters(rule.allowedParameters),
    denied: rule.deniedParameters && cloneParameters(rule.deniedParameters),
    required: [...(rule.requiredParameters ?? [])],
    minWrappingTtl: rule.minWrappingTtl ?? 0,
    maxWrappingTtl: rule.maxWrappingTtl ?? 0,
  };
}

/** Vault's merge of a stanza into the permissions already collected for the same pattern. */
function merge(existing: Permissions, rule: PathRule): Permissions {
  if (existing.capabilities.has('deny')) return existing;
  if (rule.capabilities.includes('deny')) return { ...existing, capabilities: new Set(['deny']), allowed: undefined, denied: undefined };
  const merged: Permissions = {
    capabilities: new Set([...existing.capabilities, ...rule.capabilities]),
    allowed: mergeParameters(existing.allowed, rule.allowedParameters),
    denied: mergeParameters(existing.denied, rule.deniedParameters),
    required: [...new Set([...existing.required, ...(rule.requiredParameters ?? [])])],
    // Vault prefers the shorter lifetime for both bounds.
    minWrappingTtl: smallerBound(existing.minWrappingTtl, rule.minWrappingTtl ?? 0),
    maxWrappingTtl: smallerBound(existing.maxWrappingTtl, rule.maxWrappingTtl ?? 0),
  };
  return merged;
}

function smallerBound(a: number, b: number): number {
  if (!a) return b;
  if (!b) return a;
  return Math.min(a, b);
}

/** Values for the same parameter are appended; an empty list ("any value") absorbs everything. */
function mergeParameters(existing: ParameterValues | undefined, added: ParameterValues | undefined): ParameterValues | undefined {
  if (!added || Object.keys(added).length === 0) return existing;
  if (!existing) return cloneParameters(added);
  const merged = cloneParameters(existing);
  for (const [name, values] of Object.entries(added)) {
    const current = merged[name];
    merged[name] = values.length === 0 || current?.length === 0 ? [] : [...values, ...(current ?? [])];
  }
  return merged;
}

function cloneParameters(params: ParameterValues): ParameterValues {
  return Object.fromEntries(Object.entries(params).map(([name, values]) => [name, [...values]]));
}

/** Why a requested wrap TTL breaks the bounds, or undefined when it fits. Exported for the pipeline. */
export function wrappingViolation(bounds: Pick<AclResult, 'minWrappingTtl' | 'maxWrappingTtl'>, wrapTtl: number | undefined): string | undefined {
  const { minWrappingTtl: min, maxWrappingTtl: max } = bounds;
  if (!min && !max) return undefined;
  if (wrapTtl === undefined) return 'this path requires the response to be wrapped';
  if (max && wrapTtl > max) return `wrap TTL ${wrapTtl}s is above this path's max_wrapping_ttl (${max}s)`;
  if (min && wrapTtl < min) return `wrap TTL ${wrapTtl}s is below this path's min_wrapping_ttl (${min}s)`;
  return undefined;
}

function parameterViolation(perms: Permissions, data: Record<string, unknown>): string | undefined {
  for (const name of perms.required) {
    if (!Object.hasOwn(data, name.toLowerCase())) return `required parameter "${name}" is missing`;
  }
  const entries = Object.entries(data);
  if (entries.length === 0) return undefined;

  const denied = perms.denied ?? {};
  if (Object.keys(denied).length > 0) {
    if (Object.hasOwn(denied, '*')) return 'all parameters are denied on this path';
    for (const [name, value] of entries) {
      const list = denied[name.toLowerCase()];
      if (list && valueInDeniedList(value, list)) return `parameter "${name}" is denied`;
    }
  }

  const allowed = perms.allowed ?? {};
  const allowedKeys = Object.keys(allowed);
  const allowsAny = Object.hasOwn(allowed, '*');
  if (allowedKeys.length === 0 || (allowedKeys.length === 1 && allowsAny)) return undefined;
  for (const [name, value] of entries) {
    const list = Object.hasOwn(allowed, name.toLowerCase()) ? allowed[name.toLowerCase()] : undefined;
    if (!list && !allowsAny) return `parameter "${name}" is not allowed`;
    if (list && !valueInAllowedList(value, list)) return `value of parameter "${name}" is not allowed`;
  }
  return undefined;
}

function valueInAllowedList(value: unknown, list: unknown[]): boolean {
  if (list.length === 0 || valueInList(value, list)) return true;
  // Vault also accepts a list, or a comma-separated string, whose every element is allowed.
  const elements = elementsOf(value);
  return elements !== undefined && elements.every((element) => valueInList(element, list));
}

function valueInDeniedList(value: unknown, list: unknown[]): boolean {
  if (list.length === 0 || valueInList(value, list)) return true;
  // ...and denies a list, or a comma-separated string, with any element denied.
  const elements = elementsOf(value);
  return elements !== undefined && elements.some((element) => valueInList(element, list));
}

/**
 * A list's elements, or a string's comma-separated parts (trimmed), as Vault reads a value that may be
 * a comma-separated string field. As in Vault, "" has no parts, so it passes any allowed list.
 */
function elementsOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return value === '' ? [] : value.split(',').map((part) => part.trim());
  return undefined;
}

function valueInList(value: unknown, list: unknown[]): boolean {
  return list.some((element) => {
    if (element === null || element === undefined || value === null || value === undefined) return element === value;
    if (typeof element === 'string') return typeof value === 'string' && globMatch(element, value);
    return deepEqual(element, value);
  });
}

/** Vault's GlobbedStringsMatch: a leading and/or trailing "*"; a lone "*" matches only itself. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern.length < 2) return pattern === value;
  const leading = pattern.startsWith('*');
  const trailing = pattern.endsWith('*');
  if (leading && trailing) return value.includes(pattern.slice(1, -1));
  if (leading) return value.endsWith(pattern.slice(1));
  if (trailing) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function sorted(capabilities: Set<Capability>): string[] {
  return [...capabilities].sort();
}

function trimLeadingSlashes(path: string): string {
  return path.replace(/^\/+/, '');
}
