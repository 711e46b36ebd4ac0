// request-id (new for every request) and client-request-id (the caller's, echoed, else a new one), plus
// the OData-Version header Graph sends on every response.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    clientRequestId: string;
  }
}

/** Longest client-request-id echoed back; a longer one is replaced by a fresh GUID. */
const MAX_CLIENT_REQUEST_ID_LENGTH = 128;

export function registerRequestIds(app: FastifyInstance): void {
  app.decorateRequest('clientRequestId', '');
  app.addHook('onRequest', (request, reply, done) => {
    applyRequestIds(request, reply);
    done();
  });
}

/** Sets the request's client-request-id and the id headers; also for requests no hook sees (framework-errors.ts). */
export function applyRequestIds(request: FastifyRequest, reply: FastifyReply): void {
  request.clientRequestId = clientRequestIdOf(request.headers['client-request-id']);
  reply.header('request-id', request.id);
  reply.header('client-request-id', request.clientRequestId);
  reply.header('OData-Version', '4.0');
}

/** Printable ASCII only: a header carries other characters as Latin-1, which the JSON body would garble. */
const ECHOABLE = /^[\x20-\x7e]+$/;

/** The caller's client-request-id when it can be echoed as it came, else a new GUID. */
export function clientRequestIdOf(supplied: string | string[] | undefined): string {
  return typeof supplied === 'string' && supplied.length <= MAX_CLIENT_REQUEST_ID_LENGTH && ECHOABLE.test(supplied) ? supplied : randomUUID();
}
