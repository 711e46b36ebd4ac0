// /directory/publicKeyInfrastructure/certificateBasedAuthConfigurations and /{id}: one handler per
// operation, each a thin translation between HTTP and a PkiService use case.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { contextFragments, contextUrl, PKI_COLLECTION_PATH } from '../../graph/context.ts';
import { refuseUnsupportedQueryOptions } from '../../graph/query-options.ts';
import { pkiRepresentation } from '../../graph/representation.ts';
import { graphErrors } from '../../service/errors.ts';
import type { PkiService } from '../../service/pki-service.ts';
import { principalOf } from '../auth-hook.ts';
import { sendGraphJson, sendNoContent, sendPlainText } from '../graph-reply.ts';
import { refuseOtherMethods, type GraphRouteContext } from '../graph-routes.ts';
import { PKI_GRAPH_TYPE, PkiBodySchema, PkiIdParamsSchema } from '../schemas.ts';

type Query = Record<string, unknown>;

export function registerPkiRoutes(plain: FastifyInstance, ctx: GraphRouteContext, pkis: PkiService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const collection = `/${PKI_COLLECTION_PATH}`;
  const item = `${collection}/:pkiId`;
  const read = { access: 'read' as const };
  const write = { access: 'write' as const, graphType: PKI_GRAPH_TYPE };
  const entityContext = () => contextUrl(ctx.publicBaseUrl(), ctx.version, contextFragments.pkiEntity());

  app.get(collection, { config: read }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Query, ctx.version);
    const list = await pkis.list(principalOf(request).tenantId);
    return sendGraphJson(reply, 200, {
      '@odata.context': contextUrl(ctx.publicBaseUrl(), ctx.version, contextFragments.pkiCollection()),
      value: list.map(pkiRepresentation),
    });
  });

  app.post(collection, { config: write, schema: { body: PkiBodySchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Query, ctx.version);
    const created = await pkis.create(principalOf(request).tenantId, { displayName: request.body.displayName });
    reply.header('Location', `${ctx.publicBaseUrl()}/${ctx.version}${collection}/${created.id}`);
    return sendGraphJson(reply, 201, { '@odata.context': entityContext(), ...pkiRepresentation(created) });
  });
  refuseOtherMethods(app, collection, ['GET', 'POST']);

  app.get(`${collection}/$count`, { config: read }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Query, ctx.version);
    return sendPlainText(reply, String(await pkis.count(principalOf(request).tenantId)));
  });
  refuseOtherMethods(app, `${collection}/$count`, ['GET']);

  app.get(item, { config: read, schema: { params: PkiIdParamsSchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Query, ctx.version);
    const pki = await pkis.get(principalOf(request).tenantId, request.params.pkiId);
    return sendGraphJson(reply, 200, { '@odata.context': entityContext(), ...pkiRepresentation(pki) });
  });

  app.patch(item, { config: write, schema: { params: PkiIdParamsSchema, body: PkiBodySchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Query, ctx.version);
    const { pkiId } = request.params;
    // A client that sends back the object it read includes its id; a different id is a mistake.
    if (request.body.id !== undefined && request.body.id.toLowerCase() !== pkiId.toLowerCase()) {
      throw graphErrors.badRequest(`The id '${request.body.id}' in the body does not match the id '${pkiId}' in the URL.`);
    }
    const updated = await pkis.update(principalOf(request).tenantId, pkiId, { displayName: request.body.displayName });
    return sendGraphJson(reply, 200, { '@odata.context': entityContext(), ...pkiRepresentation(updated) });
  });

  app.delete(item, { config: write, schema: { params: PkiIdParamsSchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Query, ctx.version);
    await pkis.delete(principalOf(request).tenantId, request.params.pkiId);
    return sendNoContent(reply);
  });
  refuseOtherMethods(app, item, ['GET', 'PATCH', 'DELETE']);
}
