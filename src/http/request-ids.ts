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
export const MAX_CLIENT_REQUEST_ID_LENGTH = 128;

export function registerRequestIds(app: FastifyInstance): void {
  app.decorateRequest('clientRequestId', '');
  app.addHook('onRequest', (request, reply, done) => {
    applyRequestIds(request, reply);
    done();
  });
}

/** Sets the request's client-request-id and the id headers; also for requests no hook sees (framework-errors.ts). */
export function applyRequestIds(request: FastifyRequest, reply: FastifyReply): void {
  const supplied = request.headers['client-request-id'];
  request.clientRequestId =
    typeof supplied === 'string' && supplied.length > 0 && supplied.length <= MAX_CLIENT_REQUEST_ID_LENGTH ? supplied : randomUUID();
  reply.header('request-id', request.id);
  reply.header('client-request-id', request.clientRequestId);
  reply.header('OData-Version', '4.0');
}
