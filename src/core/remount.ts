import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Core } from './core.js';
import { invalidRequest } from '../framework/errors.js';
import { normaliseMountPath } from './mounts.js';

/** Vault's MountMigrationInfo: what sys/remount/status/:migration_id reports. */
export interface MigrationInfo {
  source_mount: string;
  target_mount: string;
  status: 'in-progress' | 'success' | 'failure';
}

/** Paths no secrets engine may be moved from or to (Vault's protectedMounts). */
const PROTECTED_MOUNTS = ['audit/', 'auth/', 'sys/', 'cubbyhole/', 'identity/'];
/** Auth mounts that may not be moved, nor be moved onto (Vault's protectedAuths). */
const PROTECTED_AUTHS = ['auth/token'];
/** How many migrations a node remembers; the oldest are forgotten first (Vault keeps them in memory too). */
const REMEMBERED = 1000;

/** Vault's sanitizePath: no leading slash, one trailing slash. */
function sanitize(path: string): string {
  return `${path.replace(/^\/+/, '').replace(/\/+$/, '')}/`;
}

/**
 * sys/remount (Vault ≥ 1.10): moves a secrets engine or an auth method to another path, keeping its
 * data and configuration. Checked and refused with Vault's messages before anything changes; the
 * mount-table rename itself happens before the answer (so the answer's migration id names a move that
 * already holds its new path), and what Vault does asynchronously after it — revoking the tokens an
 * auth mount issued, as Vault revokes the moved mount's leases — runs in the background, reported
 * by sys/remount/status. Migrations are remembered in memory on this node, as in Vault.
 */
export class Remounts {
  private readonly migrations = new Map<string, MigrationInfo>();

  constructor(private readonly core: Core) {}

  /** Starts a move and answers its migration id; 400 (Vault's wording) when it may not happen. */
  async start(from: string, to: string): Promise<string> {
    if (from === '' || to === '') throw invalidRequest("both 'from' and 'to' path must be specified as a string");
    if (from.trim() !== from) throw invalidRequest("'from' path cannot contain trailing whitespace");
    if (to.trim() !== to) throw invalidRequest("'to' path cannot contain trailing whitespace");
    const source = sanitize(from);
    const target = sanitize(to);
    try {
      normaliseMountPath(target);
    } catch (err) {
      throw invalidRequest(`invalid destination mount: ${(err as Error).message}`);
    }
    if (source.startsWith('auth/')) {
      if (!target.startsWith('auth/')) throw invalidRequest(`cannot remount auth mount to non-auth mount "${target}"`);
      if (PROTECTED_AUTHS.some((p) => source.startsWith(p))) throw invalidRequest(`cannot remount "${source}"`);
      if (PROTECTED_AUTHS.some((p) => target.startsWith(p))) throw invalidRequest(`cannot remount to destination "${target}"`);
      if (target === 'auth/') throw invalidRequest('invalid destination mount: no auth method path after "auth/"');
    } else {
      for (const p of PROTECTED_MOUNTS) {
        if (source.startsWith(p)) throw invalidRequest(`cannot remount "${source}"`);
        if (target.startsWith(p)) throw invalidRequest(`cannot remount to destination ${target}`);
      }
    }
    const entry = this.core.mounts.get(source);
    if (!entry) throw invalidRequest(`no matching mount at "${source}"`);
    // Builtin mounts (sys, cubbyhole, identity, token) are refused above by their paths already.
    const moved = await this.core.moveMount(source, entry.table === 'auth' ? target.slice('auth/'.length) : target);

    const id = randomUUID();
    this.remember(id, { source_mount: source, target_mount: target, status: 'in-progress' });
    const log = this.core.logger.child({ migration_id: id });
    log.info({ from_path: source, to_path: target }, 'mount moved; revoking what the old path issued');
    void this.finish(id, async () => {
      // Vault revokes the moved mount's leases: for an auth method, the tokens its logins made.
      if (moved.table === 'auth') await this.core.tokens.revokeWhere((token) => token.login?.mountAccessor === moved.accessor);
    }, log);
    return id;
  }

  /** The migration's record on this node, if it remembers it. */
  status(id: string): MigrationInfo | undefined {
    const info = this.migrations.get(id);
    return info && { ...info };
  }

  private async finish(id: string, work: () => Promise<void>, log: Logger): Promise<void> {
    try {
      await work();
      this.update(id, 'success');
      log.info('completed mount move operations');
    } catch (err) {
      this.update(id, 'failure');
      log.error({ err: { type: (err as Error).name } }, 'remount failed');
    }
  }

  private remember(id: string, info: MigrationInfo): void {
    this.migrations.set(id, info);
    while (this.migrations.size > REMEMBERED) this.migrations.delete(this.migrations.keys().next().value!);
  }

  private update(id: string, status: MigrationInfo['status']): void {
    const info = this.migrations.get(id);
    if (info) info.status = status;
  }
}
