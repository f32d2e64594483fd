import type { CofferClient } from './client.js';
import { CofferApiError } from './errors.js';

type Data = Record<string, unknown>;

/** Body of sys/mounts/<path> or sys/auth/<path> when enabling a secrets engine or an auth method. */
export interface MountRequest {
  type: string;
  description?: string;
  config?: Data;
  options?: Record<string, string>;
  local?: boolean;
  seal_wrap?: boolean;
}

/** sys/remount/status/:migration_id: where a mount move is. */
export interface MountMigration {
  migration_id: string;
  migration_info: { source_mount: string; target_mount: string; status: 'in-progress' | 'success' | 'failure' | string };
}

/**
 * Secrets engines (sys/mounts, as `client.secrets`) or auth methods (sys/auth, as `client.auth`):
 * the two tables have the same API, so one implementation serves both.
 */
export class MountsClient {
  constructor(
    private readonly client: CofferClient,
    /** "sys/mounts" or "sys/auth". */
    private readonly table: 'sys/mounts' | 'sys/auth',
  ) {}

  /** The enabled mounts, keyed by path ("secret/", "userpass/"). */
  async list(): Promise<Record<string, Data>> {
    const answer = await this.client.request<{ data?: Record<string, Data> } & Record<string, unknown>>('GET', this.table);
    return answer?.data ?? {};
  }

  /** Enables a secrets engine or auth method at `path`. */
  async enable(path: string, mount: MountRequest): Promise<void> {
    await this.client.request('POST', `${this.table}/${trimSlashes(path)}`, { body: mount });
  }

  /** Disables the mount at `path` (the server deletes its data, or revokes what an auth method issued). */
  async disable(path: string): Promise<void> {
    await this.client.request('DELETE', `${this.table}/${trimSlashes(path)}`);
  }

  /** Changes a mount's configuration (<table>/<path>/tune). */
  async tune(path: string, config: Data): Promise<void> {
    await this.client.request('POST', `${this.table}/${trimSlashes(path)}/tune`, { body: config });
  }
}

/** sys/remount: moving a secrets engine or an auth method to another path. */
export class RemountClient {
  constructor(private readonly client: CofferClient) {}

  /** sys/remount: starts moving a mount ("secret/" → "kv/", "auth/a/" → "auth/b/"); answers the migration id. */
  async start(from: string, to: string): Promise<string> {
    const answer = await this.client.request<{ data?: { migration_id?: unknown } } & Record<string, unknown>>('POST', 'sys/remount', { body: { from, to } });
    const id = answer?.data?.migration_id;
    if (typeof id !== 'string' || id === '') throw new Error('sys/remount answered no migration_id');
    return id;
  }

  /** sys/remount/status/:migration_id; undefined when the server does not know the migration. */
  async status(migrationId: string): Promise<MountMigration | undefined> {
    try {
      const answer = await this.client.request<{ data?: MountMigration } & Record<string, unknown>>('GET', `sys/remount/status/${encodeURIComponent(migrationId)}`);
      return answer?.data;
    } catch (err) {
      if (err instanceof CofferApiError && err.status === 404) return undefined;
      throw err;
    }
  }
}

export function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
