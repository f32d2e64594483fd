import type { Outcome } from '../core/pipeline.js';

/** Vault's response envelope for a logical request. */
export function envelope(requestId: string, { resp, mountType, wrapInfo, requestId: originalId }: Outcome): Record<string, unknown> {
  return {
    request_id: originalId ?? requestId,
    lease_id: resp.lease?.id ?? '',
    renewable: resp.lease?.renewable ?? false,
    lease_duration: resp.lease?.duration ?? 0,
    data: resp.data ?? null,
    wrap_info: wrapInfo ?? null,
    warnings: resp.warnings && resp.warnings.length > 0 ? resp.warnings : null,
    auth: resp.auth ?? null,
    mount_type: mountType,
  };
}

/** Vault answers 204 when a response carries nothing: no data, no auth, no lease, no warnings. */
export function isEmpty({ resp, wrapInfo }: Outcome): boolean {
  return resp.data == null && !resp.auth && !resp.lease && !resp.warnings?.length && !wrapInfo;
}
