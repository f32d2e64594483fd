import type { BackendFactory } from '../../framework/system-view.js';
import type { Backend } from '../../framework/types.js';
import type { PkiContext } from './context.js';
import { CrlStore } from './crl.js';
import { KeyPool, SigningKeys } from './keys.js';
import { crlConfig, KEYS, loadAll, Mutex, type IssuerEntry } from './model.js';
import { caPaths } from './paths/ca.js';
import { configPaths } from './paths/config.js';
import { fetchPaths } from './paths/fetch.js';
import { CERT_SECRET, certSecretType, issuePaths } from './paths/issue.js';
import { issuerPaths } from './paths/issuers.js';
import { revokePaths } from './paths/revoke.js';
import { rolePaths } from './paths/roles.js';
import { DEFAULT_AUTO_TIDY, Tidy, type AutoTidyConfig } from './tidy.js';

/** How often the active node checks for CRLs to rebuild (auto_rebuild) and an auto-tidy to run, as Vault's periodic function. */
const PERIODIC_MS = 60_000;

/**
 * The PKI secrets engine (Vault's `pki`): several issuers per mount with their keys (only in the
 * mount's barrier-encrypted storage), roles, issuance and CSR signing, revocation with CRLs and an
 * OCSP responder, tidy. Leases for generate_lease roles are the pipeline's (`secrets.pki`).
 */
export const pkiBackend: BackendFactory = (view): Backend => {
  const ctx: PkiContext = {
    pool: new KeyPool(),
    signingKeys: new SigningKeys(),
    lock: new Mutex(),
    crls: new CrlStore(),
    tidy: new Tidy(view.logger, view.now()),
    ttls: () => view.leaseTtls(),
    now: () => view.now(),
    logger: view.logger,
  };
  let busy = false;
  const periodic = async () => {
    const store = view.storage;
    const config = await crlConfig(store);
    if (config.auto_rebuild) {
      const issuers = await loadAll<IssuerEntry>(store, KEYS.issuers);
      for (const issuer of issuers) {
        const next = await ctx.crls.nextUpdate(store, issuer.id);
        if (next !== undefined && next - config.auto_rebuild_grace_period * 1000 <= ctx.now()) {
          await ctx.lock.run(() => ctx.crls.rebuildAll(store, ctx.now()));
          break;
        }
      }
    }
    const tidy: AutoTidyConfig = { ...DEFAULT_AUTO_TIDY, ...(await store.get<AutoTidyConfig>(KEYS.configAutoTidy)) };
    if (tidy.enabled && ctx.now() - ctx.tidy.lastAutoTidyFinished >= tidy.interval_duration * 1000) {
      ctx.tidy.start(store, tidy, ctx.now, () => ctx.lock.run(() => ctx.crls.rebuildAll(store, ctx.now())), true);
    }
  };
  const timer = setInterval(() => {
    if (busy || !view.isActive()) return;
    busy = true;
    periodic()
      .catch((err: unknown) => view.logger.warn({ error: (err as Error).message, mount: view.mount.path }, 'pki: periodic CRL / tidy check failed'))
      .finally(() => (busy = false));
  }, PERIODIC_MS);
  timer.unref();
  return {
    type: 'pki',
    paths: [...caPaths(ctx), ...issuePaths(ctx), ...issuerPaths(ctx), ...rolePaths(), ...revokePaths(ctx), ...configPaths(ctx), ...fetchPaths(ctx)],
    secrets: { [CERT_SECRET]: certSecretType(ctx) },
    async close() {
      clearInterval(timer);
      ctx.pool.close();
      ctx.signingKeys.clear();
    },
  };
};
