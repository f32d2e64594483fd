import { randomUUID } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';
import { ConditionFailed, type Condition, type JsonOp, type MountStorage } from '../../framework/types.js';
import { sanitizePolicies } from '../../framework/policy-names.js';
import type { TemplateContext } from '../policy/template.js';
import { deriveIdentity, type TokenIdentity } from './derive.js';
import { closesCycle, MembershipGraph } from './graph.js';
import { loginEntity } from './login.js';
import {
  aliasKey,
  aliasNameKey,
  aliasOps,
  checkName,
  checkPolicies,
  entityKey,
  entityMountKey,
  entityNameKey,
  entityOps,
  FOLDERS,
  groupKey,
  groupNameKey,
  indexOf,
  recordOf,
  unique,
  type Alias,
  type AliasInput,
  type AuthMountLookup,
  type Entity,
  type EntityInput,
  type Group,
  type GroupInput,
  type RecordKind,
} from './model.js';

export type { Alias, AliasInput, AuthMountLookup, Entity, EntityInput, Group, GroupInput } from './model.js';
export type { TokenIdentity } from './derive.js';

/**
 * One write to the identity store, planned against the in-memory copy. The commit is a single
 * storage transaction conditioned on every record in `reads` still being at the version this node
 * holds (absent when it holds none) and on every key in `claims` being absent.
 */
export interface Plan<T> {
  ops: JsonOp[];
  /** Record keys the plan's checks relied on (the records it rewrites, members it found, ...). */
  reads: string[];
  /** Uniqueness index entries the write takes (see model.ts). */
  claims?: string[];
  /** The 400 answer when a claim is held elsewhere (a message, or one per claimed key); without it the plan is made again after a refresh. */
  taken?: string | ((key: string) => string);
  result: T;
}

/** Attempts at one write before giving up (each failed attempt refreshed what it found stale). */
const MAX_ATTEMPTS = 8;

interface Held<T> {
  value: T;
  version: number;
}

/**
 * Entities, aliases and groups (Vault's identity store): persistence and serialisation.
 *
 * Storage is the truth. A full copy lives in memory (loaded at unseal and at every HA election),
 * with the storage version of each record and indexes derived from it — entity and group by name,
 * alias by (mount accessor, name), aliases by entity, and the membership graph — so no request
 * scans all entities or groups. Every write, operator's or login's, goes through `commit`: one at a
 * time on this node (an optimisation: checks never race on one node), and as one transaction
 * conditioned on the versions of the records its checks relied on (the guard: a node whose copy is
 * stale, because another node sharing the storage wrote, fails the condition, refreshes the stale
 * record from storage and plans again). After a commit the written records are read back with their
 * new versions. `generation` grows with every change: caches keyed by it never serve stale identity.
 */
export class IdentityStore {
  private readonly entities = new Map<string, Held<Entity>>();
  private readonly aliases = new Map<string, Held<Alias>>();
  private readonly groups = new Map<string, Held<Group>>();
  private readonly entityIdByName = new Map<string, string>();
  private readonly groupIdByName = new Map<string, string>();
  private readonly aliasIdByName = new Map<string, string>();
  private readonly aliasIdsByEntity = new Map<string, Set<string>>();
  private readonly graph = new MembershipGraph();
  private generationCounter = 0;
  private writeQueue: Promise<unknown> = Promise.resolve();
  /** How often a token's identity was derived (tests prove it happens once per request). */
  derivations = 0;

  constructor(
    private readonly storage: MountStorage,
    readonly authMount: AuthMountLookup,
    readonly now: () => number = Date.now,
    /** The namespace whose store this is (Vault's namespace_id: "root" for the root's). */
    readonly namespaceId = 'root',
  ) {}

  get generation(): number {
    return this.generationCounter;
  }

  /**
   * A part of this store's storage area beside its records, for what belongs to the namespace's
   * identity (the identity token provider's keys and roles, under `oidc/`); `load` reads only the
   * record folders, so nothing there is taken for a record.
   */
  area(prefix: string): MountStorage {
    if (Object.values(FOLDERS).some((folder) => folder.startsWith(prefix) || prefix.startsWith(folder))) throw new Error(`${prefix} is an identity record folder`);
    return this.storage.scoped(prefix);
  }

  /** Loads everything from storage (at unseal, and when this node becomes active). */
  async load(): Promise<void> {
    for (const map of [this.entities, this.aliases, this.groups, this.entityIdByName, this.groupIdByName, this.aliasIdByName, this.aliasIdsByEntity]) map.clear();
    this.graph.clear();
    for (const kind of Object.keys(FOLDERS) as RecordKind[]) {
      for (const id of await this.storage.list(FOLDERS[kind])) {
        if (id.endsWith('/')) continue;
        this.hold(kind, id, await this.storage.getVersioned(FOLDERS[kind] + id));
      }
    }
    this.generationCounter++;
  }

  // ---- reads (all from memory, through indexes) ----

  entity(id: string): Entity | undefined {
    return this.entities.get(id)?.value;
  }
  entityByName(name: string): Entity | undefined {
    const id = this.entityIdByName.get(name.toLowerCase());
    return id === undefined ? undefined : this.entity(id);
  }
  listEntities(): Entity[] {
    return [...this.entities.values()].map((h) => h.value);
  }
  alias(id: string): Alias | undefined {
    return this.aliases.get(id)?.value;
  }
  aliasByName(mountAccessor: string, name: string): Alias | undefined {
    const id = this.aliasIdByName.get(aliasIndex(mountAccessor, name));
    return id === undefined ? undefined : this.alias(id);
  }
  listAliases(): Alias[] {
    return [...this.aliases.values()].map((h) => h.value);
  }
  aliasesOf(entityId: string): Alias[] {
    return this.resolve([...(this.aliasIdsByEntity.get(entityId) ?? [])], (id) => this.alias(id));
  }
  group(id: string): Group | undefined {
    return this.groups.get(id)?.value;
  }
  groupByName(name: string): Group | undefined {
    const id = this.groupIdByName.get(name.toLowerCase());
    return id === undefined ? undefined : this.group(id);
  }
  listGroups(): Group[] {
    return [...this.groups.values()].map((h) => h.value);
  }
  /** Groups that list the entity as a member, directly. */
  directGroupsOf(entityId: string): Group[] {
    return this.resolve(this.graph.directGroupIds(entityId), (id) => this.group(id));
  }
  /** Groups that list this group as a member. */
  parentGroupsOf(groupId: string): Group[] {
    return this.resolve(this.graph.parentIds(groupId), (id) => this.group(id));
  }
  /** Every group the entity belongs to: its direct groups and, transitively, their parents. */
  groupsOf(entityId: string): Group[] {
    return this.resolve(this.graph.groupIdsOf(entityId), (id) => this.group(id));
  }

  // ---- what a token gets from its identity (derive.ts) ----

  /** Everything a request needs from a token's entity, computed once: see derive.ts. */
  derive(entityId: string): TokenIdentity {
    this.derivations++;
    return deriveIdentity(this, entityId);
  }
  /** Vault's identity_policies of a token with this entity. */
  policiesFor(entityId: string): string[] {
    return this.derive(entityId).policies;
  }
  /** What policy templates may refer to for an entity; undefined when the token has none or it is disabled. */
  templateContext(entityId: string): TemplateContext | undefined {
    return this.derive(entityId).context;
  }

  // ---- logins (login.ts) ----

  /**
   * The entity behind a login: the alias (mount accessor + name) is found or created, and with a
   * new alias a new entity; its metadata is refreshed when the method reports new values. Refuses a
   * disabled entity. Writes go through `commit` like every operator write.
   */
  entityForLogin(mountAccessor: string, name: string, metadata: Record<string, string> = {}): Promise<Entity> {
    return loginEntity(this, mountAccessor, name, metadata);
  }

  // ---- operator writes ----

  /** Creates an entity, or updates the one with `id`; fields not given keep their values. */
  writeEntity(input: EntityInput, id?: string): Promise<Entity> {
    return this.commit(() => this.planEntity(input, id));
  }

  /**
   * Updates the entity with this name, or creates it (Vault's identity/entity/name/:name); decided
   * inside the commit, so racing writers of one name end with one entity.
   */
  upsertEntityByName(name: string, input: EntityInput): Promise<{ entity: Entity; created: boolean }> {
    return this.commit(() => {
      const existing = this.entityByName(name);
      const plan = this.planEntity({ ...input, name: existing?.name ?? name }, existing?.id);
      return { ...plan, result: { entity: plan.result, created: !existing } };
    });
  }

  private planEntity(input: EntityInput, id?: string): Plan<Entity> {
    const existing = id === undefined ? undefined : this.entity(id);
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
    const ops = entityOps(entity);
    if (existing && renamed) ops.push({ type: 'delete', key: entityNameKey(existing.name) });
    return { ops, reads: [entityKey(entityId)], claims: renamed ? [entityNameKey(name)] : [], taken: `entity with name "${name}" already exists`, result: entity };
  }

  /** Deletes an entity with its aliases, and takes it out of every group. */
  deleteEntity(id: string): Promise<void> {
    return this.commit(() => {
      const entity = this.entity(id);
      if (!entity) return nothing();
      const ops: JsonOp[] = [{ type: 'delete', key: entityKey(id) }, { type: 'delete', key: entityNameKey(entity.name) }];
      const reads = [entityKey(id)];
      for (const alias of this.aliasesOf(id)) {
        ops.push(...aliasDeletes(alias));
        reads.push(aliasKey(alias.id));
      }
      for (const group of this.directGroupsOf(id)) {
        ops.push({ type: 'put', key: groupKey(group.id), value: { ...group, memberEntityIds: group.memberEntityIds.filter((m) => m !== id), lastUpdateTime: this.now() } });
        reads.push(groupKey(group.id));
      }
      return { ops, reads, result: undefined };
    });
  }

  /** Creates an alias, or updates the one with `id`. An entity has at most one alias per mount. */
  writeAlias(input: AliasInput, id?: string): Promise<Alias> {
    return this.commit(() => this.planAlias(input, id));
  }

  private planAlias(input: AliasInput, id?: string): Plan<Alias> {
    const existing = id === undefined ? undefined : this.alias(id);
    if (id !== undefined && !existing) throw invalidRequest(`entity alias not found: ${id}`);
    const name = input.name ?? existing?.name ?? '';
    const mountAccessor = input.mountAccessor ?? existing?.mountAccessor ?? '';
    const canonicalId = input.canonicalId ?? existing?.canonicalId ?? '';
    if (!name) throw invalidRequest('missing alias name');
    if (!mountAccessor) throw invalidRequest('missing mount_accessor');
    if (!canonicalId) throw invalidRequest('missing canonical_id');
    if (!this.authMount(mountAccessor)) throw invalidRequest(`invalid mount accessor "${mountAccessor}"`);
    if (!this.entity(canonicalId)) throw invalidRequest(`entity not found: ${canonicalId}`);
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
    const rehomed = !existing || existing.mountAccessor !== mountAccessor || existing.canonicalId !== canonicalId;
    const ops = aliasOps(alias);
    if (existing && moved) ops.push({ type: 'delete', key: aliasNameKey(existing.mountAccessor, existing.name) });
    if (existing && rehomed) ops.push({ type: 'delete', key: entityMountKey(existing.canonicalId, existing.mountAccessor) });
    const nameKey = aliasNameKey(mountAccessor, name);
    return {
      ops,
      // The entity must still exist when the alias commits (a concurrent delete fails the condition).
      reads: [aliasKey(alias.id), entityKey(canonicalId)],
      claims: [...(moved ? [nameKey] : []), ...(rehomed ? [entityMountKey(canonicalId, mountAccessor)] : [])],
      taken: (key) =>
        key === nameKey
          ? `alias "${name}" already exists for mount accessor ${mountAccessor}`
          : `entity ${canonicalId} already has an alias for mount accessor ${mountAccessor}`,
      result: alias,
    };
  }

  deleteAlias(id: string): Promise<void> {
    return this.commit(() => {
      const alias = this.alias(id);
      return alias ? { ops: aliasDeletes(alias), reads: [aliasKey(id)], result: undefined } : nothing();
    });
  }

  /** Creates a group, or updates the one with `id`. Members must exist; cycles are refused. */
  writeGroup(input: GroupInput, id?: string): Promise<Group> {
    return this.commit(() => this.planGroup(input, id));
  }

  /**
   * Updates a group from its current state (`change` gets it inside the commit, so a read-modify-write
   * such as adding one member loses no concurrent write).
   */
  updateGroup(id: string, change: (current: Group) => GroupInput): Promise<Group> {
    return this.commit(() => {
      const current = this.group(id);
      if (!current) throw invalidRequest(`group not found: ${id}`);
      return this.planGroup(change(current), id);
    });
  }

  /** Updates the group with this name, or creates it; decided inside the commit (see upsertEntityByName). */
  upsertGroupByName(name: string, input: GroupInput): Promise<{ group: Group; created: boolean }> {
    return this.commit(() => {
      const existing = this.groupByName(name);
      const plan = this.planGroup({ ...input, name: existing?.name ?? name }, existing?.id);
      return { ...plan, result: { group: plan.result, created: !existing } };
    });
  }

  private planGroup(input: GroupInput, id?: string): Plan<Group> {
    const existing = id === undefined ? undefined : this.group(id);
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
    const reads = new Set([groupKey(groupId)]);
    // New members must exist at commit time; members already listed were checked when they were
    // added (and their deletion takes them out of this group under this group's version).
    const knownEntities = new Set(existing?.memberEntityIds ?? []);
    for (const member of group.memberEntityIds) {
      if (!this.entity(member)) throw invalidRequest(`entity not found: ${member}`);
      if (!knownEntities.has(member)) reads.add(entityKey(member));
    }
    const knownGroups = new Set(existing?.memberGroupIds ?? []);
    for (const member of group.memberGroupIds) {
      if (!this.group(member)) throw invalidRequest(`group not found: ${member}`);
      const { cycle, visited } = closesCycle(groupId, member, (g) => this.group(g));
      if (cycle) throw invalidRequest(`cyclic relationship detected for member group ID "${member}"`);
      // A new edge is acyclic only while the subgraph below it holds still.
      if (!knownGroups.has(member)) for (const g of visited) reads.add(groupKey(g));
    }
    const renamed = !existing || existing.name.toLowerCase() !== name.toLowerCase();
    const ops: JsonOp[] = [{ type: 'put', key: groupKey(group.id), value: group }, { type: 'put', key: groupNameKey(name), value: { id: group.id } }];
    if (existing && renamed) ops.push({ type: 'delete', key: groupNameKey(existing.name) });
    return { ops, reads: [...reads], claims: renamed ? [groupNameKey(name)] : [], taken: `group with name "${name}" already exists`, result: group };
  }

  /** Deletes a group and takes it out of the groups that listed it. */
  deleteGroup(id: string): Promise<void> {
    return this.commit(() => {
      const group = this.group(id);
      if (!group) return nothing();
      const ops: JsonOp[] = [{ type: 'delete', key: groupKey(id) }, { type: 'delete', key: groupNameKey(group.name) }];
      const reads = [groupKey(id)];
      for (const parent of this.parentGroupsOf(id)) {
        ops.push({ type: 'put', key: groupKey(parent.id), value: { ...parent, memberGroupIds: parent.memberGroupIds.filter((m) => m !== id), lastUpdateTime: this.now() } });
        reads.push(groupKey(parent.id));
      }
      return { ops, reads, result: undefined };
    });
  }

  // ---- the write path ----

  /**
   * Runs one write: after every write queued before it on this node, `plan` is made against the
   * in-memory copy and committed as one conditioned transaction. When a condition fails (another
   * node wrote), the stale record or index entry is refreshed from storage and the plan made again;
   * a claim held elsewhere answers the plan's `taken` (400) when it has one. A plan that throws
   * (bad input) changes nothing.
   */
  commit<T>(plan: () => Plan<T>): Promise<T> {
    const run = this.writeQueue.then(() => this.commitNow(plan));
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  private async commitNow<T>(plan: () => Plan<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const planned = plan();
      if (planned.ops.length === 0) return planned.result;
      const conditions: Condition[] = planned.reads.map((key) => {
        const version = this.versionOf(key);
        return version === undefined ? { type: 'absent', key } : { type: 'version', key, version };
      });
      for (const key of planned.claims ?? []) conditions.push({ type: 'absent', key });
      try {
        await this.storage.transaction(planned.ops, conditions);
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err;
        const key = this.relative(err.key);
        await this.refresh(key);
        if (planned.taken && (planned.claims ?? []).includes(key)) throw invalidRequest(typeof planned.taken === 'string' ? planned.taken : planned.taken(key));
        if (attempt >= MAX_ATTEMPTS) throw new Error(`identity write kept conflicting on ${key}`);
        continue;
      }
      await this.mirror(planned.ops);
      return planned.result;
    }
  }

  /** After a commit: deleted records leave memory, written ones are read back with their new versions. */
  private async mirror(ops: JsonOp[]): Promise<void> {
    const reads: Promise<void>[] = [];
    for (const op of ops) {
      const record = recordOf(op.key);
      if (!record) continue;
      if (op.type === 'delete') this.hold(record.kind, record.id, undefined);
      else reads.push(this.storage.getVersioned(op.key).then((found) => this.hold(record.kind, record.id, found)));
    }
    await Promise.all(reads);
    this.generationCounter++;
  }

  /** Brings one key's record up to date from storage: a record key, or the record an index entry names. */
  private async refresh(key: string): Promise<void> {
    const record = recordOf(key);
    if (record) {
      this.hold(record.kind, record.id, await this.storage.getVersioned(key));
      if (record.kind === 'alias') {
        const alias = this.alias(record.id);
        if (alias) await this.refresh(entityKey(alias.canonicalId));
      }
    } else if (indexOf(key)) {
      const { kind } = indexOf(key)!;
      const holder = await this.storage.get<{ id: string }>(key);
      if (holder) await this.refresh(FOLDERS[kind] + holder.id);
      const believed = this.believedHolder(key);
      if (believed && believed !== holder?.id) await this.refresh(FOLDERS[kind] + believed);
    }
    this.generationCounter++;
  }

  /** The id this node's index gives for an index entry's key (decoded, not searched for). */
  private believedHolder(key: string): string | undefined {
    const [kind, first, second] = key.split('/').map((part, i) => (i === 0 ? part : decodeURIComponent(part)));
    if (kind === 'entity-name' && first !== undefined) return this.entityIdByName.get(first);
    if (kind === 'group-name' && first !== undefined) return this.groupIdByName.get(first);
    if (kind === 'alias-name' && first !== undefined && second !== undefined) return this.aliasIdByName.get(aliasIndex(first, second));
    if (kind === 'entity-mount' && first !== undefined && second !== undefined) return this.aliasesOf(first).find((a) => a.mountAccessor === second)?.id;
    return undefined;
  }

  private versionOf(key: string): number | undefined {
    const record = recordOf(key);
    if (!record) return undefined;
    return this.mapOf(record.kind).get(record.id)?.version;
  }

  private relative(rootKey: string): string {
    const prefix = this.storage.keyOf('');
    return rootKey.startsWith(prefix) ? rootKey.slice(prefix.length) : rootKey;
  }

  private mapOf(kind: RecordKind): Map<string, Held<unknown>> {
    return (kind === 'entity' ? this.entities : kind === 'alias' ? this.aliases : this.groups) as Map<string, Held<unknown>>;
  }

  /** Puts a record (as stored, with its version) in memory, or takes it out, keeping every index in step. */
  private hold(kind: RecordKind, id: string, found: { value: unknown; version: number } | undefined): void {
    if (kind === 'entity') {
      const previous = this.entities.get(id)?.value;
      if (previous && this.entityIdByName.get(previous.name.toLowerCase()) === id) this.entityIdByName.delete(previous.name.toLowerCase());
      if (!found) this.entities.delete(id);
      else {
        const entity = found.value as Entity;
        this.entities.set(id, { value: entity, version: found.version });
        this.entityIdByName.set(entity.name.toLowerCase(), id);
      }
    } else if (kind === 'alias') {
      const previous = this.aliases.get(id)?.value;
      if (previous) {
        const index = aliasIndex(previous.mountAccessor, previous.name);
        if (this.aliasIdByName.get(index) === id) this.aliasIdByName.delete(index);
        const ofEntity = this.aliasIdsByEntity.get(previous.canonicalId);
        ofEntity?.delete(id);
        if (ofEntity?.size === 0) this.aliasIdsByEntity.delete(previous.canonicalId);
      }
      if (!found) this.aliases.delete(id);
      else {
        const alias = found.value as Alias;
        this.aliases.set(id, { value: alias, version: found.version });
        this.aliasIdByName.set(aliasIndex(alias.mountAccessor, alias.name), id);
        let ofEntity = this.aliasIdsByEntity.get(alias.canonicalId);
        if (!ofEntity) this.aliasIdsByEntity.set(alias.canonicalId, (ofEntity = new Set()));
        ofEntity.add(id);
      }
    } else {
      const previous = this.groups.get(id)?.value;
      if (previous && this.groupIdByName.get(previous.name.toLowerCase()) === id) this.groupIdByName.delete(previous.name.toLowerCase());
      const next = found?.value as Group | undefined;
      this.graph.replace(previous, next);
      if (!found || !next) this.groups.delete(id);
      else {
        this.groups.set(id, { value: next, version: found.version });
        this.groupIdByName.set(next.name.toLowerCase(), id);
      }
    }
  }

  private resolve<T>(ids: string[], get: (id: string) => T | undefined): T[] {
    return ids.map(get).filter((v): v is T => v !== undefined);
  }
}

/** The plan of a write that finds nothing to do. */
export function nothing(): Plan<undefined> {
  return { ops: [], reads: [], result: undefined };
}

function aliasDeletes(alias: Alias): JsonOp[] {
  return [
    { type: 'delete', key: aliasKey(alias.id) },
    { type: 'delete', key: aliasNameKey(alias.mountAccessor, alias.name) },
    { type: 'delete', key: entityMountKey(alias.canonicalId, alias.mountAccessor) },
  ];
}

function aliasIndex(mountAccessor: string, name: string): string {
  return `${mountAccessor}\n${name}`;
}
