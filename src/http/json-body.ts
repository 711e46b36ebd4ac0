// The JSON body parser, in place of Fastify's own, which replaces every parse failure by one generic
// "Body is not valid JSON" and so drops where the body went wrong. Same parser underneath
// (secure-json-parse: a UTF-8 BOM is skipped, prototype-polluting keys are refused), same body limits
// (the route's, else the server's), but the message says what and where.
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { GraphError, graphErrors } from '../service/errors.ts';

export function registerJsonBodyParser(app: FastifyInstance, maxDepth: number): void {
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
    if (nestsDeeperThan(text, maxDepth)) {
      done(graphErrors.invalidRequest(`The request body nests arrays and objects deeper than ${maxDepth} levels (--max-json-depth), which no Graph type does.`), undefined);
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

/**
 * Whether JSON text opens more than `maxDepth` arrays and objects inside one another, by one pass over it
 * (brackets inside strings do not count). Checked before parsing: V8's JSON.parse of a body nested
 * 500 000 levels deep (1 MB) takes a third of a second of the event loop, and what walks the parsed value
 * after it more. Malformed text is left to the parser, which says where it went wrong. Written by hand:
 * no JSON library offers a depth limit for JSON.parse.
 */
function nestsDeeperThan(text: string, maxDepth: number): boolean {
  if (text.length <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
