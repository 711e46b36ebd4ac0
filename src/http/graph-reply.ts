// Graph's response conventions: the OData JSON content type and the error envelope.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GraphError } from '../service/errors.ts';

export const GRAPH_JSON_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export function sendGraphJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(GRAPH_JSON_CONTENT_TYPE).send(JSON.stringify(body));
}

export function sendNoContent(reply: FastifyReply): FastifyReply {
  return reply.code(204).send();
}

export function sendPlainText(reply: FastifyReply, text: string): FastifyReply {
  return reply.code(200).type('text/plain;charset=utf-8').send(text);
}

/** Graph's `innerError.date`: UTC without fraction or zone, as directory errors show it. */
function errorDate(): string {
  return new Date().toISOString().slice(0, 19);
}

/** Graph's error envelope, `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`. */
export function graphErrorBody(error: GraphError, requestId: string, clientRequestId: string): { error: Record<string, unknown> } {
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: { ...error.innerError, date: errorDate(), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}

export function sendGraphError(request: FastifyRequest, reply: FastifyReply, error: GraphError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return sendGraphJson(reply, error.status, graphErrorBody(error, request.id, request.clientRequestId));
}
