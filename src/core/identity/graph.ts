import { MAX_GROUP_DEPTH, type Group } from './model.js';

/**
 * The group hierarchy as reverse edges, kept in step with every group the store holds: entity →
 * the groups that list it, group → the groups that list it (its parents). Membership questions
 * (an entity's groups with their ancestors, a group's parents) cost the size of the answer, never a
 * scan of every group. Forward edges (a group's members) are the group records themselves.
 */
export class MembershipGraph {
  private readonly groupsOfEntity = new Map<string, Set<string>>();
  private readonly parentsOfGroup = new Map<string, Set<string>>();

  clear(): void {
    this.groupsOfEntity.clear();
    this.parentsOfGroup.clear();
  }

  /** Records the edges of `next` in place of those of `previous` (either may be missing). */
  replace(previous: Group | undefined, next: Group | undefined): void {
    if (previous) {
      for (const member of previous.memberEntityIds) remove(this.groupsOfEntity, member, previous.id);
      for (const member of previous.memberGroupIds) remove(this.parentsOfGroup, member, previous.id);
    }
    if (next) {
      for (const member of next.memberEntityIds) add(this.groupsOfEntity, member, next.id);
      for (const member of next.memberGroupIds) add(this.parentsOfGroup, member, next.id);
    }
  }

  /** Ids of the groups that list the entity directly. */
  directGroupIds(entityId: string): string[] {
    return [...(this.groupsOfEntity.get(entityId) ?? [])];
  }

  /** Ids of the groups that list this group directly. */
  parentIds(groupId: string): string[] {
    return [...(this.parentsOfGroup.get(groupId) ?? [])];
  }

  /**
   * Ids of every group the entity belongs to: its direct groups and, transitively, their parents
   * (walked breadth first, cut at MAX_GROUP_DEPTH levels; a cycle in older data ends the walk).
   */
  groupIdsOf(entityId: string): string[] {
    const found = new Set<string>();
    let frontier = this.directGroupIds(entityId);
    for (let depth = 0; frontier.length > 0 && depth < MAX_GROUP_DEPTH; depth++) {
      const next: string[] = [];
      for (const id of frontier) {
        if (found.has(id)) continue;
        found.add(id);
        for (const parent of this.parentsOfGroup.get(id) ?? []) if (!found.has(parent)) next.push(parent);
      }
      frontier = next;
    }
    return [...found];
  }
}

/**
 * Whether making `member` a member of `groupId` would close a cycle: it would when `groupId` is
 * `member` or one of its members, transitively. Returns the groups it looked at (a writer conditions
 * its commit on them, so a concurrent edge elsewhere cannot close the cycle behind the check).
 */
export function closesCycle(groupId: string, member: string, group: (id: string) => Group | undefined): { cycle: boolean; visited: string[] } {
  const seen = new Set<string>();
  const stack = [member];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current === groupId) return { cycle: true, visited: [...seen] };
    if (seen.has(current) || seen.size > 10_000) continue;
    seen.add(current);
    stack.push(...(group(current)?.memberGroupIds ?? []));
  }
  return { cycle: false, visited: [...seen] };
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function remove(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
