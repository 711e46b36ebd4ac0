// The JSON body parser, in place of Fastify's own, which replaces every parse failure by one generic
// "Body is not valid JSON" and so drops where the body went wrong. Same parser underneath
// (secure-json-parse: a UTF-8 BOM is skipped, prototype-polluting keys are refused), same body limits
// (the route's, else the server's), but the message says what and where.
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { GraphError, graphErrors } from '../service/errors.ts';

export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // The body is read as UTF-8 text: another charset, or a compressed body, would be misread.
    const contentType = request.headers['content-type'] ?? '';
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      done(new GraphError(415, 'BadRequest', `The charset '${charset}' is not supported; send the JSON body as UTF-8.`), undefined);
      return;
    }
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      done(new GraphError(415, 'BadRequest', `Content-Encoding '${encoding}' is not supported; send the body uncompressed.`), undefined);
      return;
    }
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.length === 0) {
      done(graphErrors.invalidRequest('The request body is empty; a JSON object is required.'), undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      const message = (error as Error).message;
      done(
        /forbidden (?:prototype|constructor) property/.test(message)
          ? graphErrors.invalidRequest("The request body holds a property named '__proto__' or 'constructor' with a 'prototype', which no Graph type has and which is refused.")
          : graphErrors.invalidRequest(`The request body is not valid JSON: ${message}.`),
        undefined,
      );
    }
  });
}
