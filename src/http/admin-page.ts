// The admin web page at / : the files esbuild builds from web/ into dist/web (npm run build), served by
// @fastify/static with a strict Content-Security-Policy (scripts, styles and API calls from this origin
// only; no inline script or style), nosniff, no framing and no referrer.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': ADMIN_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * dist/web below the package root. The root is the first folder upwards holding package.json, both from
 * src/http/ (tsx) and from dist/cli.js (the bundle bin/graph-pki runs).
 */
export function defaultWebAssetsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.join(dir, 'dist', 'web');
}

export function registerAdminPage(app: FastifyInstance, assetsDir: string): void {
  app.register(async (page) => {
    page.addHook('onSend', (_request, reply, payload, done) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      done(null, payload);
    });
    // Files are listed once at start (no wildcard route), so every other path keeps Graph's 404.
    if (!existsSync(path.join(assetsDir, 'index.html'))) {
      page.get('/', { schema: { hide: true } }, async (_request, reply) =>
        reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send(`The admin page is not built (${assetsDir} has no index.html): run \`npm run build\`, which bundles web/ into dist/web.\n`),
      );
      return;
    }
    await page.register(fastifyStatic, { root: assetsDir, wildcard: false, index: ['index.html'], serveDotFiles: false });
  });
}
