import { parse as parseHcl } from '@cdktf/hcl2json';
import { invalidRequest } from '../../framework/errors.js';
import { parseDurationSeconds } from '../../framework/duration.js';
import { normalizeHcl1 } from './hcl1.js';

/** The capabilities a path rule may grant (https://developer.hashicorp.com/vault/docs/concepts/policies#capabilities). */
export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny';
export const CAPABILITIES: readonly Capability[] = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny'];

/** Allowed or denied values per (lowercased) parameter name; an empty list means "any value". */
export type ParameterValues = Record<string, unknown[]>;

/** One `path "<pattern>" { ... }` stanza, validated. */
export interface PathRule {
  /** The pattern as written, without a leading "/". */
  pattern: string;
  /** Granted capabilities; exactly ["deny"] when the stanza denies. */
  capabilities: Capability[];
  allowedParameters?: ParameterValues;
  deniedParameters?: ParameterValues;
  requiredParameters?: string[];
  /** Seconds; 0 or absent means no bound. */
  minWrappingTtl?: number;
  maxWrappingTtl?: number;
  /**
   * The pattern holds an identity template ("{{identity.entity.id}}"). The ACL renders it per caller
   * (policy/template.ts); an unrendered or unresolvable rule grants nothing.
   */
  templated?: boolean;
}

/** A parsed ACL policy: its name, the text it came from, and its rules (order carries no meaning: merging is commutative). */
export interface Policy {
  name: string;
  raw: string;
  rules: PathRule[];
}

// Vault's pre-0.5 shorthand, still accepted by Vault: policy = "read|write|sudo|deny".
const LEGACY_POLICY: Record<string, Capability[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

const TOP_LEVEL_KEYS = new Set(['name', 'path']);
const RULE_KEYS = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
]);
// Enterprise features: accepting and ignoring them would grant access their author meant to gate.
const UNSUPPORTED_RULE_KEYS = new Set(['mfa_methods', 'control_group']);

type Json = Record<string, unknown>;

/**
 * Parses a Vault ACL policy written in HCL or as a JSON document. Any problem (syntax, unknown key,
 * invalid capability, bad duration, min_wrapping_ttl above max_wrapping_ttl) is a 400 whose message
 * starts with "failed to parse policy:" and names the line where it can.
 */
export async function parsePolicy(name: string, text: string): Promise<Policy> {
  const document = await decode(text);
  const fail = (why: string): never => {
    throw invalidRequest(`failed to parse policy: ${why}`);
  };
  for (const key of Object.keys(document)) {
    if (!TOP_LEVEL_KEYS.has(key)) fail(`invalid key "${key}"${lineHint(text, key)}`);
  }
  const rules: PathRule[] = [];
  for (const [pattern, body] of pathStanzas(document.path, fail)) {
    try {
      rules.push(readRule(pattern, body));
    } catch (err) {
      if (err instanceof RuleError) fail(`path "${pattern}"${lineHint(text, `"${pattern}"`)}: ${err.message}`);
      throw err;
    }
  }
  return { name, raw: text, rules };
}

/** JSON documents are recognised by their opening brace (an HCL file cannot start with one). */
async function decode(text: string): Promise<Json> {
  if (text.trimStart().startsWith('{')) {
    try {
      return asObject(JSON.parse(text), 'the JSON document');
    } catch (err) {
      if (err instanceof RuleError) throw invalidRequest(`failed to parse policy: ${err.message}`);
      throw invalidRequest(`failed to parse policy: invalid JSON: ${(err as Error).message}`);
    }
  }
  try {
    return (await parseHcl('policy.hcl', text)) as Json;
  } catch (original) {
    // Vault reads policies with HCL 1, which is looser than HCL 2 about braces and newlines; retry
    // with the HCL 1 layout rewritten, but report the error against the text the user wrote.
    const rewritten = normalizeHcl1(text);
    if (rewritten !== text) {
      try {
        return (await parseHcl('policy.hcl', rewritten)) as Json;
      } catch {
        // fall through to the original error
      }
    }
    throw invalidRequest(`failed to parse policy: ${describeHclError(original)}`);
  }
}

/** "parse config: [policy.hcl:1,35-36: Missing item separator; Expected ...]" -> "line 1, column 35: Missing ...". */
function describeHclError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const inner = message.replace(/^parse config: \[/, '').replace(/\]$/, '');
  return inner.replace(/policy\.hcl:(\d+),(\d+)(?:-\d+(?:,\d+)?)?: /g, 'line $1, column $2: ');
}

/** " (line N)" for the first occurrence of needle in the text, when there is one. */
function lineHint(text: string, needle: string): string {
  const at = text.indexOf(needle);
  if (at < 0) return '';
  return ` (line ${text.slice(0, at).split('\n').length})`;
}

/**
 * The path stanzas. HCL gives {pattern: [body, ...]} (a pattern written twice has
 * two bodies); JSON documents may also give {pattern: body} or a list of such objects.
 */
function pathStanzas(paths: unknown, fail: (why: string) => never): Array<[string, Json]> {
  if (paths === undefined) return [];
  const stanzas: Array<[string, Json]> = [];
  const groups = Array.isArray(paths) ? paths : [paths];
  for (const group of groups) {
    if (!isObject(group)) fail('a "path" stanza needs a pattern: path "<pattern>" { ... }');
    for (const [pattern, bodies] of Object.entries(group as Json)) {
      for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
        if (isObject(body)) stanzas.push([pattern, body]);
        // An unlabeled `path { capabilities = [...] }` arrives as a list of bodies.
        else if (RULE_KEYS.has(pattern)) fail('a "path" stanza needs a pattern: path "<pattern>" { ... }');
        else fail(`path "${pattern}": a path stanza takes exactly one pattern and a body`);
      }
    }
  }
  return stanzas;
}

/** A problem inside one path stanza; parsePolicy prefixes it with the stanza. */
class RuleError extends Error {}

function readRule(written: string, body: Json): PathRule {
  const pattern = written.startsWith('/') ? written.slice(1) : written;
  if (pattern.includes('+*')) throw new RuleError("invalid use of wildcards ('+*' is forbidden)");
  for (const key of Object.keys(body)) {
    if (UNSUPPORTED_RULE_KEYS.has(key)) throw new RuleError(`"${key}" is not supported by Coffer`);
    if (RULE_KEYS.has(key)) continue;
    const value = body[key];
    if (Array.isArray(value) && value.length > 0 && value.every(isObject)) throw new RuleError(`a path stanza takes exactly one pattern (found a second label "${key}")`);
    throw new RuleError(`invalid key "${key}"`);
  }

  const capabilities = readCapabilities(body);
  const rule: PathRule = { pattern, capabilities };
  if (pattern.includes('{{')) rule.templated = true;
  // A denying stanza grants nothing, so Vault ignores the rest of it.
  if (capabilities.includes('deny')) {
    rule.capabilities = ['deny'];
    return rule;
  }

  if (body.allowed_parameters !== undefined) rule.allowedParameters = readParameters(body.allowed_parameters, 'allowed_parameters');
  if (body.denied_parameters !== undefined) rule.deniedParameters = readParameters(body.denied_parameters, 'denied_parameters');
  if (body.required_parameters !== undefined) rule.requiredParameters = readRequired(body.required_parameters);
  const min = readDuration(body.min_wrapping_ttl, 'min_wrapping_ttl');
  const max = readDuration(body.max_wrapping_ttl, 'max_wrapping_ttl');
  if (min) rule.minWrappingTtl = min;
  if (max) rule.maxWrappingTtl = max;
  if (min && max && max < min) throw new RuleError('max_wrapping_ttl cannot be less than min_wrapping_ttl');
  return rule;
}

function readCapabilities(body: Json): Capability[] {
  const granted = new Set<Capability>();
  if (body.capabilities !== undefined) {
    if (!Array.isArray(body.capabilities)) throw new RuleError('"capabilities" must be a list of strings');
    for (const cap of body.capabilities) {
      if (typeof cap !== 'string' || !(CAPABILITIES as readonly string[]).includes(cap)) {
        throw new RuleError(`invalid capability ${JSON.stringify(cap)}`);
      }
      granted.add(cap as Capability);
    }
  }
  if (body.policy !== undefined) {
    const legacy = typeof body.policy === 'string' ? LEGACY_POLICY[body.policy] : undefined;
    if (!legacy) throw new RuleError(`invalid policy ${JSON.stringify(body.policy)}`);
    for (const cap of legacy) granted.add(cap);
  }
  return CAPABILITIES.filter((cap) => granted.has(cap));
}

function readParameters(value: unknown, key: string): ParameterValues {
  // HCL's nested-block form ("allowed_parameters { ... }") arrives as a list of maps.
  const maps = Array.isArray(value) ? value : [value];
  const result: ParameterValues = {};
  for (const map of maps) {
    if (!isObject(map)) throw new RuleError(`${key} must be a map of parameter names to lists of values`);
    for (const [name, values] of Object.entries(map as Json)) {
      // Vault takes "*" as the only wildcard key (its JSON-pointer keys are not supported here).
      if (name.includes('*') && name !== '*') throw new RuleError(`${key}: parameter key "${name}" cannot contain non-tail wildcards`);
      const list = Array.isArray(values) ? values : [values];
      result[name.toLowerCase()] = [...(result[name.toLowerCase()] ?? []), ...list];
    }
  }
  return result;
}

function readRequired(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new RuleError('required_parameters must be a list of strings');
  }
  const bad = value.find((v) => v.includes('*'));
  if (bad !== undefined) throw new RuleError(`required_parameters: parameter key "${bad}": wildcard is not permitted here`);
  return [...value];
}

function readDuration(value: unknown, key: string): number {
  if (value === undefined) return 0;
  const seconds = typeof value === 'number' || typeof value === 'string' ? parseDurationSeconds(value) : undefined;
  if (seconds === undefined) throw new RuleError(`error parsing ${key}: invalid duration ${JSON.stringify(value)}`);
  return seconds;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown, what: string): Json {
  if (!isObject(value)) throw new RuleError(`${what} must be an object`);
  return value;
}
