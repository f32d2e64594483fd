import net from 'node:net';
import tls from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { ListMethodStream } from './list-method.js';

export interface ListenOptions {
  host: string;
  port: number;
  /** PEM certificate and key; absent serves plain HTTP. */
  tls?: { cert: Buffer; key: Buffer };
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
  const hand = (socket: net.Socket) => {
    // Node's HTTP server turns Nagle off only on sockets it accepts itself; without this a
    // response written in two pieces waits for the client's delayed ACK (~40 ms).
    socket.setNoDelay(true);
    app.server.emit('connection', new ListMethodStream(socket));
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        app.server.closeAllConnections();
      }),
  };
}
