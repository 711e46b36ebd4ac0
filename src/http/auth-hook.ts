// Authentication and authorization of every Graph path: the bearer token is verified (401 otherwise) and
// the route's access (read, write, policy-read or policy-write) is checked against the token's
// permissions and roles (403 otherwise).
// The principal, and so the tenant, comes only from the verified token.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAllowed, type Principal } from '../auth/permissions.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { graphErrors } from '../service/errors.ts';

export function registerGraphAuth(app: FastifyInstance, verifier: TokenVerifier): void {
  app.addHook('onRequest', async (request) => {
    request.principal = await verifier.verifyAuthorizationHeader(request.headers.authorization);
  });
  app.addHook('preHandler', async (request) => {
    const access = request.routeOptions.config.access;
    if (access && request.principal && !isAllowed(request.principal, access)) throw graphErrors.forbidden();
  });
}

/** The verified principal of a Graph request; the auth hook guarantees it is set. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw graphErrors.unauthenticated('Access token is empty.');
  return request.principal;
}
