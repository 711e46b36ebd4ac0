// /organization, /organization/{id} and the classic trust store under it,
// /organization/{id}/certificateBasedAuthConfiguration[/{id}]: list, create, get and delete as Graph
// documents them; no update (PATCH and PUT answer 405, as every method a Graph path lacks does).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { classicConfigurationRepresentation, organizationRepresentation } from '../../../graph/classic-representation.ts';
import { contextUrl } from '../../../graph/context.ts';
import { refuseUnsupportedQueryOptions, type RawQuery } from '../../../graph/query-options.ts';
import { organizationOf, requireOrganization } from '../../../service/directory/organization-service.ts';
import type { ClassicStoreService } from '../../../service/trust-store/classic-store-service.ts';
import { principalOf } from '../../auth-hook.ts';
import { sendGraphJson, sendNoContent } from '../../graph-reply.ts';
import { refuseOtherMethods, type GraphRouteContext } from '../../graph-routes.ts';

export const CLASSIC_CONFIGURATION_GRAPH_TYPE = 'microsoft.graph.certificateBasedAuthConfiguration';
const CLASSIC_CA_GRAPH_TYPE = 'microsoft.graph.certificateAuthority';

const nullableString = () => Type.Unsafe<string | null>({ type: ['string', 'null'] });

/** One certificateAuthority as a client sends it; the read-only issuer/issuerSki are accepted when they match. */
const ClassicCaBodySchema = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Literal(`#${CLASSIC_CA_GRAPH_TYPE}`)),
    certificate: Type.Optional(Type.String()),
    isRootAuthority: Type.Optional(Type.Boolean()),
    certificateRevocationListUrl: Type.Optional(nullableString()),
    deltaCertificateRevocationListUrl: Type.Optional(nullableString()),
    issuer: Type.Optional(nullableString()),
    issuerSki: Type.Optional(nullableString()),
  },
  { additionalProperties: false, title: CLASSIC_CA_GRAPH_TYPE },
);

export const ClassicConfigurationBodySchema = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Literal(`#${CLASSIC_CONFIGURATION_GRAPH_TYPE}`)),
    '@odata.context': Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    certificateAuthorities: Type.Array(ClassicCaBodySchema),
  },
  { additionalProperties: false, title: CLASSIC_CONFIGURATION_GRAPH_TYPE },
);

const OrganizationParams = Type.Object({ organizationId: Type.String() });
const ConfigurationParams = Type.Object({ organizationId: Type.String(), configurationId: Type.String() });

export function registerClassicStoreRoutes(plain: FastifyInstance, ctx: GraphRouteContext, classic: ClassicStoreService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const organizations = '/organization';
  const organization = `${organizations}/:organizationId`;
  const collection = `${organization}/certificateBasedAuthConfiguration`;
  const item = `${collection}/:configurationId`;
  const context = (fragment: string) => contextUrl(ctx.publicBaseUrl(), ctx.version, fragment);
  const noOptions = (query: unknown) => refuseUnsupportedQueryOptions(query as RawQuery, ctx.version);

  app.get(organizations, { config: { access: 'organization-read' } }, async (request, reply) => {
    noOptions(request.query);
    const value = [organizationRepresentation(organizationOf(principalOf(request).tenantId))];
    return sendGraphJson(reply, 200, { '@odata.context': context('organization'), value });
  });
  refuseOtherMethods(app, organizations, ['GET']);

  app.get(organization, { config: { access: 'organization-read' }, schema: { params: OrganizationParams } }, async (request, reply) => {
    noOptions(request.query);
    const { tenantId } = principalOf(request);
    requireOrganization(tenantId, request.params.organizationId);
    return sendGraphJson(reply, 200, { '@odata.context': context('organization/$entity'), ...organizationRepresentation(organizationOf(tenantId)) });
  });
  refuseOtherMethods(app, organization, ['GET']);

  app.get(collection, { config: { access: 'classic-read' }, schema: { params: OrganizationParams } }, async (request, reply) => {
    noOptions(request.query);
    const { organizationId } = request.params;
    const configurations = await classic.list(principalOf(request).tenantId, organizationId);
    return sendGraphJson(reply, 200, {
      '@odata.context': context(`organization('${organizationId}')/certificateBasedAuthConfiguration`),
      value: configurations.map(classicConfigurationRepresentation),
    });
  });

  app.post(
    collection,
    { config: { access: 'classic-write', graphType: CLASSIC_CONFIGURATION_GRAPH_TYPE }, schema: { params: OrganizationParams, body: ClassicConfigurationBodySchema } },
    async (request, reply) => {
      noOptions(request.query);
      const { organizationId } = request.params;
      const created = await classic.create(principalOf(request).tenantId, organizationId, request.body.certificateAuthorities);
      reply.header('Location', `${ctx.publicBaseUrl()}/${ctx.version}/organization/${organizationId}/certificateBasedAuthConfiguration/${created.id}`);
      return sendGraphJson(reply, 201, { '@odata.context': context('certificateBasedAuthConfiguration/$entity'), ...classicConfigurationRepresentation(created) });
    },
  );
  refuseOtherMethods(app, collection, ['GET', 'POST']);

  app.get(item, { config: { access: 'classic-read' }, schema: { params: ConfigurationParams } }, async (request, reply) => {
    noOptions(request.query);
    const { organizationId, configurationId } = request.params;
    const configuration = await classic.get(principalOf(request).tenantId, organizationId, configurationId);
    return sendGraphJson(reply, 200, { '@odata.context': context('certificateBasedAuthConfiguration/$entity'), ...classicConfigurationRepresentation(configuration) });
  });

  app.delete(item, { config: { access: 'classic-write' }, schema: { params: ConfigurationParams } }, async (request, reply) => {
    noOptions(request.query);
    const { organizationId, configurationId } = request.params;
    await classic.delete(principalOf(request).tenantId, organizationId, configurationId);
    return sendNoContent(reply);
  });
  // Graph has no update of this object: PATCH (and PUT) get the 405 every missing method gets.
  refuseOtherMethods(app, item, ['GET', 'DELETE']);
}
