// GET /beta/$metadata and /v1.0/$metadata: the OData CSDL document every @odata.context points at. Public,
// as Graph's is (it describes the API, no tenant's data), so registered outside the authenticated Graph
// plugins. Both versions serve the same document: this service serves the same types under both.
import type { FastifyInstance } from 'fastify';
import { API_VERSIONS } from '../../graph/context.ts';
import { csdlDocument } from '../../graph/csdl.ts';
import { GRAPH_PKI_SCHEMA } from '../../graph/metadata-model.ts';
import { type RawQuery, systemOptions } from '../../graph/query-options.ts';
import { graphErrors } from '../../service/errors.ts';
import { refuseOtherMethods } from '../graph-routes.ts';

export const METADATA_CONTENT_TYPE = 'application/xml;charset=utf-8';

/** `$format` values that ask for the XML document; CSDL JSON is not offered. */
const XML_FORMATS = new Set(['xml', 'application/xml']);

let document: string | undefined;

export function registerMetadataRoutes(app: FastifyInstance): void {
  for (const version of API_VERSIONS) {
    const url = `/${version}/$metadata`;
    app.get(url, { schema: { hide: true } }, async (request, reply) => {
      const format = systemOptions(request.query as RawQuery, version, ['format']).get('format');
      if (format !== undefined && !XML_FORMATS.has(format.toLowerCase())) {
        throw graphErrors.unsupportedQuery(`The $format '${format}' is not supported for $metadata; it is served as application/xml only.`);
      }
      document ??= csdlDocument(GRAPH_PKI_SCHEMA);
      return reply.code(200).type(METADATA_CONTENT_TYPE).send(document);
    });
    refuseOtherMethods(app, url, ['GET']);
  }
}
