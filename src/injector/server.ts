import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import { reviewAdmission, type AdmissionOptions } from './admission.js';
import type { ServingTls } from './tls.js';

/** AdmissionReviews carry the whole pod; Kubernetes objects stay under its 1.5 MiB request limit. */
const BODY_LIMIT = 3 * 1024 * 1024;

/**
 * The webhook's HTTPS endpoints: POST /mutate (AdmissionReview in, AdmissionReview out),
 * GET /health/ready, GET /metrics. Errors answer in Vault's `{"errors": [...]}` shape. With
 * `clientCa`, /mutate answers only a caller presenting a certificate that CA signed (the API
 * server, configured with a webhook client certificate); the probes stay open to the kubelet.
 */
export function webhookServer(tls: ServingTls, admission: AdmissionOptions, ready: () => string | undefined, clientCa?: string): FastifyInstance {
  const https = clientCa ? { cert: tls.cert, key: tls.key, ca: clientCa, requestCert: true, rejectUnauthorized: false } : { cert: tls.cert, key: tls.key };
  const app = Fastify({ https, bodyLimit: BODY_LIMIT, logger: false });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) admission.log.error({ err: err.message }, 'webhook request failed');
    if (status === 400) admission.metrics.failures.inc({ reason: 'bad_request' });
    void reply.code(status).send({ errors: [status === 500 ? 'internal error' : err.message] });
  });
  app.setNotFoundHandler((_req, reply) => void reply.code(404).send({ errors: ['not found: the injector serves POST /mutate, GET /health/ready and GET /metrics'] }));
  app.post('/mutate', async (req, reply) => {
    if (clientCa && !(req.raw.socket as TLSSocket).authorized) {
      admission.metrics.failures.inc({ reason: 'unauthenticated' });
      return reply.code(403).send({ errors: ['a client certificate signed by the -tls-client-ca is required'] });
    }
    const answer = await reviewAdmission(req.body, admission);
    return reply.code(answer.status).send(answer.body);
  });
  app.get('/health/ready', async (_req, reply) => {
    const notReady = ready();
    return notReady ? reply.code(503).send({ ready: false, reason: notReady }) : reply.send({ ready: true });
  });
  app.get('/metrics', async (_req, reply) => reply.type(admission.metrics.registry.contentType).send(await admission.metrics.registry.metrics()));
  return app;
}
