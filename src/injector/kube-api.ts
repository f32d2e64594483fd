import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';

/**
 * How the injector reaches the Kubernetes API from inside its pod: KUBERNETES_SERVICE_HOST/PORT
 * and the service account's token and CA. Plain HTTPS for the one call it makes (the official
 * client's current major needs a newer Node than ours).
 */
export interface KubeApi {
  host: string;
  port: string;
  serviceAccountDir: string;
}

const WEBHOOKS_API = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

/**
 * Writes `caPem` as the caBundle of every webhook of the MutatingWebhookConfiguration `name`, so
 * the API server trusts the certificate the injector just made. Each change is guarded by a test
 * of the webhook's name, so a configuration edited meanwhile is refused, not overwritten blindly.
 */
export async function publishCaBundle(api: KubeApi, name: string, caPem: string): Promise<number> {
  const path = `${WEBHOOKS_API}/${encodeURIComponent(name)}`;
  const current = (await call(api, 'GET', path)) as { webhooks?: { name: string }[] };
  const webhooks = current.webhooks ?? [];
  if (webhooks.length === 0) throw new Error(`MutatingWebhookConfiguration ${name} has no webhooks`);
  const caBundle = Buffer.from(caPem).toString('base64');
  const patch = webhooks.flatMap((webhook, i) => [
    { op: 'test', path: `/webhooks/${i}/name`, value: webhook.name },
    { op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle },
  ]);
  await call(api, 'PATCH', path, patch);
  return webhooks.length;
}

async function call(api: KubeApi, method: string, path: string, body?: unknown): Promise<unknown> {
  const [token, ca] = await Promise.all([readFile(join(api.serviceAccountDir, 'token'), 'utf8'), readFile(join(api.serviceAccountDir, 'ca.crt'), 'utf8')]);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: api.host,
        port: api.port,
        path,
        method,
        ca,
        timeout: 10_000,
        headers: {
          Authorization: `Bearer ${token.trim()}`,
          Accept: 'application/json',
          ...(payload ? { 'Content-Type': 'application/json-patch+json', 'Content-Length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) {
            const message = (safeJson(text) as { message?: string } | undefined)?.message ?? text.slice(0, 200);
            reject(new Error(`Kubernetes API ${method} ${path}: ${res.statusCode} ${message}`));
          } else resolve(safeJson(text));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Kubernetes API ${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
