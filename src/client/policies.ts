import type { CofferClient } from './client.js';
import { CofferApiError } from './errors.js';
import type { Secret } from './types.js';

/** ACL policies (sys/policy, sys/policies/acl), as `client.policy`. */
export class PolicyClient {
  constructor(private readonly client: CofferClient) {}

  /** Lists ACL policy names. */
  async list(): Promise<string[]> {
    const answer = await this.client.request<Secret<{ keys?: string[]; policies?: string[] }>>('GET', 'sys/policy');
    return answer?.data?.policies ?? answer?.data?.keys ?? [];
  }

  /** Reads an ACL policy's text, or undefined when there is no such policy. */
  async read(name: string): Promise<string | undefined> {
    try {
      const answer = await this.client.request<Secret<{ policy?: string; rules?: string }>>('GET', `sys/policies/acl/${encodeURIComponent(name)}`);
      return answer?.data?.policy ?? answer?.data?.rules;
    } catch (err) {
      if (err instanceof CofferApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Creates or replaces an ACL policy. */
  async write(name: string, policy: string): Promise<void> {
    await this.client.request('PUT', `sys/policies/acl/${encodeURIComponent(name)}`, { body: { policy } });
  }

  /** Deletes an ACL policy. */
  async delete(name: string): Promise<void> {
    await this.client.request('DELETE', `sys/policies/acl/${encodeURIComponent(name)}`);
  }
}
