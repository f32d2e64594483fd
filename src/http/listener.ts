import net from 'node:net';
import tls from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { ListMethodStream } from './list-method.js';
import type { ListenerSettings } from './listener-settings.js';

export interface ListenOptions {
  host: string;
  port: number;
  /** PEM certificate and key; absent serves plain HTTP. */
  tls?: { cert: Buffer; key: Buffer };
  /** This listener's rules, carried by each of its connections (see listener-settings.ts). */
  settings?: ListenerSettings;
}

export interface Listener {
  /** Base URL, e.g. http://127.0.0.1:8200. */
  url: string;
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
  const server = options.tls
    ? tls.createServer({ ...options.tls, minVersion: 'TLSv1.2' }).on('secureConnection', hand)
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
