// The JSON body parser, in place of Fastify's own, which replaces every parse failure by one generic
// "Body is not valid JSON" and so drops where the body went wrong. Same parser underneath
// (secure-json-parse: a UTF-8 BOM is skipped, prototype-polluting keys are refused), same body limits
// (the route's, else the server's), but the message says what and where.
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { graphErrors } from '../service/errors.ts';

export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
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
