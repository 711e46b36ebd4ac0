// /_admin/tenants/{tenantId}/oidcClients: the OIDC clients of a tenant's certificate sign-in (admin token
// only). Not Graph: Entra registers applications through /applications, which this server does not
// serve; a client here is just what the sign-in needs — an id, redirect URIs, and a secret or none.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { OidcClient, OidcClientService } from '../../../service/signin/oidc-clients.ts';
import type { DirectoryRoleService } from '../../../service/signin/directory-roles.ts';
import { refuseOtherMethods } from '../../graph-routes.ts';
import { ADMIN_TAG, refuseQueryOptions, sendJson, tenantIdOf } from './admin-routes.ts';

const ClientBody = Type.Object(
  {
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    displayName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    redirectUris: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 256 }),
    /** true: a confidential client, whose secret is generated and returned once. */
    confidential: Type.Optional(Type.Boolean()),
    defaultScopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 64 })),
  },
  { additionalProperties: false },
);

const RolesBody = Type.Object({ roleTemplateIds: Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 }) }, { additionalProperties: false });

export function registerOidcClientRoutes(plain: FastifyInstance, clients: OidcClientService, roles: DirectoryRoleService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const collection = '/tenants/:tenantId/oidcClients';
  const doc = (summary: string, description: string) => ({ tags: [ADMIN_TAG], summary, description });

  app.get(collection, { schema: doc('List OIDC clients', "The tenant's clients of the certificate sign-in (the dev client is not listed).") }, async (request, reply) => {
    refuseQueryOptions(request);
    return sendJson(reply, 200, { value: (await clients.list(tenantIdOf(request))).map(representation) });
  });

  app.post(
    collection,
    { schema: { ...doc('Register an OIDC client', 'A public client (PKCE) or, with confidential: true, one with a secret returned in this answer only.'), body: ClientBody } },
    async (request, reply) => {
      refuseQueryOptions(request);
      const body = request.body;
      const client = await clients.register(tenantIdOf(request), {
        clientId: body.clientId,
        displayName: body.displayName,
        redirectUris: body.redirectUris,
        clientSecret: body.confidential ? 'generate' : undefined,
        defaultScopes: body.defaultScopes,
      });
      return sendJson(reply, 201, { ...representation(client), ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}) });
    },
  );
  refuseOtherMethods(app, collection, ['GET', 'POST']);

  app.delete(`${collection}/:clientId`, { schema: doc('Remove an OIDC client', 'Its codes not yet redeemed stop working.') }, async (request, reply) => {
    refuseQueryOptions(request);
    const { clientId } = request.params as { clientId: string };
    await clients.delete(tenantIdOf(request), clientId);
    return reply.code(204).send();
  });
  refuseOtherMethods(app, `${collection}/:clientId`, ['DELETE']);

  // A user's directory roles: the `wids` of the access tokens the user's sign-ins get.
  const userRoles = '/tenants/:tenantId/users/:userId/directoryRoles';
  app.get(userRoles, { schema: doc("Read a user's directory roles", 'Role template ids, as the `wids` of their sign-in tokens.') }, async (request, reply) => {
    refuseQueryOptions(request);
    const { userId } = request.params as { userId: string };
    return sendJson(reply, 200, { userId, roleTemplateIds: await roles.rolesOfUser(tenantIdOf(request), userId) });
  });
  app.put(
    userRoles,
    { schema: { ...doc("Set a user's directory roles", 'Replaces them; [] removes every role.'), body: RolesBody } },
    async (request, reply) => {
      refuseQueryOptions(request);
      const { userId } = request.params as { userId: string };
      return sendJson(reply, 200, { userId, roleTemplateIds: await roles.assign(tenantIdOf(request), userId, request.body.roleTemplateIds) });
    },
  );
  refuseOtherMethods(app, userRoles, ['GET', 'PUT']);
}

function representation(client: OidcClient): Record<string, unknown> {
  return {
    clientId: client.clientId,
    displayName: client.displayName,
    redirectUris: client.redirectUris,
    confidential: !client.isPublic,
    defaultScopes: client.defaultScopes,
    createdDateTime: client.createdDateTime,
  };
}
