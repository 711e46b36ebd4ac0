// The fast path of the hottest request, GET of one PKI by id, answered straight from node:http without
// Fastify's routing and hook chain (written by hand: they cost more than the rest of the request). It
// answers only the plain success: no query string, a token verified before that may read, a live PKI
// read synchronously (SQLite outside a transaction), throttling admitting it, no fault injection.
// Anything else returns false and goes to the Fastify route, which stays the reference for every
// error and option; a test holds both paths to the same responses.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { isAllowed } from '../auth/permissions.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { contextFragments, contextUrl, PKI_COLLECTION_PATH, type ApiVersion } from '../graph/context.ts';
import { pkiRepresentation } from '../graph/representation.ts';
import type { PkiService } from '../service/trust-store/pki-service.ts';
import type { PkiRecord } from '../store/pki-repository.ts';
import type { Throttle } from '../service/throttle/throttle.ts';
import { GRAPH_JSON_CONTENT_TYPE } from './graph-reply.ts';
import type { AppMetrics } from './metrics.ts';
import { admittedHeaders, throttlePriority } from './throttle-admission.ts';
import { clientRequestIdOf } from './request-ids.ts';
import { logsRequests } from './request-log.ts';

export interface FastPkiReadDependencies {
  readonly pkis: PkiService;
  readonly verifier: TokenVerifier;
  readonly throttle: Throttle | undefined;
  readonly metrics: AppMetrics;
  publicBaseUrl(): string;
  log(): FastifyBaseLogger;
  /** True once the server is closing: Fastify then answers 503, so the fast path steps aside. */
  closing(): boolean;
}

/** The item path without a query; ids with percent-encoding or odd characters take the ordinary path. */
const ITEM_PATH = new RegExp(`^/(beta|v1\\.0)/${PKI_COLLECTION_PATH.replaceAll('/', '\\/')}/([0-9A-Za-z-]{1,64})/?$`, 'i');

export type FastHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

export function fastPkiRead(deps: FastPkiReadDependencies): FastHandler {
  const routes: Record<ApiVersion, string> = {
    beta: `/beta/${PKI_COLLECTION_PATH}/:pkiId`,
    'v1.0': `/v1.0/${PKI_COLLECTION_PATH}/:pkiId`,
  };
  // The store hands back the same record object while the PKI is unchanged (PkiService.peek), so its
  // JSON is built once per record, version and base URL.
  const bodies: Record<ApiVersion, WeakMap<PkiRecord, { readonly baseUrl: string; readonly json: string }>> = {
    beta: new WeakMap(),
    'v1.0': new WeakMap(),
  };
  const bodyOf = (pki: PkiRecord, version: ApiVersion): string => {
    const baseUrl = deps.publicBaseUrl();
    const known = bodies[version].get(pki);
    if (known?.baseUrl === baseUrl) return known.json;
    const json = JSON.stringify({ '@odata.context': contextUrl(baseUrl, version, contextFragments.pkiEntity()), ...pkiRepresentation(pki) });
    bodies[version].set(pki, { baseUrl, json });
    return json;
  };
  return (request, response) => {
    if (request.method !== 'GET' || request.url === undefined || deps.closing()) return false;
    const match = ITEM_PATH.exec(request.url);
    if (!match) return false;
    const started = process.hrtime.bigint();
    const principal = deps.verifier.cachedPrincipal(request.headers.authorization);
    if (!principal || !isAllowed(principal, 'read')) return false;
    const pki = deps.pkis.peek(principal.tenantId, match[2] as string);
    if (!pki) return false;
    let throttleHeaders: Record<string, string> | undefined;
    if (deps.throttle) {
      const priority = throttlePriority(request.headers['x-ms-throttle-priority']);
      const verdict = deps.throttle.check({ tenantId: principal.tenantId, appId: principal.appId, method: 'GET', query: {}, priority });
      // A refusal costs nothing; the ordinary path refuses it again and answers 429 with every header.
      if (!verdict.allowed) return false;
      throttleHeaders = admittedHeaders(verdict);
    }
    const version: ApiVersion = (match[1] as string).toLowerCase() === 'beta' ? 'beta' : 'v1.0';
    const requestId = randomUUID();
    const clientRequestId = clientRequestIdOf(request.headers['client-request-id']);
    const body = bodyOf(pki, version);
    const headers: Record<string, string | number> = {
      'request-id': requestId,
      'client-request-id': clientRequestId,
      'odata-version': '4.0',
      'content-type': GRAPH_JSON_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    };
    response.writeHead(200, throttleHeaders ? { ...headers, ...throttleHeaders } : headers);
    response.end(body);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    deps.metrics.observeRequest(routes[version], 200, seconds);
    deps.metrics.fastRead();
    const log = deps.log();
    if (logsRequests(log.level)) {
      log.info(
        { requestId, clientRequestId, tenantId: principal.tenantId, appId: principal.appId, method: 'GET', route: routes[version], status: 200, ms: Math.round(seconds * 10_000) / 10 },
        'request',
      );
    }
    return true;
  };
}
