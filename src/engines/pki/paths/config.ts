import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type PathDef } from '../../../framework/types.js';
import { rebuildCrls, type PkiContext } from '../context.js';
import { crlConfig, KEYS, urlsConfig, type CrlConfig, type UrlsConfig } from '../model.js';
import { DEFAULT_AUTO_TIDY, tidyFields, type AutoTidyConfig, type TidyParams } from '../tidy.js';

/** Seconds the way Vault's config answers echo durations ("72h", "15m", "1h30m"). */
export function shortDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

const crlFields = {
  expiry: field.duration({ description: 'How long a CRL is valid (nextUpdate), default 72h.' }),
  disable: field.bool({ description: 'Serve empty (still signed) CRLs.' }),
  ocsp_disable: field.bool({ description: 'The OCSP responder answers "unauthorized" to everything.' }),
  ocsp_expiry: field.duration({ description: 'nextUpdate of OCSP answers, default 12h; 0 leaves it out.' }),
  auto_rebuild: field.bool({ description: 'Rebuild CRLs periodically before they expire, not at each revocation.' }),
  auto_rebuild_grace_period: field.duration({ description: 'How long before expiry an auto rebuild happens, default 12h.' }),
  enable_delta: field.bool({ description: 'Delta CRLs (not supported yet: must be false).' }),
  delta_rebuild_interval: field.duration(),
  cross_cluster_revocation: field.bool(),
  unified_crl: field.bool(),
  unified_crl_on_existing_paths: field.bool(),
};

const describeCrl = (c: CrlConfig) => ({
  expiry: shortDuration(c.expiry),
  disable: c.disable,
  ocsp_disable: c.ocsp_disable,
  ocsp_expiry: shortDuration(c.ocsp_expiry),
  auto_rebuild: c.auto_rebuild,
  auto_rebuild_grace_period: shortDuration(c.auto_rebuild_grace_period),
  enable_delta: c.enable_delta,
  delta_rebuild_interval: shortDuration(c.delta_rebuild_interval),
  cross_cluster_revocation: false,
  unified_crl: false,
  unified_crl_on_existing_paths: false,
});

const urlFields = {
  issuing_certificates: field.strings({ description: 'URLs of the issuing CA certificate (AIA caIssuers).' }),
  crl_distribution_points: field.strings({ description: 'URLs of the CRL (CRL Distribution Points).' }),
  ocsp_servers: field.strings({ description: 'URLs of the OCSP responder (AIA OCSP).' }),
  enable_templating: field.bool({ description: 'AIA URL templating (not supported yet: must be false).' }),
};

function checkUrls(name: string, urls: string[]): string[] {
  for (const url of urls) if (!URL.canParse(url)) throw invalidRequest(`invalid URL found in Authority Information Access (AIA) parameter ${name}: ${url}`);
  return urls;
}

const autoTidyFields = { ...tidyFields, enabled: field.bool(), interval_duration: field.duration({ default: DEFAULT_AUTO_TIDY.interval_duration }) };

const describeAutoTidy = (c: AutoTidyConfig) => ({
  ...c,
  pause_duration: shortDuration(c.pause_duration),
  tidy_expired_issuers: false,
  tidy_move_legacy_ca_bundle: false,
  tidy_revocation_queue: false,
  tidy_cross_cluster_revoked_certs: false,
  issuer_safety_buffer: 365 * 24 * 3600,
  revocation_queue_safety_buffer: 48 * 3600,
  maintain_stored_certificate_counts: false,
  publish_stored_certificate_count_metrics: false,
});

/** config/crl, config/urls, crl/rotate, tidy, tidy-status, tidy-cancel, config/auto-tidy. */
export function configPaths(ctx: PkiContext): PathDef[] {
  return [
    definePath({
      pattern: 'config/crl',
      fields: crlFields,
      operations: {
        read: async (_req, store) => ok(describeCrl(await crlConfig(store))),
        update: async (req, store) => {
          const current = await crlConfig(store);
          const next: CrlConfig = { ...current };
          for (const name of ['expiry', 'disable', 'ocsp_disable', 'ocsp_expiry', 'auto_rebuild', 'auto_rebuild_grace_period', 'delta_rebuild_interval'] as const) {
            if (req.provided(name)) (next as unknown as Record<string, unknown>)[name] = req.fields[name];
          }
          if (req.provided('enable_delta') && req.fields.enable_delta) throw invalidRequest('delta CRLs are not supported yet');
          for (const name of ['cross_cluster_revocation', 'unified_crl', 'unified_crl_on_existing_paths'] as const) {
            if (req.fields[name]) throw invalidRequest(`${name} is a Vault Enterprise feature and cannot be enabled`);
          }
          if (next.expiry <= 0) throw invalidRequest('expiry must be positive');
          if (next.auto_rebuild && next.auto_rebuild_grace_period >= next.expiry) {
            throw invalidRequest(`CRL auto-rebuilding grace period (${shortDuration(next.auto_rebuild_grace_period)}) must be strictly shorter than CRL expiry (${shortDuration(next.expiry)}) value when auto-rebuilding of CRLs is enabled`);
          }
          await store.put(KEYS.configCrl, next);
          // As Vault: a changed configuration rebuilds the CRLs at once.
          await rebuildCrls(ctx, store);
          return ok(describeCrl(next));
        },
      },
      description: 'How CRLs and OCSP answers are built.',
    }),
    definePath({
      pattern: 'crl/rotate',
      fields: {},
      operations: {
        read: async (_req, store) => {
          await rebuildCrls(ctx, store);
          return ok({ success: true });
        },
      },
      description: 'Rebuild every issuer\'s CRL now.',
    }),
    definePath({
      pattern: 'config/urls',
      fields: urlFields,
      operations: {
        read: async (_req, store) => {
          const urls = await urlsConfig(store);
          return ok({ issuing_certificates: urls.issuing_certificates, crl_distribution_points: urls.crl_distribution_points, ocsp_servers: urls.ocsp_servers, enable_templating: false });
        },
        update: async (req, store) => {
          if (req.fields.enable_templating) throw invalidRequest('AIA URL templating is not supported yet');
          const next: UrlsConfig = { ...(await urlsConfig(store)) };
          for (const name of ['issuing_certificates', 'crl_distribution_points', 'ocsp_servers'] as const) {
            if (req.provided(name)) next[name] = checkUrls(name, req.fields[name]);
          }
          await store.put(KEYS.configUrls, next);
          return ok({ issuing_certificates: next.issuing_certificates, crl_distribution_points: next.crl_distribution_points, ocsp_servers: next.ocsp_servers, enable_templating: false });
        },
      },
      description: 'The URLs put in issued certificates (AIA and CRL distribution points).',
    }),
    definePath({
      pattern: 'tidy',
      fields: tidyFields,
      operations: {
        update: async (req, store) => {
          const params: TidyParams = { ...req.fields };
          if (!params.tidy_cert_store && !params.tidy_revoked_certs && !params.tidy_revoked_cert_issuer_associations) {
            throw invalidRequest('at least one tidy operation must be enabled (tidy_cert_store, tidy_revoked_certs)');
          }
          if (!ctx.tidy.start(store, params, ctx.now, () => rebuildCrls(ctx, store))) throw invalidRequest('tidy operation already in progress');
          return { status: 202, warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."] };
        },
      },
      description: 'Remove expired certificates and revocations from storage.',
    }),
    definePath({ pattern: 'tidy-status', fields: {}, operations: { read: async () => ok(ctx.tidy.describe()) }, description: 'The current or last tidy run.' }),
    definePath({
      pattern: 'tidy-cancel',
      fields: {},
      operations: {
        update: async () => {
          ctx.tidy.cancel();
          return ok(ctx.tidy.describe());
        },
      },
      description: 'Stop a running tidy at its next certificate.',
    }),
    definePath({
      pattern: 'config/auto-tidy',
      fields: autoTidyFields,
      operations: {
        read: async (_req, store) => ok(describeAutoTidy({ ...DEFAULT_AUTO_TIDY, ...(await store.get<AutoTidyConfig>(KEYS.configAutoTidy)) })),
        update: async (req, store) => {
          const current = { ...DEFAULT_AUTO_TIDY, ...(await store.get<AutoTidyConfig>(KEYS.configAutoTidy)) };
          const next: AutoTidyConfig = { ...current };
          for (const name of Object.keys(autoTidyFields) as (keyof typeof autoTidyFields)[]) {
            if (req.provided(name)) (next as unknown as Record<string, unknown>)[name] = req.fields[name];
          }
          if (next.enabled && !next.tidy_cert_store && !next.tidy_revoked_certs) throw invalidRequest('auto-tidy enabled but no tidy operations were requested (tidy_cert_store, tidy_revoked_certs)');
          if (next.interval_duration <= 0) throw invalidRequest('interval_duration must be positive');
          await store.put(KEYS.configAutoTidy, next);
          return ok(describeAutoTidy(next));
        },
      },
      description: 'Periodic tidy.',
    }),
  ];
}
