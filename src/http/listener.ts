import net from 'node:net';
import tls from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { ListMethodStream } from './list-method.js';
import type { ListenerSettings } from './listener-settings.js';

export interface ListenOptions {
  host: string;
  port: number;
  /** Certificate, key and TLS rules; absent serves plain HTTP. */
  tls?: TlsOptions;
  /** This listener's rules, carried by each of its connections (see listener-settings.ts). */
  settings?: ListenerSettings;
}

/** The files a TLS listener serves from, as read: re-read on SIGHUP. */
export interface TlsMaterial {
  /** PEM certificate (chain) and private key. */
  cert: Buffer;
  key: Buffer;
  /** PEM CAs that client certificates must chain to (only with clientCerts 'require'). */
  ca?: Buffer;
}

export interface TlsOptions extends TlsMaterial {
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher string; Node's default when absent. */
  ciphers?: string;
  /**
   * Vault's three client certificate modes: 'request' (default: asked for, not verified here),
   * 'require' (tls_require_and_verify_client_cert: no verified certificate, no connection),
   * 'none' (tls_disable_client_certs).
   */
  clientCerts?: 'request' | 'require' | 'none';
}

export interface Listener {
  /** Base URL, e.g. http://127.0.0.1:8200. */
  url: string;
  /**
   * Serves new connections with this certificate, key (and client CA); connections already open
   * keep theirs. Throws, leaving the current ones in use, when the material is unusable.
   */
  reloadTls(material: TlsMaterial): void;
  close(): Promise<void>;
}

/**
 * Accepts TCP (or TLS) connections ourselves and hands each one to the Fastify server through
 * ListMethodStream, so Vault's LIST method reaches it (see list-method.ts). TLS is terminated
 * here for the same reason: the stream must see the cleartext request line.
 */
export async function listen(app: FastifyInstance, options: ListenOptions): Promise<Listener> {
  await app.ready();
  trackRequests(app);
  const connections = new Set<ListMethodStream>();
  let closing = false;
  const hand = (socket: net.Socket) => {
    // Node's HTTP server turns Nagle off only on sockets it accepts itself; without this a
    // response written in two pieces waits for the client's delayed ACK (~40 ms).
    socket.setNoDelay(true);
    const connection = new ListMethodStream(socket);
    connection.settings = options.settings ?? {};
    connections.add(connection);
    connection.once('close', () => connections.delete(connection));
    connection.on('idle', () => closing && connection.destroy());
    app.server.emit('connection', connection);
  };
  const tlsOptions = options.tls;
  const server = tlsOptions
    ? tls.createServer({ ...secureContextOptions(tlsOptions, tlsOptions), ...clientCertOptions(tlsOptions) }).on('secureConnection', hand)
    : net.createServer(hand);
  server.on('error', (err) => app.log.error({ err }, 'listener error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${address.port}`,
    reloadTls(material) {
      if (!tlsOptions || !(server instanceof tls.Server)) throw new Error('this listener does not serve TLS');
      // secureContextOptions throws on a bad certificate or key before setSecureContext, which
      // would otherwise store some of the options before failing.
      server.setSecureContext(secureContextOptions(tlsOptions, material));
    },
    // Stop accepting, close idle keep-alive connections now and busy ones once their answer is out.
    // (Node's own connection tracking only covers servers that listen themselves.)
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        for (const connection of connections) if (connection.inFlight === 0) connection.destroy();
      }),
  };
}

/**
 * Options of the TLS secure context (certificate, key, client CA, versions, ciphers). Built here
 * rather than by tls.createServer so that an unusable certificate fails before listening.
 */
function secureContextOptions(options: TlsOptions, material: TlsMaterial): tls.SecureContextOptions {
  const context: tls.SecureContextOptions = {
    cert: material.cert,
    key: material.key,
    minVersion: options.minVersion ?? 'TLSv1.2',
    maxVersion: options.maxVersion ?? 'TLSv1.3',
    ...(options.ciphers ? { ciphers: options.ciphers } : {}),
    // Vault checks client certificates against tls_client_ca_file only when it requires them.
    ...(options.clientCerts === 'require' && material.ca ? { ca: material.ca } : {}),
  };
  try {
    tls.createSecureContext(context);
  } catch (err) {
    throw new Error(`unusable TLS certificate, key or client CA: ${(err as Error).message}`);
  }
  return context;
}

function clientCertOptions(options: TlsOptions): tls.TlsOptions {
  switch (options.clientCerts ?? 'request') {
    case 'require':
      return { requestCert: true, rejectUnauthorized: true };
    case 'none':
      return { requestCert: false, rejectUnauthorized: false };
    default:
      // Vault's default (Go's RequestClientCert): ask, accept whatever comes, verify nothing here.
      return { requestCert: true, rejectUnauthorized: false };
  }
}

const tracked = new WeakSet<FastifyInstance>();

/** Counts requests in flight on each connection, so close() can tell idle connections from busy ones. */
function trackRequests(app: FastifyInstance): void {
  if (tracked.has(app)) return;
  tracked.add(app);
  app.server.on('request', (req, res) => {
    const connection = req.socket as unknown as ListMethodStream;
    if (!(connection instanceof ListMethodStream)) return;
    connection.inFlight++;
    res.once('close', () => {
      if (--connection.inFlight === 0) connection.emit('idle');
    });
  });
}
