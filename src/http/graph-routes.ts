// Conventions shared by every Graph route: the route config (the access it needs, the Graph type named
// in validation messages), the principal on the request, and 405 for methods a path does not implement.
import type { FastifyInstance, HTTPMethods } from 'fastify';
import type { Access, Principal } from '../auth/permissions.ts';
import type { ApiVersion } from '../graph/context.ts';
import type { PageLimits } from '../graph/query-options.ts';
import type { SkiptokenCodec } from '../graph/skiptoken.ts';
import { graphErrors } from '../service/errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route needs (auth/permissions.ts): read/write the PKI trust store (PublicKeyInfrastructure.*)
     * or policy-read/policy-write the authentication-method policy (Policy.*). Unset = no Graph route.
     */
    access?: Access;
    /** Graph type named in body-validation messages, e.g. microsoft.graph.certificateBasedAuthPki. */
    graphType?: string;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const METHODS: readonly Method[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

export interface GraphRouteContext {
  readonly version: ApiVersion;
  /** The public base URL (no trailing slash), for @odata.context and nextLinks. */
  publicBaseUrl(): string;
  readonly skiptokens: SkiptokenCodec;
  readonly pageLimits: PageLimits;
}

/** Makes every method a resource path does not implement answer 405 in Graph's envelope. */
/**
 * The other methods Fastify routes, which no Graph path of this API has: refused with 405 like the
 * missing ones above, rather than 404 as if the path did not exist (no CORS, so OPTIONS too). HEAD is
 * not here: Fastify answers it for every GET route. Methods Fastify does not route at all (WebDAV's,
 * SEARCH) reach the not-found handler, and so does QUERY, whose missing Content-Type Fastify would
 * refuse before any 405.
 */
const NEVER_IMPLEMENTED: readonly HTTPMethods[] = ['OPTIONS', 'TRACE'];

export function refuseOtherMethods(app: FastifyInstance, url: string, implemented: readonly Method[]): void {
  const missing = METHODS.filter((m) => !implemented.includes(m));
  app.route({
    method: [...missing, ...NEVER_IMPLEMENTED],
    url,
    handler: async (request, reply) => {
      // RFC 9110 asks a 405 to say what the path does take.
      reply.header('allow', [...implemented, ...(implemented.includes('GET') ? ['HEAD'] : [])].join(', '));
      throw graphErrors.methodNotAllowed(request.method, new URL(request.url, 'http://localhost').pathname);
    },
  });
}
