import { invalidRequest, checkAndSetFailed } from '../../../framework/errors.js';
import type { KeyMetadata, MountConfig } from './model.js';

/** The `options.cas` of a data write: undefined when not sent; a 400 when it is not an integer. */
export function parseCas(options: Record<string, unknown>): number | undefined {
  const raw = options['cas'];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
  if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(Number(raw))) return Number(raw);
  throw invalidRequest('error parsing check-and-set parameter');
}

/**
 * Vault's check-and-set rule (data/:path): when cas is sent it must equal the current version (0 = the
 * path has no version yet); when the mount or the key requires cas, a write without it is refused.
 */
export function checkAndSet(cas: number | undefined, config: MountConfig, meta: KeyMetadata): void {
  if (cas !== undefined) {
    if (cas !== meta.current_version) throw checkAndSetFailed('check-and-set parameter did not match the current version');
    return;
  }
  if (config.cas_required || meta.cas_required) throw checkAndSetFailed('check-and-set parameter required for this call');
}
