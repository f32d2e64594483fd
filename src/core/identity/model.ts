import { invalidRequest } from '../../framework/errors.js';
import { ROOT_POLICY } from '../../framework/policy-names.js';
import type { JsonOp } from '../../framework/types.js';
import type { MountEntry } from '../mounts.js';

// The identity model: what entities, aliases and groups are, and where they live in storage.

/** An identity entity: one person or machine, whatever methods it logs in with (Vault's identity/entity). */
export interface Entity {
  id: string;
  name: string;
  metadata: Record<string, string>;
  policies: string[];
  disabled: boolean;
  /** Unix ms. */
  creationTime: number;
  lastUpdateTime: number;
}

/** How an entity is known to one auth mount (Vault's identity/entity-alias). */
export interface Alias {
  id: string;
  /** The entity it belongs to. */
  canonicalId: string;
  mountAccessor: string;
  name: string;
  /** Set by the auth method at each login (claim mappings, role name...). */
  metadata: Record<string, string>;
  /** Set by operators through identity/entity-alias. */
  customMetadata: Record<string, string>;
  creationTime: number;
  lastUpdateTime: number;
}

/** A group of entities and groups, whose policies its members get (Vault's internal groups). */
export interface Group {
  id: string;
  name: string;
  policies: string[];
  metadata: Record<string, string>;
  memberEntityIds: string[];
  memberGroupIds: string[];
  creationTime: number;
  lastUpdateTime: number;
}

export interface EntityInput {
  name?: string;
  metadata?: Record<string, string>;
  policies?: string[];
  disabled?: boolean;
}

export interface AliasInput {
  name?: string;
  mountAccessor?: string;
  canonicalId?: string;
  customMetadata?: Record<string, string>;
}

export interface GroupInput {
  name?: string;
  policies?: string[];
  metadata?: Record<string, string>;
  memberEntityIds?: string[];
  memberGroupIds?: string[];
}

/** Looks up an auth mount by accessor (aliases must name a mounted auth method). */
export type AuthMountLookup = (accessor: string) => MountEntry | undefined;

/** Parent chains longer than this are refused when groups are written, and cut when walked. */
export const MAX_GROUP_DEPTH = 64;

// ---- storage layout (keys relative to the identity area, sys/identity/) ----

/** The three record folders; each record is stored whole under `<folder><id>`. */
export const FOLDERS = { entity: 'entity/', alias: 'alias/', group: 'group/' } as const;
export type RecordKind = keyof typeof FOLDERS;

export const entityKey = (id: string) => `${FOLDERS.entity}${id}`;
export const aliasKey = (id: string) => `${FOLDERS.alias}${id}`;
export const groupKey = (id: string) => `${FOLDERS.group}${id}`;

// Uniqueness indexes, each `{id}`: claimed with an `absent` condition in the transaction that
// creates or renames the record and deleted in the one that renames or deletes it, so two nodes
// (or two racing logins) can never both hold the same name or alias.
export const entityNameKey = (name: string) => `entity-name/${encodeURIComponent(name.toLowerCase())}`;
export const groupNameKey = (name: string) => `group-name/${encodeURIComponent(name.toLowerCase())}`;
export const aliasNameKey = (accessor: string, name: string) => `alias-name/${encodeURIComponent(accessor)}/${encodeURIComponent(name)}`;
/** An entity has at most one alias per auth mount (aliases written before this entry existed lack it). */
export const entityMountKey = (entityId: string, accessor: string) => `entity-mount/${encodeURIComponent(entityId)}/${encodeURIComponent(accessor)}`;

/** The record a storage key holds, if it is a record key (not an index entry). */
export function recordOf(key: string): { kind: RecordKind; id: string } | undefined {
  for (const kind of Object.keys(FOLDERS) as RecordKind[]) {
    const folder = FOLDERS[kind];
    if (key.startsWith(folder) && key.length > folder.length) return { kind, id: key.slice(folder.length) };
  }
  return undefined;
}

/** The record a uniqueness index entry names, if `key` is one. */
export function indexOf(key: string): { kind: RecordKind } | undefined {
  if (key.startsWith('entity-name/')) return { kind: 'entity' };
  if (key.startsWith('group-name/')) return { kind: 'group' };
  if (key.startsWith('alias-name/') || key.startsWith('entity-mount/')) return { kind: 'alias' };
  return undefined;
}

// ---- validation shared by writers ----

export function checkName(name: string, what: string): void {
  if (name.trim() === '' || name.length > 512) throw invalidRequest(`invalid ${what} name`);
}

/** Vault refuses "root" in identity policies: whoever may write an entity must not mint root tokens. */
export function checkPolicies(policies: string[]): void {
  if (policies.some((p) => p.trim().toLowerCase() === ROOT_POLICY)) throw invalidRequest('policies cannot contain root');
}

export function unique(values: string[]): string[] {
  return [...new Set(values)];
}

export function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** The storage writes that store an entity, or an alias with its indexes (name, entity and mount). */
export function entityOps(entity: Entity): JsonOp[] {
  return [
    { type: 'put', key: entityKey(entity.id), value: entity },
    { type: 'put', key: entityNameKey(entity.name), value: { id: entity.id } },
  ];
}

export function aliasOps(alias: Alias): JsonOp[] {
  return [
    { type: 'put', key: aliasKey(alias.id), value: alias },
    { type: 'put', key: aliasNameKey(alias.mountAccessor, alias.name), value: { id: alias.id } },
    { type: 'put', key: entityMountKey(alias.canonicalId, alias.mountAccessor), value: { id: alias.id } },
  ];
}
