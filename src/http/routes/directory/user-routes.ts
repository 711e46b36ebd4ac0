// /users and /users/{id | userPrincipalName}: list (with Graph's advanced-query rules), $count, create,
// get, update (204) and soft delete, each a thin translation between HTTP and the UserService.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { isAllowed } from '../../../auth/permissions.ts';
import { requireAdvancedQueryParameters } from '../../../graph/advanced-query.ts';
import { contextUrl } from '../../../graph/context.ts';
import { parseCollectionOptions, parseCountOptions, parseEntityOptions, refuseUnsupportedQueryOptions, type RawQuery } from '../../../graph/query-options.ts';
import { selectUser, USER_ENTITY, USER_TYPE } from '../../../graph/user-entity.ts';
import type { UserInput, UserRecord, UserService } from '../../../service/directory/user-service.ts';
import { requireNewUserProperties } from '../../../service/directory/new-user-properties.ts';
import { graphErrors } from '../../../service/errors.ts';
import { principalOf } from '../../auth-hook.ts';
import { sendCollectionPage } from '../../collection-reply.ts';
import { sendGraphJson, sendNoContent, sendPlainText } from '../../graph-reply.ts';
import { refuseOtherMethods, type GraphRouteContext } from '../../graph-routes.ts';
import { UserBodySchema, UserIdParamsSchema } from '../../user-schemas.ts';

type UserBody = Static<typeof UserBodySchema>;

export const USERS_PATH = '/users';

/** `users` or `users(a,b)`, the @odata.context fragment of a user list or entity. */
function usersFragment(select: readonly string[] | undefined): string {
  return select ? `users(${select.join(',')})` : 'users';
}

export function registerUserRoutes(plain: FastifyInstance, ctx: GraphRouteContext, users: UserService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const item = `${USERS_PATH}/:userId`;
  const read = { access: 'users-read' as const };
  const write = { access: 'users-write' as const, graphType: USER_TYPE };
  const entityContext = (select?: readonly string[]) => contextUrl(ctx.publicBaseUrl(), ctx.version, `${usersFragment(select)}/$entity`);
  const consistencyLevel = (request: FastifyRequest) => {
    const header = request.headers.consistencylevel;
    return Array.isArray(header) ? header[0] : header;
  };

  app.get(USERS_PATH, { config: read }, async (request, reply) => {
    const query = request.query as RawQuery;
    const options = parseCollectionOptions(query, ctx.version, USER_ENTITY, ctx.pageLimits);
    requireAdvancedQueryParameters({
      consistencyLevel: consistencyLevel(request),
      count: options.count,
      filter: options.filter,
      hasOrderBy: options.orderBy.length > 0,
      countSegment: false,
      resource: 'User',
    });
    const tenantId = principalOf(request).tenantId;
    return sendCollectionPage(reply, request, ctx, options, {
      tenantId,
      collection: 'users',
      contextFragment: usersFragment(options.select),
      list: async (listQuery) => {
        const page = await users.list(tenantId, listQuery);
        return { items: page.items.map((user) => selectUser(user, options.select)), next: page.next };
      },
      count: (filter) => users.count(tenantId, filter),
    });
  });

  app.post(USERS_PATH, { config: write, schema: { body: UserBodySchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as RawQuery, ctx.version);
    const principal = principalOf(request);
    const body = request.body;
    requireNewUserProperties(body);
    refuseReadOnly(body, undefined);
    if (body.authorizationInfo?.certificateUserIds && !isAllowed(principal, 'users-write-certificate-ids')) throw graphErrors.forbidden();
    const created = await users.create(principal.tenantId, { ...inputOf(body), userPrincipalName: body.userPrincipalName });
    reply.header('Location', `${ctx.publicBaseUrl()}/${ctx.version}${USERS_PATH}/${created.id}`);
    return sendGraphJson(reply, 201, { '@odata.context': entityContext(), ...selectUser(created, undefined) });
  });
  refuseOtherMethods(app, USERS_PATH, ['GET', 'POST']);

  app.get(`${USERS_PATH}/$count`, { config: read }, async (request, reply) => {
    const filter = parseCountOptions(request.query as RawQuery, ctx.version, USER_ENTITY);
    requireAdvancedQueryParameters({ consistencyLevel: consistencyLevel(request), count: false, filter, hasOrderBy: false, countSegment: true, resource: 'User' });
    return sendPlainText(reply, String(await users.count(principalOf(request).tenantId, filter)));
  });
  refuseOtherMethods(app, `${USERS_PATH}/$count`, ['GET']);

  app.get(item, { config: read, schema: { params: UserIdParamsSchema } }, async (request, reply) => {
    const select = parseEntityOptions(request.query as RawQuery, ctx.version, USER_ENTITY);
    const user = await users.get(principalOf(request).tenantId, request.params.userId);
    return sendGraphJson(reply, 200, { '@odata.context': entityContext(select), ...selectUser(user, select) });
  });

  app.patch(item, { config: { access: 'users-update', graphType: USER_TYPE }, schema: { params: UserIdParamsSchema, body: UserBodySchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as RawQuery, ctx.version);
    const principal = principalOf(request);
    const body = request.body;
    const current = await users.get(principal.tenantId, request.params.userId);
    // A client that sends back the object it read includes its id; a different id is a mistake.
    if (body.id !== undefined && body.id.toLowerCase() !== current.id) {
      throw graphErrors.badRequest(`The id '${body.id}' in the body does not match the user '${request.params.userId}' in the URL.`);
    }
    for (const property of ['accountEnabled', 'userPrincipalName'] as const) {
      if (body[property] === null) throw graphErrors.badRequest(`Invalid value specified for property '${property}' of resource 'User': it cannot be null.`);
    }
    refuseReadOnly(body, current);
    // Who may change what: certificateUserIds and the other properties have different roles (spec §1.5).
    if (body.authorizationInfo !== undefined && !isAllowed(principal, 'users-write-certificate-ids')) throw graphErrors.forbidden();
    const others = Object.keys(body).filter((key) => key !== 'authorizationInfo' && !key.startsWith('@odata.') && key !== 'id');
    if (others.length > 0 && !isAllowed(principal, 'users-write')) throw graphErrors.forbidden();
    await users.update(principal.tenantId, current.id, inputOf(body));
    return sendNoContent(reply);
  });

  app.delete(item, { config: write, schema: { params: UserIdParamsSchema } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as RawQuery, ctx.version);
    await users.softDelete(principalOf(request).tenantId, request.params.userId);
    return sendNoContent(reply);
  });
  refuseOtherMethods(app, item, ['GET', 'PATCH', 'DELETE']);
}

/** The writable properties of a body, as the service takes them (passwords are not stored: README). */
function inputOf(body: UserBody): UserInput {
  return {
    userPrincipalName: body.userPrincipalName,
    displayName: body.displayName,
    accountEnabled: body.accountEnabled ?? undefined,
    mail: body.mail,
    mailNickname: body.mailNickname,
    givenName: body.givenName,
    surname: body.surname,
    jobTitle: body.jobTitle,
    certificateUserIds: body.authorizationInfo === undefined ? undefined : (body.authorizationInfo?.certificateUserIds ?? null),
  };
}

/**
 * Properties Graph returns but this server does not let a client set: the on-premises ones (directory sync
 * sets them; seed files and snapshots here) and the ones it does not store. Sending back what was read is fine.
 */
function refuseReadOnly(body: UserBody, current: UserRecord | undefined): void {
  const readOnly = (property: string) =>
    graphErrors.badRequest(`Property '${property}' is read-only and cannot be set; directory sync sets it (this server: seed files and snapshots).`);
  if (body.onPremisesUserPrincipalName !== undefined && body.onPremisesUserPrincipalName !== (current?.onPremisesUserPrincipalName ?? null)) {
    throw readOnly('onPremisesUserPrincipalName');
  }
  if (body.onPremisesSyncEnabled !== undefined && body.onPremisesSyncEnabled !== (current?.onPremisesSyncEnabled ?? null)) throw readOnly('onPremisesSyncEnabled');
  const unstored = (property: string) => graphErrors.badRequest(`Property '${property}' of resource 'User' is not stored by this server; leave it out or send it empty.`);
  if (body.businessPhones !== undefined && body.businessPhones.length > 0) throw unstored('businessPhones');
  for (const property of ['mobilePhone', 'officeLocation', 'preferredLanguage'] as const) {
    if (body[property] !== undefined && body[property] !== null) throw unstored(property);
  }
}
