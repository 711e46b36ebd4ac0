// …/certificateBasedAuthConfigurations/{pkiId}/certificateAuthorities and /{caId}.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { caRepresentation } from '../../../graph/ca-representation.ts';
import { contextFragments, contextUrl, PKI_COLLECTION_PATH } from '../../../graph/context.ts';
import { project } from '../../../graph/collection.ts';
import { CA_ENTITY } from '../../../graph/entities.ts';
import { parseCollectionOptions, parseCountOptions, parseEntityOptions, refuseUnsupportedQueryOptions } from '../../../graph/query-options.ts';
import type { CaInput, CaService } from '../../../service/trust-store/ca-service.ts';
import { graphErrors } from '../../../service/errors.ts';
import { principalOf } from '../../auth-hook.ts';
import { mapPage, sendCollectionPage } from '../../collection-reply.ts';
import { sendGraphJson, sendNoContent, sendPlainText } from '../../graph-reply.ts';
import { refuseOtherMethods, type GraphRouteContext } from '../../graph-routes.ts';
import { CA_GRAPH_TYPE, CaBodySchema, CaIdParamsSchema, PkiIdParamsSchema } from '../../schemas.ts';

type Query = Record<string, unknown>;

export function registerCaRoutes(plain: FastifyInstance, ctx: GraphRouteContext, cas: CaService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const collection = `/${PKI_COLLECTION_PATH}/:pkiId/certificateAuthorities`;
  const item = `${collection}/:caId`;
  const read = { access: 'read' as const };
  const write = { access: 'write' as const, graphType: CA_GRAPH_TYPE };
  const entityContext = (pkiId: string, select?: readonly string[]) =>
    contextUrl(ctx.publicBaseUrl(), ctx.version, contextFragments.caEntity(pkiId, select));

  app.get(collection, { config: read, schema: { params: PkiIdParamsSchema } }, async (request, reply) => {
    const options = parseCollectionOptions(request.query as Query, ctx.version, CA_ENTITY, ctx.pageLimits);
    const { pkiId } = request.params;
    const tenantId = principalOf(request).tenantId;
    return sendCollectionPage(reply, request, ctx, options, {
      tenantId,
      collection: `ca:${pkiId}`,
      contextFragment: contextFragments.caCollection(pkiId, options.select),
      list: async (query) => mapPage(await cas.list(tenantId, pkiId, query), caRepresentation),
      count: (filter) => cas.count(tenantId, pkiId, filter),
    });
  });

  app.post(collection, { config: write, schema: { params: PkiIdParamsSchema, body: CaBodySchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Query, ctx.version);
    const { pkiId } = request.params;
    const created = await cas.create(principalOf(request).tenantId, pkiId, caInputOf(request.body));
    reply.header('Location', `${ctx.publicBaseUrl()}/${ctx.version}/${PKI_COLLECTION_PATH}/${pkiId}/certificateAuthorities/${created.id}`);
    return sendGraphJson(reply, 201, { '@odata.context': entityContext(pkiId), ...caRepresentation(created) });
  });
  refuseOtherMethods(app, collection, ['GET', 'POST']);

  app.get(`${collection}/$count`, { config: read, schema: { params: PkiIdParamsSchema } }, async (request, reply) => {
    const filter = parseCountOptions(request.query as Query, ctx.version, CA_ENTITY);
    return sendPlainText(reply, String(await cas.count(principalOf(request).tenantId, request.params.pkiId, filter)));
  });
  refuseOtherMethods(app, `${collection}/$count`, ['GET']);

  app.get(item, { config: read, schema: { params: CaIdParamsSchema } }, async (request, reply) => {
    const select = parseEntityOptions(request.query as Query, ctx.version, CA_ENTITY);
    const { pkiId, caId } = request.params;
    const ca = await cas.get(principalOf(request).tenantId, pkiId, caId);
    return sendGraphJson(reply, 200, { '@odata.context': entityContext(pkiId, select), ...project(caRepresentation(ca), select) });
  });

  app.patch(item, { config: write, schema: { params: CaIdParamsSchema, body: CaBodySchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Query, ctx.version);
    const { pkiId, caId } = request.params;
    if (request.body.id !== undefined && request.body.id.toLowerCase() !== caId.toLowerCase()) {
      throw graphErrors.badRequest(`The id '${request.body.id}' in the body does not match the id '${caId}' in the URL.`);
    }
    const updated = await cas.update(principalOf(request).tenantId, pkiId, caId, caInputOf(request.body));
    return sendGraphJson(reply, 200, { '@odata.context': entityContext(pkiId), ...caRepresentation(updated) });
  });

  app.delete(item, { config: write, schema: { params: CaIdParamsSchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Query, ctx.version);
    await cas.delete(principalOf(request).tenantId, request.params.pkiId, request.params.caId);
    return sendNoContent(reply);
  });
  refuseOtherMethods(app, item, ['GET', 'PATCH', 'DELETE']);
}

/** Maps the wire shape to the use case's input, folding the docs' spelling of the delta CRL URL. */
function caInputOf(body: Static<typeof CaBodySchema>): CaInput {
  const { deltacertificateRevocationListUrl: docsSpelling, deltaCertificateRevocationListUrl: metadataSpelling } = body;
  if (docsSpelling !== undefined && metadataSpelling !== undefined && docsSpelling !== metadataSpelling) {
    throw graphErrors.badRequest(
      "Both 'deltaCertificateRevocationListUrl' and 'deltacertificateRevocationListUrl' were sent with different values; send one.",
    );
  }
  // certificateAuthorityType, issuer, issuerSubjectKeyIdentifier, thumbprint and expirationDateTime are
  // type-checked by the schema and then left out: the certificate determines them (Graph's documented
  // bodies send example values for them, which must not be refused nor stored).
  return {
    certificate: body.certificate,
    displayName: body.displayName,
    certificateRevocationListUrl: body.certificateRevocationListUrl,
    // An explicit null (clear) in either spelling counts; only an absent property means keep.
    deltaCertificateRevocationListUrl: metadataSpelling !== undefined ? metadataSpelling : docsSpelling,
    isIssuerHintEnabled: body.isIssuerHintEnabled,
  };
}
