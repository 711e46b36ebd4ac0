// /directory/deletedItems for PKIs and CAs: the two typed lists (with the collection query options),
// get, restore and permanent delete of one item. Graph does not list deletedItems without a type cast.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { caRepresentation } from '../../../graph/ca-representation.ts';
import { project, type Representation } from '../../../graph/collection.ts';
import { contextFragments, contextUrl } from '../../../graph/context.ts';
import { asDeletedItems, CA_ENTITY, type EntityDefinition, PKI_ENTITY } from '../../../graph/entities.ts';
import { parseCollectionOptions, parseCountOptions, parseEntityOptions, refuseUnsupportedQueryOptions, type RawQuery } from '../../../graph/query-options.ts';
import { pkiRepresentation } from '../../../graph/representation.ts';
import type { DeletedItem, DeletedItemsService } from '../../../service/trust-store/deleted-items-service.ts';
import { graphErrors } from '../../../service/errors.ts';
import type { Condition, ListQuery } from '../../../store/list-query.ts';
import type { Page } from '../../../store/pki-repository.ts';
import { principalOf } from '../../auth-hook.ts';
import { mapPage, sendCollectionPage } from '../../collection-reply.ts';
import { sendGraphJson, sendNoContent, sendPlainText } from '../../graph-reply.ts';
import { refuseOtherMethods, type GraphRouteContext } from '../../graph-routes.ts';

const BASE = '/directory/deletedItems';
const ItemParams = Type.Object({ itemId: Type.String() });

interface DeletedCollection {
  readonly entity: EntityDefinition;
  list(tenantId: string, query: ListQuery): Promise<Page<Representation>>;
  count(tenantId: string, filter?: Condition): Promise<number>;
}

export function registerDeletedItemsRoutes(plain: FastifyInstance, ctx: GraphRouteContext, deleted: DeletedItemsService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const read = { access: 'read' as const };
  const write = { access: 'write' as const };

  const collections: Record<string, DeletedCollection> = {
    [PKI_ENTITY.typeName]: {
      entity: asDeletedItems(PKI_ENTITY),
      list: async (tenantId, query) => mapPage(await deleted.listPkis(tenantId, query), pkiRepresentation),
      count: (tenantId, filter) => deleted.countPkis(tenantId, filter),
    },
    [CA_ENTITY.typeName]: {
      entity: asDeletedItems(CA_ENTITY),
      list: async (tenantId, query) => mapPage(await deleted.listCas(tenantId, query), caRepresentation),
      count: (tenantId, filter) => deleted.countCas(tenantId, filter),
    },
  };

  app.get(BASE, { config: read }, async () => {
    throw graphErrors.badRequest(
      `Listing deletedItems needs a type cast: ${BASE}/microsoft.graph.certificateBasedAuthPki or ${BASE}/microsoft.graph.certificateAuthorityDetail.`,
    );
  });
  refuseOtherMethods(app, BASE, ['GET']);

  for (const [typeName, collection] of Object.entries(collections)) {
    const url = `${BASE}/${typeName}`;
    app.get(url, { config: read }, async (request, reply) => {
      const options = parseCollectionOptions(request.query as RawQuery, ctx.version, collection.entity, ctx.pageLimits);
      const tenantId = principalOf(request).tenantId;
      return sendCollectionPage(reply, request, ctx, options, {
        tenantId,
        collection: `deleted:${typeName}`,
        contextFragment: contextFragments.deletedCollection(typeName, options.select),
        list: (query) => collection.list(tenantId, query),
        count: (filter) => collection.count(tenantId, filter),
      });
    });
    refuseOtherMethods(app, url, ['GET']);
    app.get(`${url}/$count`, { config: read }, async (request, reply) => {
      const filter = parseCountOptions(request.query as RawQuery, ctx.version, collection.entity);
      return sendPlainText(reply, String(await collection.count(principalOf(request).tenantId, filter)));
    });
    refuseOtherMethods(app, `${url}/$count`, ['GET']);
  }

  const item = `${BASE}/:itemId`;
  app.get(item, { config: read, schema: { params: ItemParams } }, async (request, reply) => {
    const { itemId } = request.params;
    refuseOtherTypeCasts(itemId);
    const found = await deleted.get(principalOf(request).tenantId, itemId);
    const select = parseEntityOptions(request.query as RawQuery, ctx.version, found.kind === 'pki' ? PKI_ENTITY : CA_ENTITY);
    return sendGraphJson(reply, 200, {
      '@odata.context': contextUrl(ctx.publicBaseUrl(), ctx.version, contextFragments.deletedEntity()),
      ...project(representationOf(found), select),
    });
  });
  app.delete(item, { config: write, schema: { params: ItemParams } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as RawQuery, ctx.version);
    refuseOtherTypeCasts(request.params.itemId);
    await deleted.purge(principalOf(request).tenantId, request.params.itemId);
    return sendNoContent(reply);
  });
  refuseOtherMethods(app, item, ['GET', 'DELETE']);

  const restore = `${item}/restore`;
  for (const url of [restore, `${item}/microsoft.graph.restore`]) {
    app.post(url, { config: write, schema: { params: ItemParams } }, async (request, reply) => {
      refuseUnsupportedQueryOptions(request.query as RawQuery, ctx.version);
      const restored = await deleted.restore(principalOf(request).tenantId, request.params.itemId);
      return sendGraphJson(reply, 200, {
        '@odata.context': contextUrl(ctx.publicBaseUrl(), ctx.version, contextFragments.directoryObject()),
        ...representationOf(restored),
      });
    });
    refuseOtherMethods(app, url, ['POST']);
  }
}

function refuseOtherTypeCasts(itemId: string): void {
  if (itemId.startsWith('microsoft.graph.')) {
    throw graphErrors.badRequest(
      `The type cast '${itemId}' is not supported here; this service holds deleted microsoft.graph.certificateBasedAuthPki and microsoft.graph.certificateAuthorityDetail objects.`,
    );
  }
}

function representationOf(item: DeletedItem): Representation {
  return item.kind === 'pki' ? pkiRepresentation(item.pki) : caRepresentation(item.ca);
}
