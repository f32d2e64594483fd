import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { applyPatch } from 'rfc6902';
import type { CertFiles } from '../tls/fixture.js';

export interface ReceivedCall {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

/**
 * Kubernetes API STAND-IN for the one resource the injector writes: a MutatingWebhookConfiguration,
 * read with GET and changed with a JSON Patch (test operations honoured, as the API server does).
 * `failNext` makes the next calls answer 500, as an API server that is not reachable yet would.
 */
export class WebhookConfigStandIn {
  readonly calls: ReceivedCall[] = [];
  failNext = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly config: { metadata: { name: string }; webhooks: { name: string; clientConfig: { caBundle?: string; service?: unknown } }[] },
    private readonly bearer: string,
  ) {}

  static async start(tls: CertFiles, name: string, webhookNames: string[], bearer: string): Promise<WebhookConfigStandIn> {
    const config = { metadata: { name }, webhooks: webhookNames.map((n) => ({ name: n, clientConfig: { service: { name: 'coffer-injector', namespace: 'coffer', path: '/mutate' } } })) };
    let standIn: WebhookConfigStandIn | undefined;
    const server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const { status, body } = standIn!.handle(req.method ?? '', req.url ?? '', req.headers.authorization, req.headers['content-type'], text);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new WebhookConfigStandIn(server, (server.address() as AddressInfo).port, config, bearer);
    return standIn;
  }

  private handle(method: string, path: string, authorization: string | undefined, contentType: string | undefined, text: string): { status: number; body: unknown } {
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    this.calls.push({ method, path, authorization, contentType, body });
    if (authorization !== `Bearer ${this.bearer}`) return { status: 401, body: { kind: 'Status', message: 'Unauthorized' } };
    if (this.failNext > 0) {
      this.failNext--;
      return { status: 500, body: { kind: 'Status', message: 'etcdserver: request timed out' } };
    }
    if (path !== `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${this.config.metadata.name}`) return { status: 404, body: { kind: 'Status', message: 'not found' } };
    if (method === 'GET') return { status: 200, body: this.config };
    if (method === 'PATCH' && contentType === 'application/json-patch+json') {
      const copy = structuredClone(this.config);
      const errors = applyPatch(copy, body as Parameters<typeof applyPatch>[1]).filter(Boolean);
      if (errors.length) return { status: 422, body: { kind: 'Status', message: String(errors[0]) } };
      Object.assign(this.config, copy);
      return { status: 200, body: this.config };
    }
    return { status: 405, body: { kind: 'Status', message: 'method not allowed' } };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
