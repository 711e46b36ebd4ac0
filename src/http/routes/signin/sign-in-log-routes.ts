// /auditLogs/signIns and /auditLogs/signIns/{id}: the tenant's certificate sign-in attempts as Graph's
// signIn resource, newest first, paged with $top (at most and by default 1,000, as Graph) and
// $skiptoken. beta carries the CBA details (authenticationDetails, authenticationProcessingDetails);
// v1.0 the same records without them. Needs AuditLog.Read.All and Directory.Read.All.
import type { FastifyInstance } from 'fastify';
import { contextUrl } from '../../../graph/context.ts';
import { refuseUnsupportedQueryOptions, systemOptions } from '../../../graph/query-options.ts';
import { graphErrors } from '../../../service/errors.ts';
import type { SignInLogService } from '../../../service/signin/sign-in-log.ts';
import { principalOf } from '../../auth-hook.ts';
import { sendGraphJson } from '../../graph-reply.ts';
import { type GraphRouteContext, refuseOtherMethods } from '../../graph-routes.ts';

export const SIGN_IN_LOG_PATH = 'auditLogs/signIns';
/** Graph's page size for sign-ins: default and maximum. */
const SIGN_IN_PAGE_SIZE = 1000;

export function registerSignInLogRoutes(app: FastifyInstance, ctx: GraphRouteContext, logs: SignInLogService): void {
  const collection = `/${SIGN_IN_LOG_PATH}`;
  const config = { access: 'audit-read' as const };

  app.get(collection, { config }, async (request, reply) => {
    const tenantId = principalOf(request).tenantId;
    const options = systemOptions(request.query as Record<string, unknown>, ctx.version, ['top', 'skiptoken']);
    const topText = options.get('top');
    const top = topText === undefined ? SIGN_IN_PAGE_SIZE : /^\d+$/.test(topText) ? Number(topText) : Number.NaN;
    if (!(top >= 1 && top <= SIGN_IN_PAGE_SIZE)) throw graphErrors.badRequest(`Invalid page size specified: '${topText}'. Must be between 1 and ${SIGN_IN_PAGE_SIZE} inclusive.`);
    const scope = { tenantId, collection: 'signIns', fingerprint: '' };
    const skiptoken = options.get('skiptoken');
    const position = skiptoken === undefined ? undefined : ctx.skiptokens.decode(scope, skiptoken);
    const cursor = position && { createdDateTime: String(position.values[0]), id: position.id };
    const page = await logs.page(tenantId, top, cursor, ctx.version);
    const base = ctx.publicBaseUrl();
    let nextLink: string | undefined;
    if (page.next) {
      const url = new URL(`${base}/${ctx.version}${collection}`);
      if (topText !== undefined) url.searchParams.set('$top', String(top));
      url.searchParams.set('$skiptoken', ctx.skiptokens.encode(scope, { values: [page.next.createdDateTime], id: page.next.id }));
      nextLink = url.toString();
    }
    return sendGraphJson(reply, 200, {
      '@odata.context': contextUrl(base, ctx.version, SIGN_IN_LOG_PATH),
      ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
      value: page.value,
    });
  });
  refuseOtherMethods(app, collection, ['GET']);

  app.get(`${collection}/:id`, { config }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Record<string, unknown>, ctx.version);
    const { id } = request.params as { id: string };
    const record = await logs.get(principalOf(request).tenantId, id, ctx.version);
    return sendGraphJson(reply, 200, { '@odata.context': contextUrl(ctx.publicBaseUrl(), ctx.version, `${SIGN_IN_LOG_PATH}/$entity`), ...record });
  });
  refuseOtherMethods(app, `${collection}/:id`, ['GET']);
}
