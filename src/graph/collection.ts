// Building Graph's collection and entity bodies: $select projection (id and @odata.type always kept),
// @odata.count on the first page, @odata.nextLink as an absolute URL that keeps every original query
// option and carries the next $skiptoken.
import type { KeysetPosition, ListQuery } from '../store/list-query.ts';
import type { CollectionOptions } from './query-options.ts';
import type { SkiptokenCodec, SkiptokenScope } from './skiptoken.ts';

export type Representation = Readonly<Record<string, unknown>>;

/** Keeps @odata.type, id and the selected properties, in the representation's own order. */
export function project(representation: Representation, select: readonly string[] | undefined): Representation {
  if (!select) return representation;
  const keep = new Set(['@odata.type', 'id', ...select]);
  return Object.fromEntries(Object.entries(representation).filter(([key]) => keep.has(key)));
}

/** The store query for one page of a collection request, resuming after its $skiptoken. */
export function listQueryOf(options: CollectionOptions, codec: SkiptokenCodec, scope: SkiptokenScope): ListQuery {
  return {
    filter: options.filter,
    orderBy: options.orderBy,
    limit: options.top,
    after: options.skiptoken === undefined ? undefined : codec.decode(scope, options.skiptoken),
  };
}

export interface CollectionBody {
  readonly context: string;
  readonly items: readonly Representation[];
  readonly options: CollectionOptions;
  readonly count: number | undefined;
  readonly next: KeysetPosition | undefined;
  readonly codec: SkiptokenCodec;
  readonly scope: SkiptokenScope;
  /** Public base URL, no trailing slash. */
  readonly publicBaseUrl: string;
  /** The request's own URL (path and query) as received. */
  readonly requestUrl: string;
}

export function collectionBody(body: CollectionBody): Record<string, unknown> {
  const result: Record<string, unknown> = { '@odata.context': body.context };
  if (body.count !== undefined) result['@odata.count'] = body.count;
  result.value = body.items.map((item) => project(item, body.options.select));
  if (body.next) result['@odata.nextLink'] = nextLink(body.publicBaseUrl, body.requestUrl, body.codec.encode(body.scope, body.next));
  return result;
}

function nextLink(publicBaseUrl: string, requestUrl: string, skiptoken: string): string {
  const url = new URL(requestUrl, 'http://localhost');
  const params = new URLSearchParams(url.search);
  for (const key of [...params.keys()]) {
    if (key.toLowerCase() === '$skiptoken' || key.toLowerCase() === 'skiptoken') params.delete(key);
  }
  params.append('$skiptoken', skiptoken);
  return `${publicBaseUrl}${url.pathname}?${params.toString().replaceAll('%24', '$')}`;
}
