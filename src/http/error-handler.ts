// Every failure leaves as Graph's error envelope with the right status: a use case's GraphError as it is,
// Fastify's own body and schema errors translated to precise messages, anything unexpected as a 500
// (logged, never shown).
import type { FastifyError, FastifyInstance } from 'fastify';
import { GraphError, graphErrors } from '../service/errors.ts';
import { isDatabaseUnavailable } from '../store/database.ts';
import { sendGraphError } from './graph-reply.ts';
import { describeSchemaError, type SchemaErrorDetail } from './schema-errors.ts';

export function registerErrorHandler(app: FastifyInstance, maxRequestBodyBytes: number): void {
  app.setErrorHandler((error: FastifyError | GraphError, request, reply) => {
    const resource = request.routeOptions.config.graphType;
    // A route may have a limit of its own (the admin API's snapshot import).
    const bodyLimit = request.routeOptions.bodyLimit ?? maxRequestBodyBytes;
    let graphError: GraphError;
    try {
      graphError = toGraphError(error, request.headers['content-type'], bodyLimit, resource);
    } catch (describing) {
      // Describing the error failed too: still answer in Graph's envelope, never Fastify's own body.
      request.log.error({ err: describing }, 'describing an error failed');
      graphError = graphErrors.internal();
    }
    // Only the unexpected is an incident: a GraphError (an injected fault, the shutdown 503, a refusal)
    // is an answer chosen on purpose, and its request line already says how it ended.
    if (isDatabaseUnavailable(error)) request.log.warn({ err: error }, 'database unavailable');
    else if (graphError.status === 500 && !(error instanceof GraphError)) request.log.error({ err: error }, 'request failed');
    return sendGraphError(request, reply, graphError);
  });
}

function toGraphError(
  error: FastifyError | GraphError,
  contentType: string | undefined,
  limit: number,
  resource: string | undefined,
): GraphError {
  if (error instanceof GraphError) return error;
  if (isDatabaseUnavailable(error)) return graphErrors.serviceUnavailable('The service is temporarily unavailable: its database cannot be reached. Retry later.');
  if (error.validation) {
    return graphErrors.badRequest(describeSchemaError(error.validation as SchemaErrorDetail[], resource));
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return graphErrors.payloadTooLarge(limit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return error.statusCode === 415 ? graphErrors.unsupportedMediaType(contentType ?? '') : graphErrors.invalidRequest(error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return graphErrors.invalidRequest('The request body is empty; a JSON object is required.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return graphErrors.invalidRequest(`The request body is not valid JSON: ${error.message}`);
  }
  if (error instanceof SyntaxError) return graphErrors.invalidRequest(`The request body is not valid JSON: ${error.message}`);
  if (error.statusCode === 400) return graphErrors.invalidRequest(error.message);
  if (error.statusCode === 415) return graphErrors.unsupportedMediaType(contentType ?? '');
  if (error.statusCode === 413) return graphErrors.payloadTooLarge(limit);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new GraphError(error.statusCode, 'BadRequest', error.message);
  }
  return graphErrors.internal();
}
