// The HTTP(S) server Fastify runs on, created here so that a fast handler (fast-pki-read.ts) sees each
// request before Fastify does; Fastify's own server settings (timeouts) are applied as Fastify applies them.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { FastifyServerFactory } from 'fastify';
import type { FastHandler } from './fast-pki-read.ts';

export function serverWithFastPath(
  fast: FastHandler | undefined,
  tls: { readonly cert: Buffer; readonly key: Buffer } | undefined,
  onError: (error: unknown) => void,
): FastifyServerFactory {
  return (handler, options) => {
    const listener = (request: IncomingMessage, response: ServerResponse) => {
      // `%24` is `$` in a path, as Graph reads it (/beta/%24metadata, …/%24count). Done here, and only
      // when present, rather than with Fastify's rewriteUrl, which adds a property to every request and
      // cost POST about a tenth of its throughput.
      if (request.url?.includes('%24')) request.url = decodeDollarInPath(request.url);
      if (!fast) {
        handler(request, response);
        return;
      }
      let answered = false;
      try {
        answered = fast(request, response);
      } catch (error) {
        // A fault in the fast path must not cost the request: the ordinary path answers it (or, if the
        // response had started, the connection is closed).
        onError(error);
        if (response.headersSent) {
          response.destroy();
          return;
        }
      }
      if (!answered) handler(request, response);
    };
    const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, listener) : http.createServer(listener);
    const { keepAliveTimeout, requestTimeout, connectionTimeout } = options;
    if (typeof keepAliveTimeout === 'number') server.keepAliveTimeout = keepAliveTimeout;
    if (typeof requestTimeout === 'number') server.requestTimeout = requestTimeout;
    if (typeof connectionTimeout === 'number') server.setTimeout(connectionTimeout);
    return server;
  };
}

/** The URL with every `%24` of its path (not its query) written as `$`. */
function decodeDollarInPath(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  if (!path.includes('%24')) return url;
  return path.replaceAll('%24', '$') + (queryAt < 0 ? '' : url.slice(queryAt));
}
