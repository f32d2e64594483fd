import { randomUUID } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';
import { ConditionFailed, type Condition, type JsonOp, type MountStorage } from '../../framework/types.js';
import type { MountEntry } from '../mounts.js';
import { ROOT_POLICY, sanitizePolicies } from '../../framework/policy-names.js';
import type { TemplateContext } from '../policy/template.js';

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
const MAX_GROUP_DEPTH = 64;

const entityKey = (id: string) => `entity/${id}`;
const aliasKey = (id: string) => `alias/${id}`;
const groupKey = (id: string) => `group/${id}`;
// Uniqueness indexes: conditioned on absence in the transaction that claims them, so two nodes (or
// two racing logins) can never both create the same name or alias.
const entityNameKey = (name: string) => `entity-name/${encodeURIComponent(name.toLowerCase())}`;
const groupNameKey = (name: string) => `group-name/${encodeURIComponent(name.toLowerCase())}`;
const aliasNameKey = (accessor: string, name: string) => `alias-name/${encodeURIComponent(accessor)}/${encodeURIComponent(name)}`;

/**
 * Entities, aliases and groups (Vault's identity store). Storage is the truth; a full copy lives in
 * memory (loaded at unseal) so that every request's policy and template lookup costs no storage
 * read. Each write is one transaction that claims its unique names with `absent` conditions.
 * `generation` grows with every change: caches keyed by it (compiled ACLs) never serve stale identity.
 */
export class IdentityStore {
  private readonly entities = new Map<string, Entity>();
  private readonly aliases = new Map<string, Alias>();
  private readonly groups = new Map<string, Group>();
  private generationCounter = 0;
  /**
   * Operator writes run one at a time: each checks the in-memory state (members exist, no cycle,
   * the entity of a new alias exists) and then commits, and nothing may change in between.
   */
  private writeQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: MountStorage,
    private readonly authMount: AuthMountLookup,
    private readonly now: () => number = Date.now,
  ) {}

  get generation(): number {
    return this.generationCounter;
  }

  /** Loads everything from storage (at unseal). */
  async load(): Promise<void> {
    this.entities.clear();
    this.aliases.clear();
    this.groups.clear();
    for (const [folder, map] of [['entity/', this.entities], ['alias/', this.aliases], ['group/', this.groups]] as const) {
      for (const id of await this.storage.list(folder)) {
        const value = await this.storage.get<never>(folder + id);
        if (value) (map as Map<string, unknown>).set(id, value);
      }
    }
    this.generationCounter++;
  }

  // ---- logins ----

  /**
   * The entity behind a login: the alias (mount accessor + name) is found or created, and with a
   * new alias a new entity. The alias's metadata is refreshed when the method reports new values.
   * Refuses a disabled entity.
   */
  async entityForLogin(mountAccessor: string, name: string, metadata: Record<string, string> = {}): Promise<Entity> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const alias = this.aliasByName(mountAccessor, name);
      if (alias) {
        const entity = this.entities.get(alias.canonicalId);
        if (!entity) throw new Error(`entity alias ${alias.id} points at a missing entity`);
        if (entity.disabled) throw invalidRequest('entity is disabled');
        if (!sameMap(alias.metadata, metadata)) await this.write([{ type: 'put', key: aliasKey(alias.id), value: { ...alias, metadata, lastUpdateTime: this.now() } }]);
        return entity;
      }
      const now = this.now();
      const entity: Entity = { id: randomUUID(), name: '', metadata: {}, policies: [], disabled: false, creationTime: now, lastUpdateTime: now };
      entity.name = `entity_${entity.id.slice(0, 8)}`;
      const created: Alias = {
        id: randomUUID(),
        canonicalId: entity.id,
        mountAccessor,
        name,
        metadata,
        customMetadata: {},
        creationTime: now,
        lastUpdateTime: now,
      };
      try {
        await this.write(
          [...this.entityOps(entity), ...this.aliasOps(created)],
          [{ type: 'absent', key: entityNameKey(entity.name) }, { type: 'absent', key: aliasNameKey(mountAccessor, name) }],
        );
        return entity;
      } catch (err) {
        // Another login (maybe on another node) created this alias first: use theirs.
        if (!(err instanceof ConditionFailed)) throw err;
        await this.load();
      }
    }
    throw new Error('could not settle the entity of a login');
  }

  // ---- reads ----

  entity(id: string): Entity | undefined {
    return this.entities.get(id);
  }
  entityByName(name: string): Entity | undefined {
    const wanted = name.toLowerCase();
    for (const entity of this.entities.values()) if (entity.name.toLowerCase() === wanted) return entity;
    return undefined;
  }
  listEntities(): Entity[] {
    return [...this.entities.values()];
  }
  alias(id: string): Alias | undefined {
    return this.aliases.get(id);
  }
  aliasByName(mountAccessor: string, name: string): Alias | undefined {
    for (const alias of this.aliases.values()) if (alias.mountAccessor === mountAccessor && alias.name === name) return alias;
    return undefined;
  }
  listAliases(): Alias[] {
    return [...this.aliases.values()];
  }
  aliasesOf(entityId: string): Alias[] {
    return this.listAliases().filter((a) => a.canonicalId === entityId);
  }
  group(id: string): Group | undefined {
    return this.groups.get(id);
  }
  groupByName(name: string): Group | undefined {
    const wanted = name.toLowerCase();
    for (const group of this.groups.values()) if (group.name.toLowerCase() === wanted) return group;
    return undefined;
  }
  listGroups(): Group[] {
    return [...this.groups.values()];
  }
  /** Groups that list the entity as a member, directly. */
  directGroupsOf(entityId: string): Group[] {
    return this.listGroups().filter((g) => g.memberEntityIds.includes(entityId));
  }
  /** Groups that list this group as a member. */
  parentGroupsOf(groupId: string): Group[] {
    return this.listGroups().filter((g) => g.memberGroupIds.includes(groupId));
  }
  /** Every group the entity belongs to: its direct groups and, transitively, their parents. */
  groupsOf(entityId: string): Group[] {
    const found = new Map<string, Group>();
    let frontier = this.directGroupsOf(entityId);
    for (let depth = 0; frontier.length > 0 && depth < MAX_GROUP_DEPTH; depth++) {
      const next: Group[] = [];
      for (const group of frontier) {
        if (found.has(group.id)) continue;
        found.set(group.id, group);
        next.push(...this.parentGroupsOf(group.id));
      }
      frontier = next;
    }
    return [...found.values()];
  }

  /**
   * Policies a token gets from its identity (Vault's identity_policies): the entity's own and every
   * group's it belongs to. None for a disabled or unknown entity.
   */
  policiesFor(entityId: string): string[] {
    const entity = entityId ? this.entities.get(entityId) : undefined;
    if (!entity || entity.disabled) return [];
    const policies = sanitizePolicies([...entity.policies, ...this.groupsOf(entityId).flatMap((g) => g.policies)], false);
    // Writes refuse "root"; an entry that holds it anyway (older data) must not make a root token.
    return policies.filter((p) => p !== ROOT_POLICY);
  }

  /** What policy templates may refer to for an entity; undefined when the token has none or it is disabled. */
  templateContext(entityId: string): TemplateContext | undefined {
    const entity = entityId ? this.entities.get(entityId) : undefined;
    if (!entity || entity.disabled) return undefined;
    return {
      entity: {
        id: entity.id,
        name: entity.name,
        metadata: entity.metadata,
        aliases: this.aliasesOf(entity.id).map((a) => ({
          id: a.id,
          mountAccessor: a.mountAccessor,
          name: a.name,
          // Kept apart, as in Vault: metadata comes from the auth method, custom_metadata from operators.
          metadata: a.metadata,
          customMetadata: a.customMetadata,
        })),
      },
      groups: this.groupsOf(entity.id).map((g) => ({ id: g.id, name: g.name, metadata: g.metadata })),
    };
  }

  // ---- writes ----

  /** Creates an entity, or updates the one with `id`; fields not given keep their values. */
  writeEntity(input: EntityInput, id?: string): Promise<Entity> {
    return this.serialized(() => this.writeEntityNow(input, id));
  }

  /**
   * Updates the entity with this name, or creates it (Vault's identity/entity/name/:name); decided
   * inside the write queue, so racing writers of one name end with one entity.
   */
  upsertEntityByName(name: string, input: EntityInput): Promise<{ entity: Entity; created: boolean }> {
    return this.serialized(async () => {
      const existing = this.entityByName(name);
      const entity = await this.writeEntityNow({ ...input, name: existing?.name ?? name }, existing?.id);
      return { entity, created: !existing };
    });
  }

  private async writeEntityNow(input: EntityInput, id?: string): Promise<Entity> {
    const existing = id === undefined ? undefined : this.entities.get(id);
    if (id !== undefined && !existing) throw invalidRequest(`entity not found: ${id}`);
    const now = this.now();
    const entityId = existing?.id ?? randomUUID();
    const name = input.name ?? existing?.name ?? `entity_${entityId.slice(0, 8)}`;
    checkName(name, 'entity');
    if (input.policies) checkPolicies(input.policies);
    const entity: Entity = {
      id: entityId,
      name,
      metadata: input.metadata ?? existing?.metadata ?? {},
      policies: input.policies ? sanitizePolicies(input.policies, false) : existing?.policies ?? [],
      disabled: input.disabled ?? existing?.disabled ?? false,
      creationTime: existing?.creationTime ?? now,
      lastUpdateTime: now,
    };
    const renamed = !existing || existing.name.toLowerCase() !== name.toLowerCase();
    const ops = this.entityOps(entity);
    if (existing && renamed) ops.push({ type: 'delete', key: entityNameKey(existing.name) });
    await this.writeClaiming(ops, renamed ? [entityNameKey(name)] : [], `entity with name "${name}" already exists`);
    return entity;
  }

  /** Deletes an entity with its aliases, and takes it out of every group. */
  deleteEntity(id: string): Promise<void> {
    return this.serialized(() => this.deleteEntityNow(id));
  }

  private async deleteEntityNow(id: string): Promise<void> {
    const entity = this.entities.get(id);
    if (!entity) return;
    const ops: JsonOp[] = [{ type: 'delete', key: entityKey(id) }, { type: 'delete', key: entityNameKey(entity.name) }];
    for (const alias of this.aliasesOf(id)) ops.push(...this.aliasDeletes(alias));
    for (const group of this.directGroupsOf(id)) {
      ops.push({ type: 'put', key: groupKey(group.id), value: { ...group, memberEntityIds: group.memberEntityIds.filter((m) => m !== id), lastUpdateTime: this.now() } });
    }
    await this.write(ops);
  }

  /** Creates an alias, or updates the one with `id`. An entity has at most one alias per mount. */
  writeAlias(input: AliasInput, id?: string): Promise<Alias> {
    return this.serialized(() => this.writeAliasNow(input, id));
  }

  private async writeAliasNow(input: AliasInput, id?: string): Promise<Alias> {
    const existing = id === undefined ? undefined : this.aliases.get(id);
    if (id !== undefined && !existing) throw invalidRequest(`entity alias not found: ${id}`);
    const name = input.name ?? existing?.name ?? '';
    const mountAccessor = input.mountAccessor ?? existing?.mountAccessor ?? '';
    const canonicalId = input.canonicalId ?? existing?.canonicalId ?? '';
    if (!name) throw invalidRequest('missing alias name');
    if (!mountAccessor) throw invalidRequest('missing mount_accessor');
    if (!canonicalId) throw invalidRequest('missing canonical_id');
    if (!this.authMount(mountAccessor)) throw invalidRequest(`invalid mount accessor "${mountAccessor}"`);
    if (!this.entities.has(canonicalId)) throw invalidRequest(`entity not found: ${canonicalId}`);
    const clash = this.aliasesOf(canonicalId).find((a) => a.mountAccessor === mountAccessor && a.id !== existing?.id);
    if (clash) throw invalidRequest(`entity ${canonicalId} already has an alias for mount accessor ${mountAccessor}`);
    const now = this.now();
    const alias: Alias = {
      id: existing?.id ?? randomUUID(),
      canonicalId,
      mountAccessor,
      name,
      metadata: existing?.metadata ?? {},
      customMetadata: input.customMetadata ?? existing?.customMetadata ?? {},
      creationTime: existing?.creationTime ?? now,
      lastUpdateTime: now,
    };
    const moved = !existing || existing.mountAccessor !== mountAccessor || existing.name !== name;
    const ops = this.aliasOps(alias);
    if (existing && moved) ops.push({ type: 'delete', key: aliasNameKey(existing.mountAccessor, existing.name) });
    await this.writeClaiming(ops, moved ? [aliasNameKey(mountAccessor, name)] : [], `alias "${name}" already exists for mount accessor ${mountAccessor}`);
    return alias;
  }

  deleteAlias(id: string): Promise<void> {
    return this.serialized(async () => {
      const alias = this.aliases.get(id);
      if (alias) await this.write(this.aliasDeletes(alias));
    });
  }

  /** Creates a group, or updates the one with `id`. Members must exist; cycles are refused. */
  writeGroup(input: GroupInput, id?: string): Promise<Group> {
    return this.serialized(() => this.writeGroupNow(input, id));
  }

  /** Updates the group with this name, or creates it; decided inside the write queue (see upsertEntityByName). */
  upsertGroupByName(name: string, input: GroupInput): Promise<{ group: Group; created: boolean }> {
    return this.serialized(async () => {
      const existing = this.groupByName(name);
      const group = await this.writeGroupNow({ ...input, name: existing?.name ?? name }, existing?.id);
      return { group, created: !existing };
    });
  }

  private async writeGroupNow(input: GroupInput, id?: string): Promise<Group> {
    const existing = id === undefined ? undefined : this.groups.get(id);
    if (id !== undefined && !existing) throw invalidRequest(`group not found: ${id}`);
    const now = this.now();
    const groupId = existing?.id ?? randomUUID();
    const name = input.name ?? existing?.name ?? `group_${groupId.slice(0, 8)}`;
    checkName(name, 'group');
    if (input.policies) checkPolicies(input.policies);
    const group: Group = {
      id: groupId,
      name,
      policies: input.policies ? sanitizePolicies(input.policies, false) : existing?.policies ?? [],
      metadata: input.metadata ?? existing?.metadata ?? {},
      memberEntityIds: unique(input.memberEntityIds ?? existing?.memberEntityIds ?? []),
      memberGroupIds: unique(input.memberGroupIds ?? existing?.memberGroupIds ?? []),
      creationTime: existing?.creationTime ?? now,
      lastUpdateTime: now,
    };
    for (const member of group.memberEntityIds) if (!this.entities.has(member)) throw invalidRequest(`entity not found: ${member}`);
    for (const member of group.memberGroupIds) {
      if (!this.groups.has(member)) throw invalidRequest(`group not found: ${member}`);
      if (member === groupId || this.isAncestor(member, groupId)) throw invalidRequest(`cyclic relationship detected for member group ID "${member}"`);
    }
    const renamed = !existing || existing.name.toLowerCase() !== name.toLowerCase();
    const ops: JsonOp[] = [{ type: 'put', key: groupKey(group.id), value: group }, { type: 'put', key: groupNameKey(name), value: { id: group.id } }];
    if (existing && renamed) ops.push({ type: 'delete', key: groupNameKey(existing.name) });
    await this.writeClaiming(ops, renamed ? [groupNameKey(name)] : [], `group with name "${name}" already exists`);
    return group;
  }

  /** Deletes a group and takes it out of the groups that listed it. */
  deleteGroup(id: string): Promise<void> {
    return this.serialized(() => this.deleteGroupNow(id));
  }

  private async deleteGroupNow(id: string): Promise<void> {
    const group = this.groups.get(id);
    if (!group) return;
    const ops: JsonOp[] = [{ type: 'delete', key: groupKey(id) }, { type: 'delete', key: groupNameKey(group.name) }];
    for (const parent of this.parentGroupsOf(id)) {
      ops.push({ type: 'put', key: groupKey(parent.id), value: { ...parent, memberGroupIds: parent.memberGroupIds.filter((m) => m !== id), lastUpdateTime: this.now() } });
    }
    await this.write(ops);
  }

  /** Whether `groupId` is `candidate` or one of its members, transitively (a new edge candidate→group would close a cycle). */
  private isAncestor(groupId: string, candidate: string): boolean {
    const seen = new Set<string>();
    const stack = [groupId];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (current === candidate) return true;
      if (seen.has(current) || seen.size > 10_000) continue;
      seen.add(current);
      stack.push(...(this.groups.get(current)?.memberGroupIds ?? []));
    }
    return false;
  }

  private entityOps(entity: Entity): JsonOp[] {
    return [
      { type: 'put', key: entityKey(entity.id), value: entity },
      { type: 'put', key: entityNameKey(entity.name), value: { id: entity.id } },
    ];
  }

  private aliasOps(alias: Alias): JsonOp[] {
    return [
      { type: 'put', key: aliasKey(alias.id), value: alias },
      { type: 'put', key: aliasNameKey(alias.mountAccessor, alias.name), value: { id: alias.id } },
    ];
  }

  private aliasDeletes(alias: Alias): JsonOp[] {
    return [{ type: 'delete', key: aliasKey(alias.id) }, { type: 'delete', key: aliasNameKey(alias.mountAccessor, alias.name) }];
  }

  /** A write that claims unique names: 400 `taken` when another writer holds one. */
  private async writeClaiming(ops: JsonOp[], claims: string[], taken: string): Promise<void> {
    try {
      await this.write(ops, claims.map((key): Condition => ({ type: 'absent', key })));
    } catch (err) {
      if (err instanceof ConditionFailed) throw invalidRequest(taken);
      throw err;
    }
  }

  /** Runs `work` after every operator write queued before it has settled. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(work, work);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  /** Commits, then mirrors the change in memory. */
  private async write(ops: JsonOp[], conditions: Condition[] = []): Promise<void> {
    await this.storage.transaction(ops, conditions);
    for (const op of ops) {
      const [folder, id] = splitKey(op.key);
      const map = folder === 'entity' ? this.entities : folder === 'alias' ? this.aliases : folder === 'group' ? this.groups : undefined;
      if (!map || id === undefined) continue;
      if (op.type === 'put') (map as Map<string, unknown>).set(id, op.value);
      else map.delete(id);
    }
    this.generationCounter++;
  }
}

function splitKey(key: string): [string, string | undefined] {
  const slash = key.indexOf('/');
  return slash < 0 ? [key, undefined] : [key.slice(0, slash), key.slice(slash + 1)];
}

function checkName(name: string, what: string): void {
  if (name.trim() === '' || name.length > 512) throw invalidRequest(`invalid ${what} name`);
}

/** Vault refuses "root" in identity policies: whoever may write an entity must not mint root tokens. */
function checkPolicies(policies: string[]): void {
  if (policies.some((p) => p.trim().toLowerCase() === ROOT_POLICY)) throw invalidRequest('policies cannot contain root');
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
