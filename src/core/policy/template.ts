import type { PathRule, Policy } from './parse.js';

/** What a policy template may name: the caller's entity, its aliases and its groups. */
export interface TemplateContext {
  entity: {
    id: string;
    name: string;
    metadata: Record<string, string>;
    aliases: {
      id: string;
      mountAccessor: string;
      name: string;
      /** Set by the auth method at login. */
      metadata: Record<string, string>;
      /** Set by operators (identity/entity-alias custom_metadata). */
      customMetadata?: Record<string, string>;
    }[];
  };
  groups: { id: string; name: string; metadata: Record<string, string> }[];
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * Renders a templated path pattern (Vault's ACL templating): `{{identity.entity.id}}`,
 * `{{identity.entity.name}}`, `{{identity.entity.metadata.<key>}}`,
 * `{{identity.entity.aliases.<mount accessor>.{id,name,metadata.<key>,custom_metadata.<key>}}}`,
 * `{{identity.groups.ids.<id>.{name,metadata.<key>}}}` and
 * `{{identity.groups.names.<name>.{id,metadata.<key>}}}`.
 * Undefined when any placeholder cannot be resolved: such a rule matches nothing.
 *
 * Beyond Vault: a value that is empty, holds a glob character (`*`, `+`), a `{` or `}`, or a
 * `.`/`..` segment also leaves the rule unresolved, and so does a rendered pattern that gained a
 * `.`/`..` segment (two values side by side, or a value next to a literal dot). Alias metadata can
 * come from a JWT claim the user controls; it must never widen a path.
 */
export function renderPattern(pattern: string, context: TemplateContext | undefined): string | undefined {
  if (!context) return undefined;
  let unresolved = false;
  const rendered = pattern.replace(PLACEHOLDER, (_whole, expression: string) => {
    const value = resolve(expression, context);
    if (value === undefined || !safeValue(value)) unresolved = true;
    return value ?? '';
  });
  if (unresolved || rendered.includes('{{')) return undefined;
  return dotSegments(rendered) > dotSegments(pattern) ? undefined : rendered;
}

/** The policy with its templated rules rendered for one caller; rules that cannot be resolved are dropped. */
export function renderPolicy(policy: Policy, context: TemplateContext | undefined): Policy {
  const rules: PathRule[] = [];
  for (const rule of policy.rules) {
    if (!rule.templated) {
      rules.push(rule);
      continue;
    }
    const pattern = renderPattern(rule.pattern, context);
    if (pattern !== undefined) rules.push({ ...rule, pattern, templated: false });
  }
  return { ...policy, rules };
}

export function isTemplated(policy: Policy): boolean {
  return policy.rules.some((rule) => rule.templated);
}

function resolve(expression: string, { entity, groups }: TemplateContext): string | undefined {
  const parts = expression.split('.');
  if (parts[0] !== 'identity') return undefined;
  if (parts[1] === 'entity') {
    const rest = parts.slice(2);
    if (rest.length === 1 && rest[0] === 'id') return entity.id;
    if (rest.length === 1 && rest[0] === 'name') return entity.name;
    if (rest[0] === 'metadata' && rest.length >= 2) return own(entity.metadata, rest.slice(1).join('.'));
    if (rest[0] === 'aliases' && rest.length >= 3) {
      const alias = entity.aliases.find((a) => a.mountAccessor === rest[1]);
      if (!alias) return undefined;
      if (rest.length === 3 && rest[2] === 'id') return alias.id;
      if (rest.length === 3 && rest[2] === 'name') return alias.name;
      if (rest[2] === 'metadata' && rest.length >= 4) return own(alias.metadata, rest.slice(3).join('.'));
      if (rest[2] === 'custom_metadata' && rest.length >= 4) return own(alias.customMetadata ?? {}, rest.slice(3).join('.'));
    }
    return undefined;
  }
  if (parts[1] === 'groups' && parts.length >= 5) {
    const [, , by, key, attribute, ...more] = parts;
    const group = by === 'ids' ? groups.find((g) => g.id === key) : by === 'names' ? groups.find((g) => g.name === key) : undefined;
    if (!group) return undefined;
    if (more.length === 0 && attribute === 'id' && by === 'names') return group.id;
    if (more.length === 0 && attribute === 'name' && by === 'ids') return group.name;
    if (attribute === 'metadata' && more.length >= 1) return own(group.metadata, more.join('.'));
  }
  return undefined;
}

function own(map: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

function safeValue(value: string): boolean {
  if (value === '' || /[*+{}]/.test(value)) return false;
  return dotSegments(value) === 0;
}

/** How many `.` or `..` segments a path holds (each would climb or stay where a name belongs). */
function dotSegments(path: string): number {
  return path.split('/').filter((segment) => segment === '.' || segment === '..').length;
}
