import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, SecureVersion, TLSSocket } from 'node:tls';
import { sqliteStorage, startServer, tcpListener } from '../harness/server.js';

/** A certificate and its key, as PEM files in the fixture's directory. */
export interface CertFiles {
  cert: string;
  key: string;
}

/** A private CA made with the openssl command, able to issue server and client certificates. */
export class TestCa {
  readonly cert: string;
  private readonly key: string;
  private serial = 1000 + Math.floor(Math.random() * 1000);

  constructor(readonly dir: string, readonly name: string) {
    this.cert = join(dir, `${name}.pem`);
    this.key = join(dir, `${name}.key`);
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', this.key, '-out', this.cert]);
  }

  /** A server certificate for 127.0.0.1 and localhost. */
  server(name: string): CertFiles {
    return this.issue(name, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  }

  /** A client certificate (clientAuth). */
  client(name: string): CertFiles {
    return this.issue(name, 'extendedKeyUsage=clientAuth\n');
  }

  private issue(name: string, extensions: string): CertFiles {
    const files = { cert: join(this.dir, `${name}.pem`), key: join(this.dir, `${name}.key`) };
    const csr = join(this.dir, `${name}.csr`);
    const ext = join(this.dir, `${name}.ext`);
    writeFileSync(ext, extensions);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', files.key, '-out', csr]);
    openssl(['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-set_serial', String(this.serial++), '-days', '1', '-extfile', ext, '-out', files.cert]);
    return files;
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A temp directory for one test file's certificates and servers; remove() deletes it. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `coffer-tls-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TlsServer {
  /** The first listener's base URL (https://127.0.0.1:port). */
  address: string;
  rootToken: string;
  child: ChildProcess;
  configFile: string;
  output(): string;
  stop(): Promise<void>;
}

export interface TlsServerOptions {
  dir: string;
  /** The first listener's certificate. */
  serverCert: CertFiles;
  /** Extra lines inside the first listener stanza (tls_min_version = "tls13", ...). */
  listenerLines?: string[];
  /** Further listener stanzas, written as they are. */
  extraListeners?: string[];
  /** CA the first listener's certificate chains to (to initialize the store). */
  ca: string;
  /** Client certificate to initialize with, when the listener requires one. */
  clientCert?: CertFiles;
}

/** Starts `coffer server -config` (SQLite, TLS listener on a free port) through the harness, initialized over TLS. */
export async function startTlsServer(options: TlsServerOptions): Promise<TlsServer> {
  const listenerLines = [`tls_cert_file = "${options.serverCert.cert}"`, `tls_key_file = "${options.serverCert.key}"`, ...(options.listenerLines ?? [])];
  const server = await startServer({
    dir: options.dir,
    configName: `coffer-${randomBytes(4).toString('hex')}.hcl`,
    config: {
      storage: sqliteStorage(join(options.dir, `${randomBytes(4).toString('hex')}.db`)),
      listeners: [tcpListener('127.0.0.1:0', listenerLines), ...(options.extraListeners ?? [])],
    },
    // The harness initializes over plain fetch; this store is initialized below, over TLS.
    initialize: false,
  });
  try {
    const init = await request(server.address, 'PUT', 'sys/init', { body: {}, ca: options.ca, client: options.clientCert });
    if (init.status !== 200) throw new Error(`sys/init answered ${init.status}: ${init.text}`);
    const rootToken = (init.json as { root_token: string }).root_token;
    return { address: server.address, rootToken, child: server.child, configFile: server.configFile!, output: server.output, stop: server.stop };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
  /** The server's certificate as this connection saw it. */
  peer: PeerCertificate;
  protocol: string | null;
  cipher: string;
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  /** CA file to trust. */
  ca?: string;
  client?: CertFiles;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers?: string;
}

/** One HTTPS request on a new connection (no agent: each request does its own handshake). */
export function request(address: string, method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = https.request(`${address}/v1/${path}`, {
      method,
      agent: false,
      ca: options.ca ? readFileSync(options.ca) : undefined,
      cert: options.client ? readFileSync(options.client.cert) : undefined,
      key: options.client ? readFileSync(options.client.key) : undefined,
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      ciphers: options.ciphers,
      headers: {
        connection: 'close',
        ...(options.token ? { 'x-vault-token': options.token } : {}),
        ...(body ? { 'content-length': String(body.length) } : {}),
      },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      const socket = res.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      const protocol = socket.getProtocol();
      const cipher = socket.getCipher().name;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('error', reject);
      res.once('end', () => {
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, json, peer, protocol, cipher });
      });
    });
    req.end(body);
  });
}

/** What a request that cannot get through fails with (the TLS or socket error's message). */
export async function refusal(promise: Promise<Answer>): Promise<string> {
  try {
    const answer = await promise;
    return `answered ${answer.status}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** SHA-256 fingerprint of a PEM certificate file, in Node's getPeerCertificate() format. */
export function fingerprintOf(certFile: string): string {
  const out = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
  return out.trim().replace(/^.*=/, '');
}
