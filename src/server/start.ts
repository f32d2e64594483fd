import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { Barrier } from '../barrier/barrier.js';
import { openFileSink } from '../audit/file.js';
import { openSocketSink } from '../audit/socket.js';
import { openSyslogSink } from '../audit/syslog.js';
import { approleBackend } from '../auth/approle/index.js';
import { jwtBackend } from '../auth/jwt/index.js';
import { kubernetesBackend } from '../auth/kubernetes/index.js';
import { tokenBackend } from '../auth/token/index.js';
import { userpassBackend } from '../auth/userpass/index.js';
import { Core } from '../core/core.js';
import { cubbyholeBackend } from '../engines/cubbyhole/index.js';
import { identityBackend } from '../engines/identity/index.js';
import { kvBackend } from '../engines/kv/index.js';
import { statusBackend, sysBackend } from '../engines/sys/index.js';
import { listen, type Listener } from '../http/listener.js';
import { buildHttpServer } from '../http/server.js';
import { ephemeralLocalKms, localKmsFromEnvOrFile } from '../kms/local.js';
import type { Kms } from '../kms/kms.js';
import { openStorage } from '../storage/index.js';
import type { ServerConfig } from './config.js';

export interface StartOptions {
  config: ServerConfig;
  /** Dev mode: fresh store in a temp dir, ephemeral key, initialized and unsealed, secret/ mounted as kv v2. */
  dev?: { rootTokenId?: string };
  logger?: Logger;
}

export interface RunningServer {
  core: Core;
  http: FastifyInstance;
  /** Base URL of each listener, e.g. http://127.0.0.1:8200. */
  addresses: string[];
  /** The root token; only known in dev mode or right after initialization. */
  rootToken?: string;
  close(): Promise<void>;
}

/** Opens storage, barrier and core, then starts the listeners. */
export async function startServer({ config, dev, logger = pino({ level: config.logLevel ?? 'info' }, pino.destination(2)) }: StartOptions): Promise<RunningServer> {
  const physical = openStorage(config.storage);
  const kms: Kms = dev ? ephemeralLocalKms() : localKmsFromEnvOrFile({ keyFile: config.seal.keyFile });
  const barrier = new Barrier(physical, kms);
  const core = new Core({
    barrier,
    logger,
    storageType: config.storage.type,
    tidyInterval: tidyIntervalFromEnv(),
    statusBackend,
    auditDevices: { file: openFileSink, socket: openSocketSink, syslog: openSyslogSink },
    factories: {
      secret: {
        kv: (mount) => kvBackend(mount),
        cubbyhole: () => cubbyholeBackend(),
        system: (_m, c) => sysBackend(c),
        identity: (_m, c) => identityBackend(c),
      },
      auth: {
        approle: () => approleBackend(),
        jwt: (mount) => jwtBackend(mount),
        oidc: (mount) => jwtBackend(mount),
        kubernetes: () => kubernetesBackend(),
        userpass: () => userpassBackend(),
        token: (m, c) =>
          tokenBackend(c.tokens, {
            hasSudo: async (caller, path) => (await c.aclFor(caller)).allowOperation(path, 'update').sudo,
            entityForAlias: async (alias) => (await c.identity.entityForLogin(m.accessor, alias)).id,
            checkLoginRenewal: (entry) => c.checkLoginRenewal(entry),
          }),
      },
    },
  });

  let rootToken: string | undefined;
  if (dev) {
    ({ rootToken } = await core.initializeStore({ rootTokenId: dev.rootTokenId }));
    const secret = await core.mounts.add({ path: 'secret/', type: 'kv', table: 'secret', description: 'key/value secret storage', options: { version: '2' } });
    core.startBackend(secret);
  } else if (await core.isInitialized()) {
    await core.unseal();
  } else {
    logger.warn('storage is not initialized: initialize it with PUT /v1/sys/init');
  }

  const http = buildHttpServer(core, { logger, maxRequestSize: config.maxRequestSize });
  const listeners: Listener[] = [];
  try {
    for (const listener of config.listeners) {
      const tlsFiles = listener.tlsDisable
        ? undefined
        : { cert: await readFile(listener.tlsCertFile!), key: await readFile(listener.tlsKeyFile!) };
      listeners.push(await listen(http, { ...splitAddress(listener.address), tls: tlsFiles }));
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    await core.close();
    await physical.close();
    throw err;
  }

  return {
    core,
    http,
    addresses: listeners.map((l) => l.url),
    rootToken,
    async close() {
      await Promise.all(listeners.map((l) => l.close()));
      await http.close();
      await core.close();
      await physical.close();
    },
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

/** COFFER_TIDY_INTERVAL_SECONDS shortens the reaper's period (tests); default 60 s. */
function tidyIntervalFromEnv(): number | undefined {
  const raw = process.env.COFFER_TIDY_INTERVAL_SECONDS;
  const seconds = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
}
