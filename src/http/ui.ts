import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build:ui` (ui/vite.config.mjs) puts the built UI: dist/ui/, beside dist/src/. */
export const UI_BUILD_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

/**
 * Serves the web UI (ui/, a static single-page app) at /ui/, as Vault does when `ui = true`, and
 * sends `/` there. The UI talks to the server only through /v1 with the signed-in token. Every
 * UI response carries a strict CSP (no inline script or style, fetches only to this origin, never
 * framed), nosniff and no-referrer, set by @fastify/helmet inside this plugin only (the /v1 API
 * keeps Vault's headers). Hashed assets are cached for a year; index.html never is.
 * Answers false (and serves nothing) when the UI was not built: the server runs without it.
 */
export function installUi(app: FastifyInstance, dir: string = UI_BUILD_DIR): boolean {
  if (!existsSync(`${dir}/index.html`)) return false;
  app.get('/', (_request, reply) => reply.redirect('/ui/', 307));
  app.get('/ui', (_request, reply) => reply.redirect('/ui/', 307));
  app.register(async (ui) => {
    await ui.register(fastifyHelmet, {
      global: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          manifestSrc: ["'self'"],
          baseUri: ["'none'"],
          formAction: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      frameguard: { action: 'deny' },
      // Chromium and Firefox have only ever been told to block cross-origin reads of the UI's own files.
      crossOriginResourcePolicy: { policy: 'same-origin' },
      strictTransportSecurity: false,
    });
    await ui.register(fastifyStatic, {
      root: dir,
      prefix: '/ui/',
      cacheControl: false,
      etag: true,
      lastModified: false,
      index: ['index.html'],
      redirect: true,
      setHeaders: (res, path) => {
        res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store');
      },
    });
  });
  return true;
}
