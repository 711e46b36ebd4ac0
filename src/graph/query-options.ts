// OData system query options. Until an option is implemented for a route it is refused with
// Request_UnsupportedQuery, never silently ignored.
import { graphErrors } from '../service/errors.ts';
import type { ApiVersion } from './context.ts';

const SYSTEM_OPTIONS = new Set([
  'filter', 'select', 'orderby', 'top', 'skip', 'skiptoken', 'count', 'expand', 'search', 'format',
  'apply', 'compute', 'index', 'levels', 'deltatoken', 'id', 'schemaversion',
]);

/**
 * Throws unless every system query option in `query` is one of `supported` (names without `$`).
 * On beta Graph also accepts the options without their `$`, so those are recognised there too.
 */
export function refuseUnsupportedQueryOptions(
  query: Readonly<Record<string, unknown>>,
  version: ApiVersion,
  supported: readonly string[] = [],
): void {
  for (const key of Object.keys(query)) {
    const dollar = key.startsWith('$');
    const name = (dollar ? key.slice(1) : key).toLowerCase();
    if (!dollar && (version !== 'beta' || !SYSTEM_OPTIONS.has(name))) continue;
    if (supported.includes(name)) continue;
    if (SYSTEM_OPTIONS.has(name)) {
      throw graphErrors.unsupportedQuery(`The query option '$${name}' is not supported on this resource.`);
    }
    throw graphErrors.invalidRequest(`The query parameter '${key}' is not supported.`);
  }
}
