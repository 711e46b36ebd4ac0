// OData system query options: which a route accepts, and parsing $filter, $orderby, $select, $top,
// $count and $skiptoken into the store's neutral ListQuery. Options a route does not implement are
// refused with Request_UnsupportedQuery, never silently ignored.
import { type GraphError, graphErrors } from '../service/errors.ts';
import type { Condition, SortKey } from '../store/list-query.ts';
import type { ApiVersion } from './context.ts';
import { type EntityDefinition, propertyNamed } from './entities.ts';
import { filterCondition } from './filter-translation.ts';
import { FilterSyntaxError, FilterUnsupportedError, parseFilter } from './odata-filter.ts';

const SYSTEM_OPTIONS = new Set([
  'filter', 'select', 'orderby', 'top', 'skip', 'skiptoken', 'count', 'expand', 'search', 'format',
  'apply', 'compute', 'index', 'levels', 'deltatoken', 'id', 'schemaversion',
]);

export type RawQuery = Readonly<Record<string, unknown>>;

/** The system options of a request, by lower-case name without `$`, each given at most once. */
export function systemOptions(query: RawQuery, version: ApiVersion, supported: readonly string[] = []): Map<string, string> {
  const options = new Map<string, string>();
  for (const [key, raw] of Object.entries(query)) {
    const dollar = key.startsWith('$');
    const name = (dollar ? key.slice(1) : key).toLowerCase();
    // On beta Graph also accepts the options without their `$`; on v1.0 those are ordinary parameters.
    if (!dollar && (version !== 'beta' || !SYSTEM_OPTIONS.has(name))) continue;
    if (!supported.includes(name)) {
      if (SYSTEM_OPTIONS.has(name)) throw graphErrors.unsupportedQuery(`The query option '$${name}' is not supported on this resource.`);
      throw graphErrors.invalidRequest(`The query parameter '${key}' is not supported.`);
    }
    if (Array.isArray(raw) || options.has(name)) throw graphErrors.invalidRequest(`The query option '$${name}' is given more than once.`);
    options.set(name, String(raw));
  }
  return options;
}

/** Throws unless every system query option in `query` is one of `supported` (names without `$`). */
export function refuseUnsupportedQueryOptions(query: RawQuery, version: ApiVersion, supported: readonly string[] = []): void {
  systemOptions(query, version, supported);
}

export interface CollectionOptions {
  readonly filter: Condition | undefined;
  readonly orderBy: readonly SortKey[];
  readonly top: number;
  readonly select: readonly string[] | undefined;
  readonly count: boolean;
  readonly skiptoken: string | undefined;
  /** $filter and $orderby as given: a $skiptoken is valid only for the same ones. */
  readonly fingerprint: string;
}

export interface PageLimits {
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
}

export const COLLECTION_OPTIONS = ['filter', 'orderby', 'top', 'select', 'count', 'skiptoken'] as const;

export function parseCollectionOptions(query: RawQuery, version: ApiVersion, entity: EntityDefinition, limits: PageLimits): CollectionOptions {
  const options = systemOptions(query, version, COLLECTION_OPTIONS);
  const filterText = options.get('filter');
  const orderText = options.get('orderby');
  return {
    filter: filterText === undefined ? undefined : parseFilterOption(filterText, entity),
    orderBy: orderText === undefined ? [] : parseOrderBy(orderText, entity),
    top: parseTop(options.get('top'), limits),
    select: parseSelectOption(options.get('select'), entity),
    count: parseBoolean('count', options.get('count')),
    skiptoken: options.get('skiptoken'),
    fingerprint: JSON.stringify([filterText ?? '', orderText ?? '']),
  };
}

/** Options of a single-entity GET: only $select. */
export function parseEntityOptions(query: RawQuery, version: ApiVersion, entity: EntityDefinition): readonly string[] | undefined {
  return parseSelectOption(systemOptions(query, version, ['select']).get('select'), entity);
}

/** Options of a /$count segment: $filter (SDKs also send $search, which is unsupported here). */
export function parseCountOptions(query: RawQuery, version: ApiVersion, entity: EntityDefinition): Condition | undefined {
  const filterText = systemOptions(query, version, ['filter']).get('filter');
  return filterText === undefined ? undefined : parseFilterOption(filterText, entity);
}

export function parseFilterOption(text: string, entity: EntityDefinition): Condition {
  try {
    return filterCondition(parseFilter(text), entity);
  } catch (error) {
    throw filterError(error);
  }
}

function filterError(error: unknown): GraphError | unknown {
  if (error instanceof FilterSyntaxError) {
    return graphErrors.invalidRequest(`Invalid $filter: ${error.message} (at position ${error.position}).`);
  }
  if (error instanceof FilterUnsupportedError) return graphErrors.unsupportedQuery(error.message);
  return error;
}

function parseOrderBy(text: string, entity: EntityDefinition): SortKey[] {
  const keys: SortKey[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!match?.[1]) throw graphErrors.invalidRequest(`Invalid $orderby: '${part.trim()}' is not 'property [asc|desc]'.`);
    const field = propertyNamed(entity, match[1]);
    if (field === undefined || !entity.properties[field]?.sortable) {
      const sortable = Object.entries(entity.properties).filter(([, p]) => p.sortable).map(([name]) => name);
      throw graphErrors.unsupportedQuery(`Sorting by '${match[1]}' is not supported (supported: ${sortable.join(', ')}).`);
    }
    if (keys.some((k) => k.field === field)) throw graphErrors.invalidRequest(`Invalid $orderby: '${field}' appears twice.`);
    keys.push({ field, descending: match[2]?.toLowerCase() === 'desc' });
  }
  return keys;
}

function parseTop(text: string | undefined, limits: PageLimits): number {
  if (text === undefined) return limits.defaultPageSize;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1 && value <= limits.maxPageSize)) {
    throw graphErrors.badRequest(`Invalid page size specified: '${text}'. Must be between 1 and ${limits.maxPageSize} inclusive.`);
  }
  return value;
}

function parseSelectOption(text: string | undefined, entity: EntityDefinition): string[] | undefined {
  if (text === undefined) return undefined;
  const selected: string[] = [];
  for (const part of text.split(',')) {
    const name = part.trim();
    if (name === '*') return undefined;
    const field = propertyNamed(entity, name);
    if (field === undefined) throw graphErrors.invalidRequest(`Could not find a property named '${name}' on type '${entity.typeName}'.`);
    if (!selected.includes(field)) selected.push(field);
  }
  return selected;
}

function parseBoolean(name: string, text: string | undefined): boolean {
  if (text === undefined || text === 'false') return false;
  if (text === 'true') return true;
  throw graphErrors.invalidRequest(`Invalid value '${text}' for $${name}: expected true or false.`);
}
