// Requests that fail before any route or hook runs, answered in Graph's envelope like every other
// error instead of Fastify's own bodies: a URL whose percent-encoding cannot be decoded (Fastify's
// frameworkErrors), and bytes that are not valid HTTP at all (Node's clientError, raw socket).
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphError, graphErrors } from '../service/errors.ts';
import { GRAPH_JSON_CONTENT_TYPE, graphErrorBody, sendGraphError } from './graph-reply.ts';
import type { AppMetrics } from './metrics.ts';
import { applyRequestIds } from './request-ids.ts';
import { logRequest } from './request-log.ts';

/** The route label of such requests in logs and metrics: they never reached a route. */
const ROUTE = 'bad-request-line';

export function graphFrameworkErrors(metrics: AppMetrics) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    applyRequestIds(request, reply);
    const graphError =
      error.code === 'FST_ERR_BAD_URL'
        ? graphErrors.invalidRequest('The request URL is not valid: its path holds a percent-encoding that does not decode to UTF-8 text.')
        : graphErrors.invalidRequest(`The request URL cannot be routed (${error.code}).`);
    sendGraphError(request, reply, graphError);
    logRequest(request, reply, ROUTE);
    metrics.observeRequest(ROUTE, reply.statusCode, reply.elapsedTime / 1000);
  };
}

/** What Node's HTTP parser refused, as Graph would word it. */
function clientErrorAnswer(code: string | undefined): GraphError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new GraphError(408, 'RequestTimeout', 'The request was not received in time.');
    case 'HPE_HEADER_OVERFLOW':
      return new GraphError(431, 'BadRequest', 'The request headers are larger than the server accepts.');
    default:
      return graphErrors.invalidRequest(`The request is not valid HTTP${code ? ` (${code})` : ''}.`);
  }
}

export function graphClientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  this.log.debug({ err: error }, 'invalid HTTP from a client');
  if (socket.writable) {
    const answer = clientErrorAnswer(error.code);
    // No request was parsed, so there is no client-request-id to echo: both ids are new.
    const requestId = randomUUID();
    const clientRequestId = randomUUID();
    const body = JSON.stringify(graphErrorBody(answer, requestId, clientRequestId));
    socket.write(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Error'}\r\n` +
        `Content-Type: ${GRAPH_JSON_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `request-id: ${requestId}\r\nclient-request-id: ${clientRequestId}\r\nOData-Version: 4.0\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
