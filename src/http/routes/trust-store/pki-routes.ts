// /directory/publicKeyInfrastructure/certificateBasedAuthConfigurations and /{id}: one handler per
// operation, each a thin translation between HTTP and a PkiService use case.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { project } from '../../../graph/collection.ts';
import { contextFragments, contextUrl, PKI_COLLECTION_PATH } from '../../../graph/context.ts';
import { PKI_ENTITY } from '../../../graph/entities.ts';
import { parseCollectionOptions, parseCountOptions, parseEntityOptions, refuseUnsupportedQueryOptions, type RawQuery } from '../../../graph/query-options.ts';
import { pkiRepresentation } from '../../../graph/representation.ts';
import { graphErrors } from '../../../service/errors.ts';
import type { PkiService } from '../../../service/trust-store/pki-service.ts';
import { principalOf } from '../../auth-hook.ts';
import { mapPage, sendCollectionPage } from '../../collection-reply.ts';
import { sendGraphJson, sendNoContent, sendPlainText } from '../../graph-reply.ts';
import { refuseOtherMethods, type GraphRouteContext } from '../../graph-routes.ts';
import { PKI_GRAPH_TYPE, PkiBodySchema, PkiIdParamsSchema } from '../../schemas.ts';

export function registerPkiRoutes(plain: FastifyInstance, ctx: GraphRouteContext, pkis: PkiService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const collection = `/${PKI_COLLECTION_PATH}`;
  const item = `${collection}/:pkiId`;
  const read = { access: 'read' as const };
  const write = { access: 'write' as const, graphType: PKI_GRAPH_TYPE };
  const entityContext = (select?: readonly string[]) => contextUrl(ctx.publicBaseUrl(), ctx.version, contextFragments.pkiEntity(select));

  app.get(collection, { config: read }, async (request, reply) => {
    const options = parseCollectionOptions(request.query as RawQuery, ctx.version, PKI_ENTITY, ctx.pageLimits);
    const tenantId = principalOf(request).tenantId;
    return sendCollectionPage(reply, request, ctx, options, {
      tenantId,
      collection: 'pki',
      contextFragment: contextFragments.pkiCollection(options.select),
      list: async (query) => mapPage(await pkis.list(tenantId, query), pkiRepresentation),
      count: (filter) => pkis.count(tenantId, filter),
    });
  });

  app.post(collection, { config: write, schema: { body: PkiBodySchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as RawQuery, ctx.version);
    const created = await pkis.create(principalOf(request).tenantId, { displayName: request.body.displayName });
    reply.header('Location', `${ctx.publicBaseUrl()}/${ctx.version}${collection}/${created.id}`);
    return sendGraphJson(reply, 201, { '@odata.context': entityContext(), ...pkiRepresentation(created) });
  });
  refuseOtherMethods(app, collection, ['GET', 'POST']);

  app.get(`${collection}/$count`, { config: read }, async (request, reply) => {
    const filter = parseCountOptions(request.query as RawQuery, ctx.version, PKI_ENTITY);
    return sendPlainText(reply, String(await pkis.count(principalOf(request).tenantId, filter)));
  });
  refuseOtherMethods(app, `${collection}/$count`, ['GET']);

  app.get(item, { config: read, schema: { params: PkiIdParamsSchema } }, async (request, reply) => {
    const select = parseEntityOptions(request.query as RawQuery, ctx.version, PKI_ENTITY);
    const pki = await pkis.get(principalOf(request).tenantId, request.params.pkiId);
    return sendGraphJson(reply, 200, { '@odata.context': entityContext(select), ...project(pkiRepresentation(pki), select) });
  });

  app.patch(item, { config: write, schema: { params: PkiIdParamsSchema, body: PkiBodySchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as RawQuery, ctx.version);
    const { pkiId } = request.params;
    // A client that sends back the object it read includes its id; a different id is a mistake.
    if (request.body.id !== undefined && request.body.id.toLowerCase() !== pkiId.toLowerCase()) {
      throw graphErrors.badRequest(`The id '${request.body.id}' in the body does not match the id '${pkiId}' in the URL.`);
    }
    const updated = await pkis.update(principalOf(request).tenantId, pkiId, { displayName: request.body.displayName });
    return sendGraphJson(reply, 200, { '@odata.context': entityContext(), ...pkiRepresentation(updated) });
  });

  app.delete(item, { config: write, schema: { params: PkiIdParamsSchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as RawQuery, ctx.version);
    await pkis.delete(principalOf(request).tenantId, request.params.pkiId);
    return sendNoContent(reply);
  });
  refuseOtherMethods(app, item, ['GET', 'PATCH', 'DELETE']);
}
