// One way every collection route answers: parse nothing here (the route did), run the page and the
// optional count, and send Graph's collection body with @odata.count and @odata.nextLink.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectionBody, listQueryOf, type Representation } from '../graph/collection.ts';
import { contextUrl } from '../graph/context.ts';
import type { CollectionOptions } from '../graph/query-options.ts';
import type { Condition, ListQuery } from '../store/list-query.ts';
import type { Page } from '../store/pki-repository.ts';
import { sendGraphJson } from './graph-reply.ts';
import type { GraphRouteContext } from './graph-routes.ts';

export interface CollectionSource {
  readonly tenantId: string;
  /** Names the collection inside the tenant, so a $skiptoken only works where it was made. */
  readonly collection: string;
  /** The @odata.context fragment, selection included. */
  readonly contextFragment: string;
  list(query: ListQuery): Promise<Page<Representation>>;
  count(filter: Condition | undefined): Promise<number>;
}

export async function sendCollectionPage(
  reply: FastifyReply,
  request: FastifyRequest,
  ctx: GraphRouteContext,
  options: CollectionOptions,
  source: CollectionSource,
): Promise<FastifyReply> {
  const scope = { tenantId: source.tenantId, collection: source.collection, fingerprint: options.fingerprint };
  const page = await source.list(listQueryOf(options, ctx.skiptokens, scope));
  // @odata.count belongs to the first page only.
  const count = options.count && options.skiptoken === undefined ? await source.count(options.filter) : undefined;
  return sendGraphJson(
    reply,
    200,
    collectionBody({
      context: contextUrl(ctx.publicBaseUrl(), ctx.version, source.contextFragment),
      items: page.items,
      options,
      count,
      next: page.next,
      codec: ctx.skiptokens,
      scope,
      publicBaseUrl: ctx.publicBaseUrl(),
      requestUrl: request.url,
    }),
  );
}

export function mapPage<T>(page: Page<T>, map: (item: T) => Representation): Page<Representation> {
  return { items: page.items.map(map), next: page.next };
}
