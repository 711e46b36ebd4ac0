// GET /directory/publicKeyInfrastructure: the tenant's publicKeyInfrastructureRoot. Graph documents no
// methods on it and its SDKs generate PATCH/DELETE from metadata only; what they would do is unknown, so
// they answer 405.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { contextFragments, contextUrl, ROOT_PATH } from '../../graph/context.ts';
import { refuseUnsupportedQueryOptions } from '../../graph/query-options.ts';
import { ROOT_ODATA_TYPE } from '../../graph/representation.ts';
import { principalOf } from '../auth-hook.ts';
import { sendGraphJson } from '../graph-reply.ts';
import { refuseOtherMethods, type GraphRouteContext } from '../graph-routes.ts';

export function registerRootRoutes(app: FastifyInstance, ctx: GraphRouteContext): void {
  app.get(`/${ROOT_PATH}`, { config: { access: 'read' } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Record<string, unknown>, ctx.version);
    return sendGraphJson(reply, 200, {
      '@odata.context': contextUrl(ctx.publicBaseUrl(), ctx.version, contextFragments.root()),
      '@odata.type': ROOT_ODATA_TYPE,
      id: rootIdOf(principalOf(request).tenantId),
    });
  });
  refuseOtherMethods(app, `/${ROOT_PATH}`, ['GET']);
}

/** A stable GUID per tenant, derived from the tenant id so it needs no storage. */
export function rootIdOf(tenantId: string): string {
  const hex = createHash('sha256').update(`publicKeyInfrastructureRoot:${tenantId}`).digest('hex');
  // Shape it as an RFC 4122 version-8 (custom) GUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
