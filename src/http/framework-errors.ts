// Requests that fail before any route or hook runs, answered in Graph's envelope like every other
// error instead of Fastify's own bodies: a URL whose percent-encoding cannot be decoded (Fastify's
// frameworkErrors), and bytes that are not valid HTTP at all (Node's clientError, raw socket).
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphError, graphErrors } from '../service/errors.ts';
import { GRAPH_JSON_CONTENT_TYPE, graphErrorBody, sendGraphError } from './graph-reply.ts';
import type { AppMetrics } from './metrics.ts';
import { applyRequestIds, clientRequestIdOf } from './request-ids.ts';
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

export function graphClientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  this.log.debug({ err: error }, 'invalid HTTP from a client');
  // A second answer after one already started (or was sent for this request) would corrupt the stream.
  if (socket.writable && !hasAnswered(socket)) {
    socket.write(rawGraphErrorResponse(clientErrorAnswer(error.code), { head: isHeadRequest(error.rawPacket) }));
  }
  socket.destroy(error);
}

/**
 * Answers a request Node handles before Fastify sees it (an Expect header other than 100-continue) in
 * Graph's envelope, echoing the client-request-id as every other answer does.
 */
export function writeGraphError(request: IncomingMessage, response: ServerResponse, answer: GraphError): void {
  const requestId = randomUUID();
  const clientRequestId = clientRequestIdOf(request.headers['client-request-id']);
  const body = JSON.stringify(graphErrorBody(answer, requestId, clientRequestId));
  response.writeHead(answer.status, {
    ...answer.headers,
    'content-type': GRAPH_JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'request-id': requestId,
    'client-request-id': clientRequestId,
    'odata-version': '4.0',
    connection: 'close',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/**
 * A whole HTTP/1.1 response in Graph's envelope, with Connection: close, for a socket no Fastify reply
 * exists for. No request was parsed, so there is no client-request-id to echo: both ids are new. The
 * answer to HEAD has the headers only, as a HEAD answer must (a client would read the body as the next
 * response).
 */
export function rawGraphErrorResponse(answer: GraphError, { head }: { readonly head: boolean }): string {
  const requestId = randomUUID();
  const clientRequestId = randomUUID();
  const body = JSON.stringify(graphErrorBody(answer, requestId, clientRequestId));
  const extraHeaders = Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return (
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Error'}\r\n` +
    `Content-Type: ${GRAPH_JSON_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}` +
    `request-id: ${requestId}\r\nclient-request-id: ${clientRequestId}\r\nOData-Version: 4.0\r\nConnection: close\r\n\r\n${head ? '' : body}`
  );
}

/**
 * Whether the bytes Node's parser failed on begin a HEAD request. The parser gives no method before the
 * headers are complete; the packet it failed on holds the request line whenever the head arrived in one
 * piece, as it does from every ordinary client.
 */
function isHeadRequest(rawPacket: unknown): boolean {
  return Buffer.isBuffer(rawPacket) && rawPacket.subarray(0, 5).toString('latin1').toUpperCase() === 'HEAD ';
}

/** Whether the socket's current request has had (or is having) its response written. */
function hasAnswered(socket: Duplex): boolean {
  const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return current?.headersSent === true || answeredBeforeBody.has(socket);
}

/**
 * Sockets whose current request was answered before its body had arrived (a 404 or 401 needs no body):
 * when the rest of the body then times out, the client has its answer already; the connection just closes.
 */
export const answeredBeforeBody = new WeakSet<Duplex>();

/**
 * The last segment of a request URL's path, decoded where it decodes, for "not found" messages. Read from
 * the path as it came, never through `new URL()`, which takes `//host/…` for an authority and throws.
 */
export function lastPathSegment(url: string): string {
  const queryAt = url.search(/[?#]/);
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const segment = path.split('/').filter(Boolean).pop() ?? '/';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
