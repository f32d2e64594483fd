import { rm, writeFile } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import {
  CofferClient,
  LoginNotRepeatable,
  REDACT_OPTIONS,
  WrappingTokenError,
  type AuthSession,
  type LoginMethod,
} from '../client/index.js';
import { tlsFromEnvironment } from '../client/environment.js';
import { backoffDelayMs } from '../client/renewal.js';
import { loginMethodOf } from './auto-auth.js';
import { AgentConfigError, loadAgentConfig, type AgentConfig, type AgentConfigSource, type MethodStanza } from './config.js';
import { writeSink } from './sink.js';
import { AgentMetrics } from './metrics.js';
import { ApiProxy } from './proxy.js';
import { TemplateRenderer } from './templates.js';

/** Where the agent writes its one-line failures and its logs (stderr by default). */
export interface AgentIo {
  env: NodeJS.ProcessEnv;
  stderr: (line: string) => void;
  /** Resolves when the agent should stop (SIGTERM/SIGINT for the command). */
  stopped: Promise<void>;
}

/** A failure the agent cannot retry its way out of (a spent credential, an init render that failed): exit 1. */
class FatalAgentError extends Error {}

/**
 * `coffer agent -config=FILE` (or `-config-env=NAME`): logs in with its auto_auth method, keeps the token alive, writes it
 * to its sinks on every login, and either exits after the first (exit_after_auth: an init
 * container) or runs until stopped. Answers the exit code.
 */
export async function runAgent(source: AgentConfigSource, io: AgentIo): Promise<number> {
  let config: AgentConfig;
  try {
    config = await loadAgentConfig(source);
  } catch (err) {
    if (err instanceof AgentConfigError) {
      io.stderr(`Error loading configuration: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const log = pino(
    { level: config.logLevel, base: { component: 'coffer-agent' }, redact: REDACT_OPTIONS },
    config.logFile ? pino.destination({ dest: config.logFile, append: true, mkdir: true, sync: true }) : pino.destination(2),
  );
  if (config.pidFile) await writeFile(config.pidFile, `${process.pid}\n`);
  try {
    return await serve(config, io, log);
  } catch (err) {
    if (err instanceof FatalAgentError || err instanceof AgentConfigError) {
      io.stderr(`coffer agent: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    if (config.pidFile) await rm(config.pidFile, { force: true });
    log.flush();
  }
}

async function serve(config: AgentConfig, io: AgentIo, log: Logger): Promise<number> {
  const { vault } = config;
  const metrics = new AgentMetrics();
  const client = new CofferClient({
    address: vault.address,
    // Vault Agent's order: the auto_auth method's namespace, then VAULT_NAMESPACE, then the vault
    // stanza's; the whole agent (login, sinks' wrapping, templates, cache) works in it.
    namespace: vault.namespace ?? (io.env.VAULT_NAMESPACE || undefined) ?? config.autoAuth?.method.namespace,
    maxRetries: vault.numRetries,
    tls: tlsFromEnvironment(io.env, {
      caCert: vault.caCert,
      caPath: vault.caPath,
      clientCert: vault.clientCert,
      clientKey: vault.clientKey,
      skipVerify: vault.tlsSkipVerify,
      serverName: vault.tlsServerName,
    }),
    env: io.env,
  });
  const autoAuth = config.autoAuth;
  if (!autoAuth) {
    if (!client.token) throw new AgentConfigError('no auto_auth stanza and no VAULT_TOKEN: the agent has no way to get a token');
  } else {
    const method = loginMethodOf(autoAuth.method, io.env);
    const session = await logIn(client, method, autoAuth.method, log, io.stopped, metrics);
    if (!session) return 0; // stopped before the first login succeeded
    const writeSinks = async (token: string) => {
      for (const sink of autoAuth.sinks) {
        await writeSink(client, sink, token);
        log.info({ path: sink.path, wrapped: Boolean(sink.wrapTtl) }, 'token written to sink');
      }
    };
    await writeSinks(session.token);
    session.on('reauthenticated', (auth) => void writeSinks(auth.client_token).catch((err: Error) => log.error({ err: err.message }, 'sink write failed')));
    session.on('renewed', (auth) => log.debug({ ttl: auth.lease_duration }, 'token renewed'));
    session.on('error', (err) => log.warn({ err: err.message }, 'token renewal or login failed; retrying'));
  }
  const templates = config.templates.length ? await TemplateRenderer.load(client, config, io.env, log) : undefined;
  templates?.on('rendered', () => metrics.templateRenders.inc());
  templates?.on('error', () => metrics.templateErrors.inc());
  if (templates) {
    const allRendered = await templates.renderAll();
    // An init container that could not render its secrets must not look successful.
    if (!allRendered && (config.exitAfterAuth || config.templateConfig.exitOnRetryFailure)) {
      throw new FatalAgentError('template rendering failed (see the log for which template and why)');
    }
  }
  if (config.exitAfterAuth) {
    // Nothing is closed or revoked: the token and any secrets are for the application now; the
    // SDK's timers do not hold the process, so it ends here.
    log.info('exit_after_auth: done');
    return 0;
  }
  templates?.start();
  const proxy = new ApiProxy(client, config, () => client.token, metrics, log);
  await proxy.start();
  for (const address of proxy.addresses) log.info({ address }, 'API proxy listening');
  // The SDK's timers do not hold the process open (a script using it should exit): the agent does.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await io.stopped;
  clearInterval(keepAlive);
  log.info({ revoke: config.revokeOnShutdown }, 'stopping');
  templates?.stop();
  await proxy.stop();
  // Revoking the token revokes the leases it made too; without revoke_on_shutdown both stay valid
  // for whoever still uses them, as with Vault Agent.
  if (config.revokeOnShutdown) await client.close({ revokeToken: true });
  return 0;
}

/**
 * The first login, retried with the method's backoff (min_backoff doubling to max_backoff) while the
 * failure may pass; a spent or refused wrapping token, or a login that cannot repeat, is fatal.
 */
async function logIn(client: CofferClient, method: LoginMethod, stanza: MethodStanza, log: Logger, stopped: Promise<void>, metrics: AgentMetrics): Promise<AuthSession | undefined> {
  const backoff = { minMs: stanza.minBackoffMs, maxMs: stanza.maxBackoffMs };
  let stop = false;
  void stopped.then(() => (stop = true));
  for (let failures = 1; ; failures++) {
    metrics.authAttempts.inc({ method: method.name });
    try {
      const session = await client.authenticate(method, { backoff });
      log.info({ method: method.name, ttl: session.auth.lease_duration }, 'authenticated');
      return session;
    } catch (err) {
      metrics.authFailures.inc({ method: method.name });
      if (err instanceof WrappingTokenError) metrics.unwrapFailures.inc({ reason: err.reason === 'creation_path' ? 'creation_path' : (err.failure ?? 'invalid') });
      if (err instanceof WrappingTokenError) {
        const why = err.reason === 'creation_path' ? `wrong creation path "${err.creationPath ?? ''}"` : (err.failure ?? 'invalid').replace('_', ' ');
        throw new FatalAgentError(`unwrap failed: ${why}`);
      }
      if (err instanceof LoginNotRepeatable) throw new FatalAgentError(`${method.name} login failed: ${err.message}`);
      log.warn({ method: method.name, err: (err as Error).message }, 'login failed; backing off');
      const delay = backoffDelayMs(failures, backoff);
      await Promise.race([new Promise((resolve) => setTimeout(resolve, delay)), stopped]);
      if (stop) return undefined;
    }
  }
}
