// The shape of a JSON batch (POST /{version}/$batch), checked by hand so every malformed batch gets its own
// precise 400 (Graph documents none of these messages; spec cba-setup-and-signin.md §4), and the order its
// requests run in: dependency order, otherwise the order they were sent in.
import { graphErrors } from '../../../service/errors.ts';
import { API_VERSIONS, type ApiVersion } from '../../../graph/context.ts';
import type { Method } from '../../graph-routes.ts';

export interface BatchItem {
  readonly id: string;
  readonly method: Method;
  /** The path and query relative to the API version, with one leading slash (e.g. `/directory/...`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** The ids this one waits for, as sent (ids compare case-insensitively). */
  readonly dependsOn: readonly string[];
}

const METHODS: readonly Method[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];
const ITEM_MEMBERS = new Set(['id', 'method', 'url', 'headers', 'body', 'dependsOn', 'atomicityGroup']);

const invalid = (message: string) => graphErrors.invalidRequest(message);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and checks a batch body; throws a 400 naming the first problem. */
export function parseBatch(body: unknown, maxRequests: number, version: ApiVersion): BatchItem[] {
  if (!isObject(body)) throw invalid('The batch body must be a JSON object with a requests array.');
  const { requests } = body;
  if (!Array.isArray(requests)) throw invalid("The batch body must have a 'requests' array.");
  if (requests.length === 0) throw invalid('The batch has no requests; send at least one.');
  if (requests.length > maxRequests) {
    // Graph's own wording for this case.
    throw invalid(`Invalid batch payload format: The number of requests in a batch may not exceed ${maxRequests}; this batch has ${requests.length}.`);
  }
  const items = requests.map((raw, index) => parseItem(raw, index, version));
  const seen = new Set<string>();
  for (const item of items) {
    const key = item.id.toLowerCase();
    if (seen.has(key)) throw invalid(`The request id '${item.id}' appears more than once in the batch; ids must be unique (not case-sensitive).`);
    seen.add(key);
  }
  for (const item of items) {
    for (const dependency of item.dependsOn) {
      if (!seen.has(dependency.toLowerCase())) throw invalid(`Request '${item.id}' depends on '${dependency}', which is not in the batch.`);
      if (dependency.toLowerCase() === item.id.toLowerCase()) throw invalid(`Request '${item.id}' depends on itself.`);
    }
  }
  return items;
}

function parseItem(raw: unknown, index: number, version: ApiVersion): BatchItem {
  const where = `requests[${index}]`;
  if (!isObject(raw)) throw invalid(`${where} must be a JSON object.`);
  for (const name of Object.keys(raw)) {
    if (!ITEM_MEMBERS.has(name)) throw invalid(`${where} has an unknown property '${name}'.`);
  }
  const { id, method, url, headers, body, dependsOn } = raw;
  if (typeof id !== 'string' || id.trim() === '') throw invalid(`${where}.id is required and must be a non-empty string.`);
  const named = `Request '${id}'`;
  if (typeof method !== 'string') throw invalid(`${named}: method is required and must be a string.`);
  const upper = method.toUpperCase() as Method;
  if (!METHODS.includes(upper)) throw invalid(`${named}: method '${method}' is not supported; use one of ${METHODS.join(', ')}.`);
  if (typeof url !== 'string' || url === '') throw invalid(`${named}: url is required and must be a non-empty string.`);
  const checkedHeaders = parseHeaders(headers, named);
  if (body !== undefined && body !== null && !Object.keys(checkedHeaders).some((name) => name.toLowerCase() === 'content-type')) {
    throw invalid(`${named} has a body but no Content-Type header; a request with a body must name its Content-Type in headers.`);
  }
  if (dependsOn !== undefined && (!Array.isArray(dependsOn) || !dependsOn.every((d) => typeof d === 'string' && d !== ''))) {
    throw invalid(`${named}: dependsOn must be an array of request ids.`);
  }
  return { id, method: upper, url: relativeUrl(url, named, version), headers: checkedHeaders, body: body ?? undefined, dependsOn: dependsOn ?? [] };
}

function parseHeaders(headers: unknown, named: string): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (!isObject(headers)) throw invalid(`${named}: headers must be a JSON object of header names and string values.`);
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw invalid(`${named}: the value of header '${name}' must be a string.`);
  }
  return headers as Record<string, string>;
}

/**
 * The url as a path under the version. Graph takes `/users` and `users`, and `/v1.0/users` in a v1.0 batch:
 * the Graph client v3's BatchRequestContent strips only the host of an absolute Request URL, keeping the
 * version. The other version, an absolute URL, one that climbs out of the version with `..`, and a nested
 * $batch are refused.
 */
function relativeUrl(url: string, named: string, version: ApiVersion): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) {
    throw invalid(`${named}: url '${url}' must be relative to the API version (e.g. /directory/publicKeyInfrastructure), not absolute.`);
  }
  let joined = `/${url.replace(/^\/+/, '')}`;
  const namedVersion = API_VERSIONS.find((v) => joined.toLowerCase() === `/${v}` || joined.toLowerCase().startsWith(`/${v}/`) || joined.toLowerCase().startsWith(`/${v}?`));
  if (namedVersion !== undefined && namedVersion !== version) {
    throw invalid(`${named}: url '${url}' names API version ${namedVersion}, but this batch is on ${version}.`);
  }
  if (namedVersion !== undefined) joined = `/${joined.slice(version.length + 1).replace(/^\/+/, '')}`;
  const path = joined.split('?')[0] ?? '';
  if (path.split('/').some((segment) => segment === '.' || segment === '..' || /^(%2e|\.){1,2}$/i.test(segment))) {
    throw invalid(`${named}: url '${url}' must be a plain path relative to the API version, without '.' or '..' segments.`);
  }
  if (/^\/(\$|%24)batch(\/|\?|$)/i.test(joined)) throw invalid(`${named}: a batch cannot contain another $batch request.`);
  return joined;
}

/**
 * The order to run the requests in: each runs after everything it depends on, and otherwise in the order
 * sent (sequential, so results are deterministic). A cycle is a malformed batch.
 */
export function runOrder(items: readonly BatchItem[]): BatchItem[] {
  const done = new Set<string>();
  const order: BatchItem[] = [];
  const pending = [...items];
  while (pending.length > 0) {
    const next = pending.findIndex((item) => item.dependsOn.every((d) => done.has(d.toLowerCase())));
    if (next < 0) throw invalid(`The dependsOn of requests ${pending.map((item) => `'${item.id}'`).join(', ')} form a cycle.`);
    const [item] = pending.splice(next, 1);
    if (!item) break;
    done.add(item.id.toLowerCase());
    order.push(item);
  }
  return order;
}
