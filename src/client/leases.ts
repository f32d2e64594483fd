import type { CofferClient } from './client.js';
import { CofferApiError } from './errors.js';
import type { Secret } from './types.js';

/** What sys/leases/lookup answers about one lease. */
export interface LeaseInfo {
  id: string;
  issue_time: string;
  expire_time: string | null;
  last_renewal: string | null;
  renewable: boolean;
  ttl: number;
}

/** Leases (sys/leases/*), as `client.leases`. */
export class LeaseClient {
  constructor(private readonly client: CofferClient) {}

  async lookup(leaseId: string): Promise<LeaseInfo | undefined> {
    return (await this.client.request<Secret<LeaseInfo>>('PUT', 'sys/leases/lookup', { body: { lease_id: leaseId } }))?.data ?? undefined;
  }

  /** The lease ids (and folders of them) under a prefix. */
  async list(prefix: string): Promise<string[]> {
    try {
      const answer = await this.client.list(`sys/leases/lookup/${prefix.replace(/^\/+/, '')}`);
      return answer?.data?.keys ?? [];
    } catch (err) {
      // As for any Vault LIST, nothing there is a 404.
      if (err instanceof CofferApiError && err.status === 404) return [];
      throw err;
    }
  }

  /** Renews a lease by `increment` (seconds, or a duration such as "1h"; absent: the secret's default); answers the renewed secret. */
  async renew(leaseId: string, increment?: number | string): Promise<Secret | undefined> {
    return this.client.request('PUT', 'sys/leases/renew', { body: { lease_id: leaseId, ...(increment !== undefined && increment !== '' ? { increment } : {}) } });
  }

  /** Revokes a lease: before answering when `sync`, else queued (202). */
  async revoke(leaseId: string, options: { sync?: boolean } = {}): Promise<void> {
    await this.client.request('PUT', 'sys/leases/revoke', { body: { lease_id: leaseId, sync: options.sync ?? true } });
  }

  /** Revokes every lease under a prefix; `force` removes them even when their backend cannot revoke them. */
  async revokePrefix(prefix: string, options: { sync?: boolean; force?: boolean } = {}): Promise<void> {
    const path = `sys/leases/${options.force ? 'revoke-force' : 'revoke-prefix'}/${prefix.replace(/^\/+/, '')}`;
    await this.client.request('PUT', path, { body: options.force ? {} : { sync: options.sync ?? true } });
  }
}
