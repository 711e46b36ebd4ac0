// The one factory for errors a use case can raise. Each carries Graph's error code and the HTTP status
// Graph answers with; http/ turns it into Graph's error envelope.

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export const graphErrors = {
  badRequest: (message: string, code = 'Request_BadRequest') => new GraphError(400, code, message),
  invalidRequest: (message: string) => new GraphError(400, 'BadRequest', message),
  unsupportedQuery: (message: string) => new GraphError(400, 'Request_UnsupportedQuery', message),
  notFound: (id: string) =>
    new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  noSuchSegment: (segment: string) =>
    new GraphError(404, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  methodNotAllowed: (method: string, path: string) =>
    new GraphError(405, 'BadRequest', `The HTTP method '${method}' is not allowed on '${path}'.`),
  unauthenticated: (message: string) =>
    new GraphError(401, 'InvalidAuthenticationToken', message, { 'WWW-Authenticate': 'Bearer' }),
  forbidden: () =>
    new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
  unsupportedMediaType: (contentType: string) =>
    new GraphError(
      415,
      'BadRequest',
      contentType
        ? `Content-Type '${contentType}' is not supported; send the request body as application/json.`
        : 'The request has a body but no Content-Type; send it as application/json.',
    ),
  payloadTooLarge: (limitBytes: number) =>
    new GraphError(413, 'Request_EntityTooLarge', `The request body is larger than the limit of ${limitBytes} bytes.`),
  serviceUnavailable: (message: string) =>
    new GraphError(503, 'serviceNotAvailable', message, { 'Retry-After': '5' }),
  internal: () => new GraphError(500, 'InternalServerError', 'An internal server error occurred.'),
};
