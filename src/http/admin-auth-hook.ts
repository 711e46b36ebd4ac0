// Authentication of the admin API (/_admin): only an admin token passes (graph-pki token --admin: the
// local key, the admin audience); a Graph token, however privileged, gets 401 in Graph's envelope.
import type { FastifyInstance } from 'fastify';
import type { TokenVerifier } from '../auth/token-verifier.ts';

export function registerAdminAuth(app: FastifyInstance, verifier: TokenVerifier): void {
  // Before the body is read: an unauthenticated snapshot import is refused without reading 64 MB.
  app.addHook('onRequest', async (request) => {
    await verifier.verifyAdminAuthorizationHeader(request.headers.authorization);
  });
}
