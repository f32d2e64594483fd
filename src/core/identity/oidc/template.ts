import { parseDurationSeconds } from '../../../framework/duration.js';
import type { TemplateContext } from '../../policy/template.js';
import { RESERVED_CLAIMS } from './model.js';

// A role's claims template (Vault's identitytpl in JSON mode): JSON text whose `{{ ... }}`
// directives are replaced by JSON values of the caller's entity, so
// `{"groups": {{identity.entity.groups.names}}}` becomes `{"groups": ["web","ops"]}`. Directives
// as Vault's docs list them (Identity tokens, "Template parameters"); a value the entity lacks
// (metadata, an alias) renders as "" or {}, as there.

/** A template that cannot be rendered; the message is Vault's. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** What a template is rendered from: the entity, and every group it belongs to (parents included). */
export type ClaimsContext = Pick<TemplateContext, 'entity' | 'groups'>;

/** The context a template is checked against when a role is written (Vault: an empty entity, no groups). */
export const EMPTY_CONTEXT: ClaimsContext = { entity: { id: '', name: '', metadata: {}, aliases: [] }, groups: [] };

const notFound = () => new TemplateError('no value could be found for one of the template directives');
const json = (value: unknown) => JSON.stringify(value);

/** Renders the template's directives (PopulateString in JSON mode); `now` in ms for time.now. */
export function populateTemplate(template: string, context: ClaimsContext, now: number): string {
  if (template === '') return '';
  const [head = '', ...pieces] = template.split('{{');
  if (head.includes('}}')) throw new TemplateError('unbalanced templating characters');
  let out = head;
  for (const piece of pieces) {
    const parts = piece.split('}}');
    if (parts.length !== 2) throw new TemplateError('unbalanced templating characters');
    out += directive(parts[0]!.trim(), context, now) + parts[1];
  }
  return out;
}

/**
 * The claims a template adds to a token: its rendered top-level keys, never one of the reserved
 * claims. Throws a TemplateError when it cannot be rendered or is not a JSON object.
 */
export function templateClaims(template: string, context: ClaimsContext, now: number): Record<string, unknown> {
  const populated = populateTemplate(template, context, now);
  if (populated === '') return {};
  const parsed = parseObject(populated);
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(parsed)) if (!isReserved(name)) claims[name] = value;
  return claims;
}

/** Checks a template as Vault does when a role is written; the message is the 400 to answer. */
export function checkTemplate(template: string): string | undefined {
  if (template === '') return undefined;
  let populated: string;
  try {
    populated = populateTemplate(template, EMPTY_CONTEXT, Date.now());
  } catch (err) {
    return `error parsing template: ${(err as Error).message}`;
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = parseObject(populated);
  } catch (err) {
    return `error parsing template JSON: ${(err as Error).message}`;
  }
  const reserved = Object.keys(parsed).find(isReserved);
  return reserved === undefined ? undefined : `top level key "${reserved}" not allowed. Restricted keys: ${RESERVED_CLAIMS.join(', ')}`;
}

/** Vault's role template may be sent as base64 (standard alphabet, padded); it is stored decoded. */
export function decodeTemplate(raw: string): string {
  const compact = raw.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return raw;
  return Buffer.from(compact, 'base64').toString('utf8');
}

const isReserved = (name: string) => (RESERVED_CLAIMS as readonly string[]).includes(name);

function parseObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TemplateError((err as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TemplateError('the template must be a JSON object');
  return parsed as Record<string, unknown>;
}

function directive(input: string, context: ClaimsContext, now: number): string {
  if (input.startsWith('identity.entity.')) return entityValue(input.slice('identity.entity.'.length), context);
  if (input.startsWith('identity.groups.')) return groupValue(input.slice('identity.groups.'.length), context);
  if (input.startsWith('time.')) return timeValue(input.slice('time.'.length), now);
  throw notFound();
}

/** `key` of a string map as JSON: its value, or "" when it has none. */
const mapValue = (map: Record<string, string>, key: string) => json(Object.hasOwn(map, key) ? map[key] : '');

function entityValue(selector: string, { entity, groups }: ClaimsContext): string {
  if (selector === 'id') return json(entity.id);
  if (selector === 'name') return json(entity.name);
  if (selector === 'metadata') return json(entity.metadata);
  if (selector.startsWith('metadata.')) return mapValue(entity.metadata, selector.slice('metadata.'.length));
  if (selector === 'groups.names') return json(groups.map((g) => g.name));
  if (selector === 'groups.ids') return json(groups.map((g) => g.id));
  if (selector.startsWith('aliases.')) {
    const rest = selector.slice('aliases.'.length);
    const dot = rest.indexOf('.');
    if (dot < 0) throw new TemplateError('invalid alias selector');
    const accessor = rest.slice(0, dot);
    // An alias the entity lacks renders as an empty one (JSON mode), so a claim is "" or {}.
    const alias = entity.aliases.find((a) => a.mountAccessor === accessor) ?? { id: '', name: '', metadata: {}, customMetadata: {} };
    const field = rest.slice(dot + 1);
    const custom = alias.customMetadata ?? {};
    if (field === 'id') return json(alias.id);
    if (field === 'name') return json(alias.name);
    if (field === 'metadata') return json(alias.metadata);
    if (field.startsWith('metadata.')) return mapValue(alias.metadata, field.slice('metadata.'.length));
    if (field === 'custom_metadata') return json(custom);
    if (field.startsWith('custom_metadata.')) return mapValue(custom, field.slice('custom_metadata.'.length));
  }
  throw notFound();
}

/** identity.groups.{ids.<id>,names.<name>}.{id,name,metadata.<key>}: Vault refuses them without groups, so a role's check always does. */
function groupValue(selector: string, { groups }: ClaimsContext): string {
  if (groups.length === 0) throw new TemplateError('string contains groups template directives but no groups were provided');
  const [by, rest = ''] = splitOnce(selector);
  if (rest === '' || (by !== 'ids' && by !== 'names')) throw new TemplateError('invalid groups selector');
  const [key, attribute = ''] = splitOnce(rest);
  if (attribute === '') throw new TemplateError('invalid groups accessor');
  const group = groups.find((g) => (by === 'ids' ? g.id : g.name) === key);
  if (!group) throw new TemplateError(`entity is not a member of group "${key}"`);
  if (attribute === 'id') return json(group.id);
  if (attribute === 'name') return json(group.name);
  if (attribute.startsWith('metadata.') && Object.hasOwn(group.metadata, attribute.slice('metadata.'.length))) {
    return json(group.metadata[attribute.slice('metadata.'.length)]);
  }
  throw notFound();
}

/** time.now, time.now.plus.<duration>, time.now.minus.<duration>: seconds since the epoch. */
function timeValue(selector: string, now: number): string {
  const [base, rest] = splitOnce(selector);
  if (base !== 'now') throw new TemplateError(`invalid time selector "${base}"`);
  const seconds = Math.floor(now / 1000);
  if (rest === undefined) return String(seconds);
  const [operator, operand] = splitOnce(rest);
  if (operand === undefined) throw new TemplateError('missing time operand');
  const duration = parseDurationSeconds(operand);
  if (duration === undefined) throw new TemplateError(`invalid duration: ${JSON.stringify(operand)}`);
  if (operator === 'plus') return String(seconds + duration);
  if (operator === 'minus') return String(seconds - duration);
  throw new TemplateError(`invalid time operator "${operator}"`);
}

function splitOnce(text: string): [string, string | undefined] {
  const dot = text.indexOf('.');
  return dot < 0 ? [text, undefined] : [text.slice(0, dot), text.slice(dot + 1)];
}
