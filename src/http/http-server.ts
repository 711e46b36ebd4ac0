// The HTTP(S) server Fastify runs on, created here so that a fast handler (fast-pki-read.ts) sees each
// request before Fastify does; Fastify's own server settings (timeouts) are applied as Fastify applies them.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { FastifyServerFactory } from 'fastify';
import type { FastHandler } from './fast-pki-read.ts';

export function serverWithFastPath(fast: FastHandler, tls: { readonly cert: Buffer; readonly key: Buffer } | undefined, onError: (error: unknown) => void): FastifyServerFactory {
  return (handler, options) => {
    const listener = (request: IncomingMessage, response: ServerResponse) => {
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
