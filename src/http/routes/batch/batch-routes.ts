// POST /{version}/$batch: Graph's JSON batching (spec cba-setup-and-signin.md §4). Each request re-enters this
// same Fastify app through inject with the batch's own Authorization header, so auth, tenant scoping,
// throttling (each request counted on its own) and errors stay where they are for single requests; there
// is no second router. Requests run one at a time, in dependency order, otherwise in the order sent.
import type { FastifyInstance } from 'fastify';
import type { ApiVersion } from '../../../graph/context.ts';
import { GraphError } from '../../../service/errors.ts';
import { graphErrorBody, sendGraphJson } from '../../graph-reply.ts';
import { type BatchItem, parseBatch, runOrder } from './batch-request.ts';

export const BATCH_PATH = '/$batch';

export interface BatchResponse {
  readonly id: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/** Headers of an inner response that say nothing about the inner request itself. */
const HOP_HEADERS = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);
/**
 * Inner header names as Graph spells them in batch answers; the Graph client v3's BatchResponseContent
 * looks up `Content-Type` case-sensitively to hand JSON bodies back as JSON. Others stay lower-case.
 */
const GRAPH_HEADER_NAMES: Readonly<Record<string, string>> = {
  'content-type': 'Content-Type',
  'cache-control': 'Cache-Control',
  'odata-version': 'OData-Version',
  location: 'Location',
  'retry-after': 'Retry-After',
  'www-authenticate': 'WWW-Authenticate',
  allow: 'Allow',
};
/** Headers a batch request may not set for itself: the batch's own token and framing apply. */
const OWN_HEADERS = new Set(['authorization', 'host', 'content-length', 'connection', 'transfer-encoding']);

export function registerBatchRoutes(
  graph: FastifyInstance,
  version: ApiVersion,
  root: () => FastifyInstance,
  maxRequests: number,
): void {
  // No access kind: the batch itself needs only a valid token; each request is authorised on its own.
  graph.post(BATCH_PATH, async (request, reply) => {
    const order = runOrder(parseBatch(request.body, maxRequests, version));
    const outcomes = new Map<string, BatchResponse>();
    for (const item of order) {
      const failed = item.dependsOn.map((d) => outcomes.get(d.toLowerCase())).find((o) => o !== undefined && o.status >= 400);
      const outcome = failed
        ? failedDependency(item, failed, request.id, request.clientRequestId)
        : await run(root(), version, item, request.headers.authorization, request.clientRequestId);
      outcomes.set(item.id.toLowerCase(), outcome);
    }
    return sendGraphJson(reply, 200, { responses: [...outcomes.values()] });
  });
}

async function run(app: FastifyInstance, version: ApiVersion, item: BatchItem, authorization: string | undefined, clientRequestId: string): Promise<BatchResponse> {
  const headers: Record<string, string> = { 'client-request-id': clientRequestId };
  for (const [name, value] of Object.entries(item.headers)) {
    if (!OWN_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  if (authorization) headers.authorization = authorization;
  const payload = item.body === undefined ? undefined : typeof item.body === 'string' ? item.body : JSON.stringify(item.body);
  const response = await app.inject({ method: item.method, url: `/${version}${item.url}`, headers, ...(payload === undefined ? {} : { payload }) });
  const outHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined && !HOP_HEADERS.has(name)) outHeaders[GRAPH_HEADER_NAMES[name] ?? name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return { id: item.id, status: response.statusCode, headers: outHeaders, ...bodyOf(response.rawPayload, outHeaders['Content-Type']) };
}

/** JSON bodies as objects; any other body base64-encoded, as Graph does; no body, no member. */
function bodyOf(raw: Buffer, contentType: string | undefined): { body?: unknown } {
  if (raw.length === 0) return {};
  if (contentType && /^application\/json\b/i.test(contentType)) {
    try {
      return { body: JSON.parse(raw.toString('utf8')) };
    } catch {
      // Not JSON after all: sent as bytes below.
    }
  }
  return { body: raw.toString('base64') };
}

function failedDependency(item: BatchItem, failed: BatchResponse, requestId: string, clientRequestId: string): BatchResponse {
  const error = new GraphError(424, 'FailedDependency', `Request '${item.id}' was not run: it depends on request '${failed.id}', which failed with status ${failed.status}.`);
  return { id: item.id, status: 424, headers: { 'Content-Type': 'application/json' }, body: graphErrorBody(error, requestId, clientRequestId) };
}
