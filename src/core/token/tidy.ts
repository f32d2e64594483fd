import { isExpired, REVOCATION_PENDING, type TokenEntry } from './entry.js';
import type { TokenRecords } from './records.js';

/** A pending revocation older than this was abandoned (crash, failed revoke) and tidy finishes it. */
const ABANDONED_REVOCATION_MS = 5 * 60_000;

export interface TidyResult {
  /** Expired tokens revoked (with their descendants). */
  expired: number;
  /** Tokens revoked because their parent no longer exists. */
  danglingChildren: number;
  /** Abandoned pending revocations finished. */
  abandoned: number;
  /** Login tokens whose auth mount was disabled. */
  loginMountGone: number;
  /** Accessor index entries that pointed at no token. */
  danglingAccessors: number;
  /** Parent index entries whose parent or child no longer exists. */
  danglingParentLinks: number;
}

/** What a tidy run needs of the store. */
export interface TidyContext {
  records: TokenRecords;
  now: () => number;
  revokeTree: (entry: TokenEntry) => Promise<void>;
  /** Whether a login token's issuing auth mount is gone. */
  loginMountGone: (entry: TokenEntry) => boolean;
}

/**
 * One tidy run: reaps expired tokens (with their trees), descendants of vanished parents, abandoned
 * pending revocations, login tokens of disabled mounts, and index entries that point at nothing.
 */
export async function tidyTokens({ records, now, revokeTree, loginMountGone }: TidyContext): Promise<TidyResult> {
  const result: TidyResult = { expired: 0, danglingChildren: 0, abandoned: 0, loginMountGone: 0, danglingAccessors: 0, danglingParentLinks: 0 };
  const nowMs = now();

  for (const tokenId of await records.tokenIds()) {
    const entry = await records.load(tokenId);
    if (!entry) continue;
    if (isExpired(entry, now())) {
      await revokeTree(entry);
      result.expired++;
    } else if (entry.parentId && !(await records.load(entry.parentId))) {
      await revokeTree(entry);
      result.danglingChildren++;
    } else if (entry.numUses === REVOCATION_PENDING && nowMs - (entry.revokePendingSince ?? 0) > ABANDONED_REVOCATION_MS) {
      await revokeTree(entry);
      result.abandoned++;
    } else if (entry.login && loginMountGone(entry)) {
      await revokeTree(entry);
      result.loginMountGone++;
    }
  }

  for (const key of await records.accessorKeys()) {
    const index = await records.accessorIndexAt(key);
    if (index && (await records.load(index.tokenId))) continue;
    await records.deleteAccessorAt(key);
    result.danglingAccessors++;
  }

  for (const folder of await records.parentFolders()) {
    const parentId = folder.replace(/\/$/, '');
    const parentExists = (await records.load(parentId)) !== undefined;
    for (const childId of await records.linksUnder(folder)) {
      if (parentExists && (await records.load(childId))) continue;
      await records.deleteParentLink(parentId, childId);
      result.danglingParentLinks++;
    }
  }
  return result;
}
