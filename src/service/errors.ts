// The one factory for errors a use case can raise. Each carries Graph's error code and the HTTP status
// Graph answers with; http/ turns it into Graph's error envelope.

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** Extra innerError members some Graph errors carry (e.g. a 429's code, message and status). */
    readonly innerError: Readonly<Record<string, string>> = {},
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
  /** The target's current state does not allow the request (e.g. a snapshot import into a tenant that holds data). */
  conflict: (message: string) => new GraphError(409, 'Conflict', message),
  payloadTooLarge: (limitBytes: number) =>
    new GraphError(413, 'Request_EntityTooLarge', `The request body is larger than the limit of ${limitBytes} bytes.`),
  serviceUnavailable: (message: string) =>
    new GraphError(503, 'serviceNotAvailable', message, { 'Retry-After': '5' }),
  internal: () => new GraphError(500, 'InternalServerError', 'An internal server error occurred.'),
  /** Graph's throttling answer; `headers` carries Retry-After and the x-ms-throttle-* headers. */
  tooManyRequests: (headers: Readonly<Record<string, string>>) =>
    new GraphError(429, 'TooManyRequests', 'Please retry again later.', headers, { code: '429', message: 'Please retry after', status: '429' }),
  gatewayTimeout: (message: string) => new GraphError(504, 'GatewayTimeout', message),
};
