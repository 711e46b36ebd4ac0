// Every input a route can pass to the database, checked against the one rule for stored text
// (service/storable-text.ts) before validation and before any use case: the path's parameters (ids),
// the query options ($filter literals, $skiptoken, any other), and the JSON body's keys and strings.
// The answer is 400 naming the place, the same on SQLite and PostgreSQL.
import type { FastifyInstance } from 'fastify';
import { graphErrors } from '../service/errors.ts';
import { findUnstorableText, propertyPath } from '../service/storable-text.ts';

export function registerStorableInputCheck(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const params = findUnstorableText(request.params);
    if (params) {
      done(graphErrors.invalidRequest(`The request path holds ${params.problem} in the segment for '${propertyPath(params.segments)}', which cannot be stored; remove it.`));
      return;
    }
    const query = findUnstorableText(request.query);
    if (query) {
      done(graphErrors.invalidRequest(`The query option '${query.segments[0] ?? ''}' holds ${query.problem}, which cannot be stored; remove it.`));
      return;
    }
    const body = findUnstorableText(request.body);
    if (body) {
      const place = body.segments.length > 0 ? `the property '${propertyPath(body.segments)}' of the request body` : 'the request body';
      done(graphErrors.invalidRequest(`${place[0]?.toUpperCase()}${place.slice(1)} holds ${body.problem}, which cannot be stored; remove it.`));
      return;
    }
    done();
  });
}
