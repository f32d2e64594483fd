import type { Logger } from 'pino';
import type { MountStorage } from '../../framework/types.js';
import type { CrlStore } from './crl.js';
import type { MountTtls } from './issuance.js';
import type { KeyPool, SigningKeys } from './keys.js';
import { crlConfig, type Mutex } from './model.js';
import type { Tidy } from './tidy.js';

/** What the PKI paths share within one mount. */
export interface PkiContext {
  pool: KeyPool;
  /** Issuer keys imported for signing, briefly (see SigningKeys). */
  signingKeys: SigningKeys;
  /** Serialises changes to issuers and keys, and CRL builds. */
  lock: Mutex;
  crls: CrlStore;
  tidy: Tidy;
  ttls(): MountTtls;
  now(): number;
  logger: Logger;
}

/** Rebuilds every CRL now (crl/rotate, a new issuer, config/crl). */
export function rebuildCrls(ctx: PkiContext, store: MountStorage): Promise<void> {
  return ctx.lock.run(() => ctx.crls.rebuildAll(store, ctx.now()));
}

/** After a revocation: the CRLs are rebuilt at once, unless config/crl has auto_rebuild (then the periodic check does it). */
export async function afterRevocation(ctx: PkiContext, store: MountStorage): Promise<void> {
  if ((await crlConfig(store)).auto_rebuild) return;
  await rebuildCrls(ctx, store);
}
