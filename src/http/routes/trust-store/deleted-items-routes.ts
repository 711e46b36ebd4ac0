// /directory/deletedItems for PKIs, CAs and users: the typed lists (with the collection query options),
// get, restore and permanent delete of one item. Graph does not list deletedItems without a type cast.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type Access, isAllowed } from '../../../auth/permissions.ts';
import { caRepresentation } from '../../../graph/ca-representation.ts';
import { project, type Representation } from '../../../graph/collection.ts';
import { contextFragments, contextUrl } from '../../../graph/context.ts';
import { asDeletedItems, CA_ENTITY, type EntityDefinition, PKI_ENTITY } from '../../../graph/entities.ts';
import { parseCollectionOptions, parseCountOptions, parseEntityOptions, refuseUnsupportedQueryOptions, type RawQuery } from '../../../graph/query-options.ts';
import { pkiRepresentation } from '../../../graph/representation.ts';
import { deletedUserRepresentation, USER_ENTITY } from '../../../graph/user-entity.ts';
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
  readonly access: Access;
  list(tenantId: string, query: ListQuery): Promise<Page<Representation>>;
  count(tenantId: string, filter?: Condition): Promise<number>;
}

export function registerDeletedItemsRoutes(plain: FastifyInstance, ctx: GraphRouteContext, deleted: DeletedItemsService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const itemRead = { access: 'deleted-items-read' as const };
  const itemWrite = { access: 'deleted-items-write' as const };

  const collections: Record<string, DeletedCollection> = {
    [PKI_ENTITY.typeName]: {
      entity: asDeletedItems(PKI_ENTITY),
      access: 'read',
      list: async (tenantId, query) => mapPage(await deleted.listPkis(tenantId, query), pkiRepresentation),
      count: (tenantId, filter) => deleted.countPkis(tenantId, filter),
    },
    [CA_ENTITY.typeName]: {
      entity: asDeletedItems(CA_ENTITY),
      access: 'read',
      list: async (tenantId, query) => mapPage(await deleted.listCas(tenantId, query), caRepresentation),
      count: (tenantId, filter) => deleted.countCas(tenantId, filter),
    },
    // A deleted user's certificateUserIds no longer find it (its values are free), so no `any` filter here.
    [USER_ENTITY.typeName]: {
      entity: { ...asDeletedItems(USER_ENTITY), lambdaCollections: {} },
      access: 'users-read',
      list: async (tenantId, query) => mapPage(await deleted.listUsers(tenantId, query), (user) => deletedUserRepresentation(user, undefined)),
      count: (tenantId, filter) => deleted.countUsers(tenantId, filter),
    },
  };
  const typeNames = Object.keys(collections);

  app.get(BASE, { config: itemRead }, async () => {
    throw graphErrors.badRequest(`Listing deletedItems needs a type cast: ${typeNames.map((name) => `${BASE}/${name}`).join(', ')}.`);
  });
  refuseOtherMethods(app, BASE, ['GET']);

  for (const [typeName, collection] of Object.entries(collections)) {
    const url = `${BASE}/${typeName}`;
    app.get(url, { config: { access: collection.access } }, async (request, reply) => {
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
    app.get(`${url}/$count`, { config: { access: collection.access } }, async (request, reply) => {
      const filter = parseCountOptions(request.query as RawQuery, ctx.version, collection.entity);
      return sendPlainText(reply, String(await collection.count(principalOf(request).tenantId, filter)));
    });
    refuseOtherMethods(app, `${url}/$count`, ['GET']);
  }

  const item = `${BASE}/:itemId`;
  app.get(item, { config: itemRead, schema: { params: ItemParams } }, async (request, reply) => {
    const { itemId } = request.params;
    refuseOtherTypeCasts(itemId);
    const found = await deleted.get(principalOf(request).tenantId, itemId);
    requireAccessTo(request, found.kind, 'read');
    const entity = { pki: PKI_ENTITY, ca: CA_ENTITY, user: USER_ENTITY }[found.kind];
    const select = parseEntityOptions(request.query as RawQuery, ctx.version, entity);
    return sendGraphJson(reply, 200, {
      '@odata.context': contextUrl(ctx.publicBaseUrl(), ctx.version, contextFragments.deletedEntity()),
      ...(found.kind === 'user' ? deletedUserRepresentation(found.user, select) : project(representationOf(found), select)),
    });
  });
  app.delete(item, { config: itemWrite, schema: { params: ItemParams } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as RawQuery, ctx.version);
    refuseOtherTypeCasts(request.params.itemId);
    const tenantId = principalOf(request).tenantId;
    requireAccessTo(request, (await deleted.get(tenantId, request.params.itemId)).kind, 'write');
    await deleted.purge(tenantId, request.params.itemId);
    return sendNoContent(reply);
  });
  refuseOtherMethods(app, item, ['GET', 'DELETE']);

  const restore = `${item}/restore`;
  for (const url of [restore, `${item}/microsoft.graph.restore`]) {
    app.post(url, { config: itemWrite, schema: { params: ItemParams } }, async (request, reply) => {
      refuseUnsupportedQueryOptions(request.query as RawQuery, ctx.version);
      const tenantId = principalOf(request).tenantId;
      requireAccessTo(request, (await deleted.get(tenantId, request.params.itemId)).kind, 'write');
      const restored = await deleted.restore(tenantId, request.params.itemId);
      return sendGraphJson(reply, 200, {
        '@odata.context': contextUrl(ctx.publicBaseUrl(), ctx.version, contextFragments.directoryObject()),
        ...representationOf(restored),
      });
    });
    refuseOtherMethods(app, url, ['POST']);
  }
}

/** 403 unless the token may read or write items of this kind (PKIs and CAs: PublicKeyInfrastructure.*; users: User.*). */
function requireAccessTo(request: FastifyRequest, kind: DeletedItem['kind'], mode: 'read' | 'write'): void {
  const access: Access = kind === 'user' ? (mode === 'read' ? 'users-read' : 'users-write') : mode;
  if (!isAllowed(principalOf(request), access)) throw graphErrors.forbidden();
}

function refuseOtherTypeCasts(itemId: string): void {
  if (itemId.startsWith('microsoft.graph.')) {
    throw graphErrors.badRequest(
      `The type cast '${itemId}' is not supported here; this service holds deleted microsoft.graph.certificateBasedAuthPki, microsoft.graph.certificateAuthorityDetail and microsoft.graph.user objects.`,
    );
  }
}

function representationOf(item: DeletedItem): Representation {
  switch (item.kind) {
    case 'pki':
      return pkiRepresentation(item.pki);
    case 'ca':
      return caRepresentation(item.ca);
    case 'user':
      return deletedUserRepresentation(item.user, undefined);
  }
}
