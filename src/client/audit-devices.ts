import type { CofferClient } from './client.js';
import { trimSlashes } from './mounts.js';

/** Body of sys/audit/<path> when enabling an audit device. */
export interface AuditEnableRequest {
  type: string;
  description?: string;
  /** Device options, all strings as Vault takes them (file_path, log_raw, prefix, ...). */
  options?: Record<string, string>;
  local?: boolean;
}

/** One enabled audit device as sys/audit lists it. */
export interface AuditDevice {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  path: string;
}

/** Audit devices (sys/audit), as `client.audit`. */
export class AuditClient {
  constructor(private readonly client: CofferClient) {}

  /** sys/audit: the enabled audit devices, keyed by path ("file/"). */
  async list(): Promise<Record<string, AuditDevice>> {
    const answer = await this.client.request<{ data?: Record<string, AuditDevice> } & Record<string, unknown>>('GET', 'sys/audit');
    return answer?.data ?? {};
  }

  /** Enables an audit device at `path` (PUT sys/audit/<path>). */
  async enable(path: string, device: AuditEnableRequest): Promise<void> {
    await this.client.request('PUT', `sys/audit/${trimSlashes(path)}`, { body: device });
  }

  /** Disables the audit device at `path`; disabling one that is not enabled is not an error. */
  async disable(path: string): Promise<void> {
    await this.client.request('DELETE', `sys/audit/${trimSlashes(path)}`);
  }
}
