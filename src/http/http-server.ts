// The HTTP(S) server Fastify runs on, created here so that a fast handler (fast-pki-read.ts) sees each
// request before Fastify does, and so that every phase of a connection is bounded: the time to send the
// headers and the whole request (Node's headersTimeout and requestTimeout, answered 408 by
// framework-errors.ts), idle keep-alive, and the connections open at once, in total and per client
// address. It also drains on close without dropping kept-alive connections while requests are in flight.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import type { FastifyServerFactory } from 'fastify';
import type { Limits } from '../config.ts';
import { GraphError, graphErrors } from '../service/errors.ts';
import type { FastHandler } from './fast-pki-read.ts';
import { answeredBeforeBody, rawGraphErrorResponse, writeGraphError } from './framework-errors.ts';

export type ConnectionLimits = Pick<Limits, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections' | 'maxConnectionsPerAddress'>;

export interface HttpServerOptions {
  readonly fast: FastHandler | undefined;
  readonly tls: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  readonly limits: ConnectionLimits;
  onError(error: unknown): void;
}

/** The longest interval between two checks of the header and request deadlines, in ms. */
const CHECK_INTERVAL_CAP_MS = 250;

/** How long a refused connection may keep sending before it is closed, in ms. */
const REFUSED_LINGER_MS = 1_000;

export function serverWithFastPath({ fast, tls, limits, onError }: HttpServerOptions): FastifyServerFactory {
  return (handler) => {
    const inFlight = new Set<ServerResponse>();
    let draining = false;
    const listener = (request: IncomingMessage, response: ServerResponse) => {
      trackResponse(request, response);
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
    const trackResponse = (request: IncomingMessage, response: ServerResponse) => {
      inFlight.add(response);
      if (draining) response.shouldKeepAlive = false;
      // One listener per request on the hot path; the rare answer-before-body case adds its own.
      response.once('close', () => {
        inFlight.delete(response);
        if (!request.complete) {
          const socket = request.socket;
          answeredBeforeBody.add(socket);
          request.once('end', () => answeredBeforeBody.delete(socket));
        }
        if (draining && inFlight.size === 0) server.closeIdleConnections();
      });
    };

    const timeouts = {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the header and request deadlines on this interval (default 30 s): a tenth of the
      // shorter one, at most a quarter second, so a timed-out client is closed at most that late. A check
      // walks only the connections that are mid-request: cheap even with thousands open.
      connectionsCheckingInterval: Math.max(10, Math.min(CHECK_INTERVAL_CAP_MS, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10))),
    };
    const server = tls ? https.createServer({ cert: tls.cert, key: tls.key, ...timeouts }, listener) : http.createServer(timeouts, listener);
    admitConnections(server, limits, Boolean(tls));
    // Node answers an Expect other than 100-continue itself, with an empty 417; this one is Graph's.
    server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
      writeGraphError(
        request,
        response,
        new GraphError(417, 'BadRequest', `The Expect header '${String(request.headers.expect)}' is not supported; only 100-continue is.`),
      );
    });

    // Closing: stop accepting connections at once, but keep kept-alive idle connections open while any
    // request is still in flight, so that a request arriving on one is answered 503 with Connection: close
    // (app.ts) instead of meeting a closed socket. Responses written from now on close their connection;
    // the idle ones are closed once the last in-flight request has finished.
    server.close = function close(callback?: (error?: Error) => void) {
      draining = true;
      for (const response of inFlight) if (!response.headersSent) response.shouldKeepAlive = false;
      net.Server.prototype.close.call(server, callback);
      if (inFlight.size === 0) server.closeIdleConnections();
      return server;
    };
    server.once('close', () => stopDeadlineChecks(server));
    return server;
  };
}

/**
 * Counts the open connections, in total and per client address, and refuses one beyond either cap with a
 * Graph error (503 over the total, 429 over the address's share) before any of its bytes are parsed: the
 * refused connection never reaches Node's HTTP handling (its 'connection' event is not passed on). Over
 * HTTPS no answer can be written before the handshake, so the connection is just closed.
 */
function admitConnections(server: net.Server, limits: ConnectionLimits, tls: boolean): void {
  const perAddress = new Map<string, number>();
  let open = 0;
  const refusalOf = (address: string): GraphError | undefined => {
    if (open >= limits.maxConnections) {
      return graphErrors.serviceUnavailable(`The server has ${limits.maxConnections} connections open, its limit. Retry the request.`);
    }
    if (limits.maxConnectionsPerAddress > 0 && (perAddress.get(address) ?? 0) >= limits.maxConnectionsPerAddress) {
      return new GraphError(
        429,
        'TooManyRequests',
        `Your address has ${limits.maxConnectionsPerAddress} connections open, the limit per client address. Close one or retry later.`,
        { 'Retry-After': '1' },
      );
    }
    return undefined;
  };
  const emit = server.emit.bind(server);
  server.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event !== 'connection') return emit(event, ...args);
    const socket = args[0] as Socket;
    const address = socket.remoteAddress ?? '';
    const refusal = refusalOf(address);
    if (refusal) {
      refuse(socket, refusal, tls);
      return true;
    }
    open++;
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    socket.once('close', () => {
      open--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
    return emit(event, ...args);
  };
}

/** Node's own http.Server.close stops its deadline checks; closing through net.Server (above) does not. */
function stopDeadlineChecks(server: net.Server): void {
  const key = Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === 'http.server.connectionsCheckingInterval');
  const interval = key ? (server as unknown as Record<symbol, unknown>)[key] : undefined;
  if (interval) clearInterval(interval as NodeJS.Timeout);
}

function refuse(socket: Socket, answer: GraphError, tls: boolean): void {
  if (tls) {
    socket.destroy();
    return;
  }
  // Half-close after the answer and read what the client still sends, so that its request is not met
  // by a reset that could discard the answer before it is read; then close for good.
  socket.on('error', () => socket.destroy());
  socket.resume();
  socket.end(rawGraphErrorResponse(answer, { head: false }));
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}

/** The URL with every `%24` of its path (not its query) written as `$`. */
function decodeDollarInPath(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  if (!path.includes('%24')) return url;
  return path.replaceAll('%24', '$') + (queryAt < 0 ? '' : url.slice(queryAt));
}
