import { readFileSync } from 'node:fs';
import { EXIT_OK, UsageError } from '../exit-codes.js';
import { parseFlags } from '../flags.js';
import type { CliIo } from '../session.js';
import { PACKAGE_JSON } from './version.js';

const VERSION = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;

export const INJECTOR_FLAGS = {
  listen: { type: 'string', default: '0.0.0.0:8080', description: 'host:port the webhook listens on (HTTPS).' },
  'tls-cert-file': { type: 'string', description: 'The serving certificate (PEM); with -tls-key-file.' },
  'tls-key-file': { type: 'string', description: 'The serving certificate\'s key (PEM).' },
  'tls-auto': { type: 'boolean', description: 'Make a CA and a serving certificate for -tls-hosts at start-up.' },
  'tls-hosts': { type: 'string', description: 'Comma-separated DNS names and IPs of the generated certificate (default coffer-injector, .NAMESPACE, .NAMESPACE.svc).' },
  'tls-ca-out': { type: 'string', description: 'With -tls-auto: write the generated CA (PEM) to this file.' },
  'tls-client-ca': { type: 'string', description: 'Answer /mutate only for callers with a client certificate this CA signed (the API server\'s webhook client certificate).' },
  'wrapped-token-allow': {
    type: 'string',
    multiple: true,
    description: 'NAMESPACE=ROLE (NAMESPACE may be *): a token role the pods of that namespace may ask for in wrapped-token mode; repeatable. Without it, any role the injector\'s token may create.',
  },
  'webhook-config': { type: 'string', description: 'With -tls-auto: the MutatingWebhookConfiguration whose caBundle is set to the generated CA.' },
  address: { type: 'string', description: 'Coffer\'s address for the injector; also VAULT_ADDR.' },
  'agent-address': { type: 'string', description: 'Coffer\'s address as the injected agents reach it (default: -address).' },
  'agent-image': { type: 'string', description: 'The image of the injected agent containers.', default: `coffer:${VERSION}` },
  'auth-path': { type: 'string', default: 'auth/kubernetes', description: 'The Kubernetes auth mount the injector logs in at (with -auth-role).' },
  'auth-role': { type: 'string', description: 'Log in with Kubernetes auth as this role; without it the injector uses VAULT_TOKEN.' },
  namespace: { type: 'string', description: 'The injector\'s own namespace, never injected into (default POD_NAMESPACE, else the service account\'s).' },
  'service-account-dir': { type: 'string', default: '/var/run/secrets/kubernetes.io/serviceaccount', description: 'Where the injector\'s service-account token, CA and namespace are.' },
  'log-level': { type: 'string', default: 'info', description: 'trace, debug, info, warn or error.' },
} as const;

/**
 * `injector`: the Kubernetes mutating admission webhook, serving until SIGTERM or SIGINT. Exit 1
 * for flags that do not make a configuration.
 */
export async function injectorCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(args, INJECTOR_FLAGS);
  if (positionals.length > 0) throw new UsageError(`injector takes no arguments, got: ${positionals.join(' ')}`);
  const certFile = flags['tls-cert-file'];
  const keyFile = flags['tls-key-file'];
  const auto = flags['tls-auto'] === true;
  if (auto === Boolean(certFile || keyFile)) throw new UsageError('injector needs either -tls-auto or both -tls-cert-file and -tls-key-file');
  if (!auto && !(certFile && keyFile)) throw new UsageError('-tls-cert-file and -tls-key-file go together');
  if (flags['webhook-config'] && !auto) throw new UsageError('-webhook-config publishes a generated CA: it needs -tls-auto');
  const namespace = flags.namespace ?? io.env.POD_NAMESPACE;
  const hosts = flags['tls-hosts']?.split(',').map((h) => h.trim()).filter(Boolean) ?? defaultHosts(namespace);
  const wrappedTokenAllow = (flags['wrapped-token-allow'] ?? []).map((pair) => {
    const [namespace, role, extra] = pair.split('=');
    if (!namespace || !role || extra !== undefined) throw new UsageError(`-wrapped-token-allow must be NAMESPACE=ROLE, not "${pair}"`);
    return { namespace, role };
  });
  const logLevel = flags['log-level'] ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(logLevel)) throw new UsageError(`-log-level must be trace, debug, info, warn or error, not "${logLevel}"`);

  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    // Loaded when asked for, so other commands stay light (as `server` and `agent` are).
    const { runInjector } = await import('../../injector/index.js');
    const code = await runInjector(
      {
        listen: parseListen(flags.listen ?? '0.0.0.0:8080'),
        tls: auto ? { auto: { hosts, caOut: flags['tls-ca-out'] } } : { certFile: certFile!, keyFile: keyFile! },
        webhookConfig: flags['webhook-config'],
        tlsClientCa: flags['tls-client-ca'],
        wrappedTokenAllow,
        address: flags.address,
        agentAddress: flags['agent-address'],
        agentImage: flags['agent-image'] ?? `coffer:${VERSION}`,
        authPath: flags['auth-path'],
        authRole: flags['auth-role'],
        namespace,
        serviceAccountDir: flags['service-account-dir'] ?? '/var/run/secrets/kubernetes.io/serviceaccount',
        logLevel,
      },
      { env: { ...io.env }, stopped },
    );
    return code === 0 ? EXIT_OK : code;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

function defaultHosts(namespace: string | undefined): string[] {
  return namespace ? ['coffer-injector', `coffer-injector.${namespace}`, `coffer-injector.${namespace}.svc`] : ['coffer-injector'];
}

function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = at > 0 ? listen.slice(0, at).replace(/^\[|\]$/g, '') : '0.0.0.0';
  const port = Number(listen.slice(at + 1));
  if (at < 0 || !/^\d+$/.test(listen.slice(at + 1)) || port > 65535) throw new UsageError(`-listen must be host:port, not "${listen}"`);
  return { host, port };
}
