import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { CofferClient, REDACT_OPTIONS, kubernetesAuth } from '../client/index.js';
import { backoffDelayMs } from '../client/renewal.js';
import { publishCaBundle } from './kube-api.js';
import { InjectorMetrics } from './metrics.js';
import { webhookServer } from './server.js';
import { generateServingTls, type ServingTls } from './tls.js';
import { WrappedTokenMinter } from './wrapped-tokens.js';

export interface InjectorOptions {
  listen: { host: string; port: number };
  /** The serving certificate: files, or generated for `hosts` (its CA optionally written to `caOut`). */
  tls: { certFile: string; keyFile: string } | { auto: { hosts: string[]; caOut?: string } };
  /** With a generated certificate: the MutatingWebhookConfiguration whose caBundle to set. */
  webhookConfig?: string;
  /** Coffer's address for the injector itself (else VAULT_ADDR). */
  address?: string;
  /** Coffer's address as the injected agents reach it (else the same). */
  agentAddress?: string;
  agentImage: string;
  /** Log in with Kubernetes auth at this mount and role (else VAULT_TOKEN). */
  authPath?: string;
  authRole?: string;
  /** Only callers with a client certificate this CA (PEM file) signed may use /mutate. */
  tlsClientCa?: string;
  /** NAMESPACE=ROLE pairs: the token roles wrapped-token pods may ask for (empty: any). */
  wrappedTokenAllow: { namespace: string; role: string }[];
  /** The injector's own namespace (else POD_NAMESPACE, else the service account's). */
  namespace?: string;
  serviceAccountDir: string;
  logLevel: string;
}

export interface InjectorIo {
  env: NodeJS.ProcessEnv;
  /** Resolves when the injector should stop (SIGTERM/SIGINT for the command). */
  stopped: Promise<void>;
}

/**
 * `coffer injector`: the mutating admission webhook. Serves until stopped; answers the exit code.
 * Coffer itself is needed only for wrapped-token pods, so the webhook starts, and admits every
 * other pod, whether or not Coffer can be reached.
 */
export async function runInjector(options: InjectorOptions, io: InjectorIo): Promise<number> {
  const log = pino({ level: options.logLevel, base: { component: 'coffer-injector' }, redact: REDACT_OPTIONS }, pino.destination(2));
  const tls = await servingTls(options);
  if ('auto' in options.tls && options.tls.auto.caOut) await writeFile(options.tls.auto.caOut, tls.ca!);

  const client = new CofferClient({ address: options.address, env: io.env });
  const login = options.authRole
    ? kubernetesAuth({ mount: (options.authPath ?? 'auth/kubernetes').replace(/^\/*(auth\/)?|\/+$/g, ''), role: options.authRole, tokenPath: join(options.serviceAccountDir, 'token') })
    : undefined;
  const minter = login || client.token ? new WrappedTokenMinter(client, login) : undefined;
  if (!minter) log.warn('no VAULT_TOKEN and no -auth-role: wrapped-token pods will be refused');
  const metrics = new InjectorMetrics();
  const ownNamespace = options.namespace ?? io.env.POD_NAMESPACE ?? readIfExists(join(options.serviceAccountDir, 'namespace'));

  let caBundle: 'published' | 'pending' | 'failing' = options.webhookConfig ? 'pending' : 'published';
  const admission = {
    ownNamespace,
    image: options.agentImage,
    address: options.agentAddress ?? client.address,
    minter,
    wrappedTokenAllow: options.wrappedTokenAllow,
    metrics,
    log,
  };
  const clientCa = options.tlsClientCa ? await readFile(options.tlsClientCa, 'utf8') : undefined;
  if (minter && !clientCa) log.warn('wrapped-token mode without -tls-client-ca: anything that can reach /mutate can have wrapping tokens minted; restrict who reaches it');
  const ready = () => (caBundle === 'published' ? undefined : `the caBundle of ${options.webhookConfig} is not published yet`);
  const app = webhookServer(tls, admission, ready, clientCa);
  await app.listen(options.listen);
  const bound = app.server.address();
  log.info({ address: typeof bound === 'object' && bound ? `https://${bound.address}:${bound.port}` : String(bound), namespace: ownNamespace, coffer: client.address }, 'injector listening');

  let stopping = false;
  void io.stopped.then(() => (stopping = true));
  const publishing = options.webhookConfig ? publishUntilDone(options, tls.ca!, io, log, () => stopping, (state) => (caBundle = state)) : Promise.resolve();

  await io.stopped;
  log.info('stopping');
  await app.close();
  await publishing;
  await minter?.close();
  log.flush();
  return 0;
}

async function servingTls(options: InjectorOptions): Promise<ServingTls> {
  if ('auto' in options.tls) return generateServingTls(options.tls.auto.hosts);
  const [cert, key] = await Promise.all([readFile(options.tls.certFile, 'utf8'), readFile(options.tls.keyFile, 'utf8')]);
  return { cert, key };
}

/** Sets the caBundle through the Kubernetes API, trying again with backoff until it works or the injector stops. */
async function publishUntilDone(
  options: InjectorOptions,
  ca: string,
  io: InjectorIo,
  log: Logger,
  stopping: () => boolean,
  report: (state: 'published' | 'failing') => void,
): Promise<void> {
  const api = { host: io.env.KUBERNETES_SERVICE_HOST ?? 'kubernetes.default.svc', port: io.env.KUBERNETES_SERVICE_PORT ?? '443', serviceAccountDir: options.serviceAccountDir };
  for (let failures = 1; !stopping(); failures++) {
    try {
      const webhooks = await publishCaBundle(api, options.webhookConfig!, ca);
      log.info({ webhookConfig: options.webhookConfig, webhooks }, 'caBundle published');
      report('published');
      return;
    } catch (err) {
      report('failing');
      log.error({ webhookConfig: options.webhookConfig, err: (err as Error).message }, 'could not publish the caBundle; retrying');
      await Promise.race([new Promise((resolve) => setTimeout(resolve, backoffDelayMs(failures, { minMs: 1000, maxMs: 60_000 }))), io.stopped]);
    }
  }
}

function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}
