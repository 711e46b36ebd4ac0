// Authentication and authorization of every Graph path: the bearer token is verified (401 otherwise) and
// the route's access (read, write, policy-read or policy-write) is checked against the token's
// permissions and roles (403 otherwise).
// The principal, and so the tenant, comes only from the verified token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAllowed, type Principal } from '../auth/permissions.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { graphErrors } from '../service/errors.ts';

/** A check that runs once the request is authenticated and authorised (throttling); an error refuses it. */
export type AdmissionCheck = (request: FastifyRequest, reply: FastifyReply) => Error | undefined;

export function registerGraphAuth(app: FastifyInstance, verifier: TokenVerifier, admit?: AdmissionCheck): void {
  // One hook, before the body is read: a request without the permission gets 403 whatever its body.
  // Callback style with a synchronous path for tokens verified before (the common case): no promise
  // per request.
  app.addHook('onRequest', (request, reply, done) => {
    const cached = verifier.cachedPrincipal(request.headers.authorization);
    if (cached) {
      request.principal = cached;
      done(accessError(request) ?? admit?.(request, reply));
      return;
    }
    verifier.verifyAuthorizationHeader(request.headers.authorization).then(
      (principal) => {
        request.principal = principal;
        done(accessError(request) ?? admit?.(request, reply));
      },
      (error: Error) => done(error),
    );
  });
}

function accessError(request: FastifyRequest): Error | undefined {
  const access = request.routeOptions.config.access;
  return access && request.principal && !isAllowed(request.principal, access) ? graphErrors.forbidden() : undefined;
}

/** The verified principal of a Graph request; the auth hook guarantees it is set. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw graphErrors.unauthenticated('Access token is empty.');
  return request.principal;
}
