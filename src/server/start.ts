import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Barrier } from '../barrier/barrier.js';
import { openFileSink } from '../audit/file.js';
import { openSocketSink } from '../audit/socket.js';
import { openSyslogSink } from '../audit/syslog.js';
import { approleBackend } from '../auth/approle/index.js';
import { jwtBackend } from '../auth/jwt/index.js';
import { kubernetesBackend } from '../auth/kubernetes/index.js';
import { tokenBackend } from '../core/backends/token/index.js';
import { userpassBackend } from '../auth/userpass/index.js';
import { BOOTSTRAP_TOKEN_ENV, ensureBootstrapToken } from '../core/bootstrap-token.js';
import { Core } from '../core/core.js';
import { DEFAULT_DEK_CACHE } from '../core/data-keys.js';
import { cubbyholeBackend } from '../engines/cubbyhole/index.js';
import { identityBackend } from '../core/backends/identity/index.js';
import { kvBackend } from '../engines/kv/index.js';
import { transitBackend } from '../engines/transit/index.js';
import { hashAndRandomPaths } from '../engines/transit/paths/tools.js';
import { databaseBackend } from '../engines/database/index.js';
import { pkiBackend } from '../engines/pki/index.js';
import { statusBackend, sysBackend } from '../core/backends/sys/index.js';
import { listen, type Listener, type TlsMaterial, type TlsOptions } from '../http/listener.js';
import type { ListenerSettings } from '../http/listener-settings.js';
import { DEFAULT_MAX_REQUEST_DURATION_MS } from '../http/request-limits.js';
import { buildHttpServer } from '../http/server.js';
import type { Kms } from '../kms/kms.js';
import { configuredSealKms, sealIsEphemeral } from './seal.js';
import { Pkcs11Kms } from '../kms/pkcs11.js';
import { TransitKms } from '../kms/transit.js';
import { autoUnsealAtStart } from './auto-unseal.js';
import { SealMigration } from '../core/seal-migration.js';
import { connectStorage } from '../storage/index.js';
import { EtcdStorage } from '../storage/etcd.js';
import { HaNode } from '../core/ha/node.js';
import { unsealWhenInitialized } from '../core/ha/await-init.js';
import { FORWARDING_KEY_PURPOSE } from '../http/forwarded-client.js';
import { installHaForwarding } from '../http/ha-forward.js';
import type { ListenerConfig, ServerConfig } from './config.js';
import { createLoggers, parseLogFormat, parseLogLevel, ServerLoggers } from './logging.js';

export interface StartOptions {
  config: ServerConfig;
  /** Dev mode: fresh store in a temp dir, ephemeral key, initialized and unsealed, secret/ mounted as kv v2. */
  dev?: { rootTokenId?: string };
  logger?: Logger;
  /** Test seam: wraps the KMS that seals KV data keys (e.g. a stand-in that can be made to fail). */
  wrapDataKeyKms?: (kms: Kms) => Kms;
}

export interface RunningServer {
  core: Core;
  http: FastifyInstance;
  /** Base URL of each listener, e.g. http://127.0.0.1:8200. */
  addresses: string[];
  /** The root token; only known in dev mode or right after initialization. */
  rootToken?: string;
  /**
   * Re-reads every TLS listener's certificate, key and client CA files for new connections (SIGHUP).
   * A listener whose files do not load keeps what it had, and the failure is logged.
   */
  reloadTls(): Promise<void>;
  close(): Promise<void>;
}

/** Opens storage, barrier and core, then starts the listeners. */
export async function startServer({ config, dev, logger: givenLogger, wrapDataKeyKms }: StartOptions): Promise<RunningServer> {
  const loggers = givenLogger
    ? new ServerLoggers(givenLogger)
    : createLoggers(parseLogLevel(config.logLevel ?? 'info') ?? 'info', parseLogFormat(config.logFormat ?? 'json') ?? 'json');
  const logger = loggers.root;
  // An HSM or cloud KMS is opened (and checked) first: one that cannot be used stops the start.
  // A local seal with no key refuses to start here, before storage is opened.
  const localKms = dev || config.seal.type === 'local' ? configuredSealKms(config, !!dev, logger) : undefined;
  const providerKms = dev ? undefined : await openProviderKms(config.seal);
  const physical = await connectStorage(config.storage);
  // Undefined for seal "shamir": the unseal key, rebuilt from shares at sys/unseal, wraps the root key.
  const kms: Kms | undefined = providerKms ?? localKms;
  // Seal migration: the old seal's stanza has disabled = "true"; its KMS (if any) is opened like the new one's.
  const migrationProviderKms = !dev && config.migrationSeal ? await openProviderKms(config.migrationSeal) : undefined;
  const migrationKms: Kms | undefined =
    migrationProviderKms ?? (!dev && config.migrationSeal?.type === 'local' ? configuredSealKms({ ...config, seal: config.migrationSeal }, false, logger) : undefined);
  const migration = !dev && config.migrationSeal ? new SealMigration(migrationKms ?? 'shamir', kms ?? 'shamir') : undefined;
  const barrier = new Barrier(physical, kms);
  // HA (storage "etcd" with ha_enabled): nodes sharing the prefix elect one active node.
  const ha =
    config.storage.type === 'etcd' && config.storage.haEnabled && physical instanceof EtcdStorage
      ? new HaNode({ client: physical.client, prefix: physical.prefix, apiAddr: config.apiAddr!, ...(config.clusterAddr ? { clusterAddr: config.clusterAddr } : {}), acceptsForwarding: !config.disableClustering, logger: loggers.logger('core'), onElected: () => core.reload(), fence: (f) => physical.fenceWith(f), onRestoredElsewhere: () => unsealRestoredStore(core, logger) })
      : undefined;
  const listeners: Listener[] = [];
  // The identity token issuer's default: api_addr, else this server's first listener (as Vault's dev mode).
  const apiAddress = () => config.apiAddr ?? listeners[0]?.url;
  const core: Core = new Core({
    barrier,
    logger: loggers.logger('core'),
    storageType: config.storage.type,
    tidyInterval: tidyIntervalFromEnv(),
    ...leaseRetryFromEnv(),
    dataKeyKms: kms && wrapDataKeyKms ? wrapDataKeyKms(kms) : kms,
    ...(migrationKms ? { previousDataKeyKms: migrationKms } : {}),
    ...(config.dekCacheTtlMs !== undefined ? { dekCache: { ...DEFAULT_DEK_CACHE, ttlMs: config.dekCacheTtlMs } } : {}),
    ...(config.kmsRewrap ? { kmsRewrap: config.kmsRewrap } : {}),
    statusBackend: (c) => statusBackend(c, { shamir: !dev && config.seal.type === 'shamir', ephemeral: sealIsEphemeral(config, !!dev), ...(migration ? { migration } : {}), ...(ha ? { ha } : {}) }),
    onUnsealed: async (c) => {
      await ensureBootstrapToken(c, process.env[BOOTSTRAP_TOKEN_ENV], logger);
      ha?.join();
    },
    ...(ha ? { isActive: () => ha.active, onSealed: () => ha.leave(), onStoreReplaced: () => ha.announceStoreReplaced() } : {}),
    auditDevices: { file: openFileSink, socket: openSocketSink, syslog: openSyslogSink },
    factories: {
      secret: {
        kv: (view) => kvBackend(view.mount, { dataKeys: view.dataKeys }),
        cubbyhole: () => cubbyholeBackend(),
        transit: () => transitBackend(),
        database: (view) => databaseBackend(view),
        pki: (view) => pkiBackend(view),
      },
      auth: {
        approle: () => approleBackend(),
        jwt: (view) => jwtBackend(view.mount),
        oidc: (view) => jwtBackend(view.mount),
        kubernetes: () => kubernetesBackend(),
        userpass: () => userpassBackend(),
      },
    },
    coreBackends: {
      secret: {
        system: (_m, c) => sysBackend(c, { loggers, tools: hashAndRandomPaths('tools/'), ...(ha ? { ha } : {}) }),
        identity: (m, c) => identityBackend(c, m, { apiAddress, ...oidcRotationFromEnv() }),
      },
      auth: {
        token: (m, c) =>
          tokenBackend(c.tokens, {
            hasSudo: async (caller, path) => (await c.aclFor(caller)).allowOperation(path, 'update').sudo,
            entityForAlias: async (alias) => (await c.identityIn(m.namespace).entityForLogin(m.accessor, alias)).id,
            checkLoginRenewal: (entry) => c.checkLoginRenewal(entry),
            onTokenCreated: () => c.metrics.tokenCreated('token', `auth/${m.path}`, m.namespace?.path),
            namespacePathOf: (id) => c.namespaces.getById(id)?.path,
          }),
      },
    },
  });

  await ha?.start();
  let rootToken: string | undefined;
  let stopAutoUnseal: (() => void) | undefined;
  if (migration && (await migration.detect(core))) {
    logger.warn(`seal migration from ${SealMigration.typeOf(migration.from)} to ${SealMigration.typeOf(migration.to)} pending: unseal with migrate=true and the ${migration.from === 'shamir' ? 'unseal' : 'recovery'} key shares`);
  } else if (dev) {
    ({ rootToken } = await core.initializeStore({ rootTokenId: dev.rootTokenId }));
    const secret = await core.mounts.add({ path: 'secret/', type: 'kv', table: 'secret', description: 'key/value secret storage', options: { version: '2' } });
    core.startBackend(secret);
  } else if (!kms) {
    // seal "shamir": nothing to unseal with until the operators submit their shares.
    if (await core.isInitialized()) logger.info('sealed: unseal with the unseal key shares (PUT /v1/sys/unseal, or coffer operator unseal)');
    else logger.warn('storage is not initialized: initialize it with PUT /v1/sys/init');
  } else if (await core.isInitialized()) {
    // A KMS on another machine or device may be down for a while: stay up sealed and retry, as
    // Vault's auto-unseal does. A local key that does not fit is a configuration error: exit.
    if (providerKms) stopAutoUnseal = await autoUnsealAtStart(core, logger);
    else await core.unseal();
  } else {
    logger.warn('storage is not initialized: initialize it with PUT /v1/sys/init');
    // HA: the cluster may be initialized through another node; this one then unseals with the shared KMS.
    if (ha) stopAutoUnseal = unsealWhenInitialized(core, logger);
  }

  // Gauges read on scrape. Live tokens: one listing of the token store's keys, nothing decrypted.
  core.metrics.observe({ sealed: () => core.sealed, liveTokens: async () => (core.sealed ? undefined : core.tokens.count()) });
  const forwardingKey = () => core.barrier.derivedKey(FORWARDING_KEY_PURPOSE);
  const http = buildHttpServer(core, { logger: loggers.logger('http'), maxRequestSize: bodyCeiling(config), ui: config.ui || !!dev, ...(ha ? { forwardingKey } : {}) });
  loggers.attach('http', http.log as Logger);
  if (ha) installHaForwarding(http, ha, forwardingKey);
  try {
    for (const listener of config.listeners) {
      const tlsFiles = listener.tlsDisable ? undefined : tlsOptions(listener, await readTlsMaterial(listener));
      if (listener.tlsClientCaFile && !listener.tlsRequireAndVerifyClientCert) {
        logger.warn({ listener: listener.address }, 'tls_client_ca_file is used only with tls_require_and_verify_client_cert (as in Vault)');
      }
      listeners.push(await listen(http, { ...splitAddress(listener.address), tls: tlsFiles, settings: { ...listener.settings, ...requestLimits(config, listener) } }));
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    await ha?.close();
    await core.close();
    await physical.close();
    throw err;
  }

  return {
    core,
    http,
    addresses: listeners.map((l) => l.url),
    rootToken,
    async reloadTls() {
      for (const [i, listener] of config.listeners.entries()) {
        if (listener.tlsDisable) continue;
        try {
          listeners[i]!.reloadTls(await readTlsMaterial(listener));
          logger.info({ listener: listener.address }, 'TLS certificate reloaded');
        } catch (err) {
          // The messages name files and OpenSSL reasons, never key material.
          logger.error({ listener: listener.address, error: (err as Error).message }, 'TLS certificate reload failed; keeping the previous certificate');
        }
      }
    },
    async close() {
      stopAutoUnseal?.();
      await Promise.all(listeners.map((l) => l.close()));
      await http.close();
      await ha?.close();
      await core.close();
      await physical.close();
      providerKms?.close();
      migrationProviderKms?.close();
    },
  };
}

/** A listener's max_request_size and max_request_duration, with the server-wide defaults filled in. */
function requestLimits(config: ServerConfig, listener: ListenerConfig): Pick<ListenerSettings, 'maxRequestSize' | 'maxRequestDurationMs'> {
  const size = listener.maxRequestSize ?? config.maxRequestSize ?? 32 * 1024 * 1024;
  return {
    maxRequestSize: size < 0 ? Infinity : size,
    maxRequestDurationMs: listener.maxRequestDurationMs ?? config.defaultMaxRequestDurationMs ?? DEFAULT_MAX_REQUEST_DURATION_MS,
  };
}

/** Fastify's own body limit: the highest of the listeners'; a listener with a lower one enforces it itself. */
function bodyCeiling(config: ServerConfig): number {
  const highest = Math.max(...config.listeners.map((listener) => requestLimits(config, listener).maxRequestSize!));
  return Math.min(highest, Number.MAX_SAFE_INTEGER);
}

/** Reads a TLS listener's certificate, key and (when given) client CA files; errors name the file. */
async function readTlsMaterial(listener: ListenerConfig): Promise<TlsMaterial> {
  const read = async (option: string, file: string) => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new Error(`listener ${listener.address}: cannot read ${option} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return {
    cert: await read('tls_cert_file', listener.tlsCertFile!),
    key: await read('tls_key_file', listener.tlsKeyFile!),
    ...(listener.tlsClientCaFile ? { ca: await read('tls_client_ca_file', listener.tlsClientCaFile) } : {}),
  };
}

function tlsOptions(listener: ListenerConfig, material: TlsMaterial): TlsOptions {
  return {
    ...material,
    minVersion: listener.tlsMinVersion,
    maxVersion: listener.tlsMaxVersion,
    ciphers: listener.tlsCiphers,
    clientCerts: listener.tlsRequireAndVerifyClientCert ? 'require' : listener.tlsDisableClientCerts ? 'none' : 'request',
  };
}

/** Dev mode's store: a SQLite file in a fresh temp directory. */
export async function devStorage(): Promise<ServerConfig['storage']> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-dev-'));
  return { type: 'sqlite', path: join(dir, 'coffer.db') };
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!m) throw new Error(`invalid listen address ${address}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/**
 * HA standby: the active node restored a snapshot, so the root key and keyring this node holds may
 * no longer open the store. It seals and unseals again from the restored store; with a Shamir seal
 * (or a snapshot of other keys) it stays sealed until unsealed with that store's keys. A node an
 * operator sealed stays sealed.
 */
async function unsealRestoredStore(core: Core, logger: Logger): Promise<void> {
  if (core.sealed) return;
  logger.warn('HA: the active node restored a storage snapshot; unsealing again from the restored store');
  await core.seal();
  await core.unseal().catch((err: unknown) => {
    logger.warn({ reason: err instanceof Error ? err.message : 'unknown' }, 'HA: this node stays sealed: unseal it with the keys of the restored store');
  });
}

/** COFFER_TIDY_INTERVAL_SECONDS shortens the reaper's period (tests); default 60 s. */
function tidyIntervalFromEnv(): number | undefined {
  const raw = process.env.COFFER_TIDY_INTERVAL_SECONDS;
  const seconds = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
}

/** COFFER_OIDC_MIN_ROTATION_PERIOD_SECONDS lowers the shortest rotation_period of an identity token key (tests; default Vault's minute). */
function oidcRotationFromEnv(): { minRotationPeriod?: number } {
  const seconds = Number(process.env.COFFER_OIDC_MIN_ROTATION_PERIOD_SECONDS ?? NaN);
  return Number.isSafeInteger(seconds) && seconds > 0 ? { minRotationPeriod: seconds } : {};
}

/**
 * COFFER_LEASE_RETRY_BASE_MS shortens the first retry of a failed lease revocation (tests; default
 * 10 s, doubling up to 10 min), and COFFER_LEASE_MAX_REVOKE_ATTEMPTS how many are made (default 6).
 */
function leaseRetryFromEnv(): { expiration?: { retryBaseMs?: number; maxRevokeAttempts?: number } } {
  const base = Number(process.env.COFFER_LEASE_RETRY_BASE_MS ?? NaN);
  const attempts = Number(process.env.COFFER_LEASE_MAX_REVOKE_ATTEMPTS ?? NaN);
  const expiration = {
    ...(Number.isSafeInteger(base) && base > 0 ? { retryBaseMs: base } : {}),
    ...(Number.isSafeInteger(attempts) && attempts > 0 ? { maxRevokeAttempts: attempts } : {}),
  };
  return Object.keys(expiration).length > 0 ? { expiration } : {};
}

/** The KMS of an awskms or pkcs11 seal, connected and checked; undefined for the other seal types. */
async function openProviderKms(seal: ServerConfig['seal']): Promise<(Kms & { close(): void }) | undefined> {
  // Imported only when used: the AWS SDK alone costs ~60 ms of start-up.
  if (seal.type === 'awskms') return (await import('../kms/awskms.js')).AwsKms.open(seal);
  if (seal.type === 'pkcs11') return Pkcs11Kms.open(seal);
  // Not contacted here: a transit server that is down leaves this one up and sealed (see auto-unseal.ts).
  if (seal.type === 'transit') return new TransitKms(seal);
  return undefined;
}
