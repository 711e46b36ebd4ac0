// /policies/authenticationMethodsPolicy (spec cba-setup-and-signin §2.5): GET the root with its method
// configurations inline, PATCH its own properties (200 with the policy, as Graph documents), and the
// authenticationMethodConfigurations collection. Only the X.509 certificate configuration is served
// (x509-policy-routes.ts owns its URL); any other configuration id answers 404.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { contextUrl } from '../../../graph/context.ts';
import { refuseUnsupportedQueryOptions } from '../../../graph/query-options.ts';
import { GraphError, graphErrors } from '../../../service/errors.ts';
import {
  ADVANCED_CONFIG_STATES,
  type AuthenticationMethodsPolicyService,
  METHODS_POLICY_RESOURCE,
  type MethodsPolicy,
  POLICY_MIGRATION_STATES,
} from '../../../service/authentication-methods/methods-policy-service.ts';
import { TARGET_TYPES } from '../../../service/authentication-methods/x509-policy-service.ts';
import { principalOf } from '../../auth-hook.ts';
import { applyEnumPreference } from '../../enum-preference.ts';
import { sendGraphJson } from '../../graph-reply.ts';
import { type Method, refuseOtherMethods, type GraphRouteContext } from '../../graph-routes.ts';
import { X509_POLICY_ID, x509PolicyRepresentation } from './x509-policy-routes.ts';

export const METHODS_POLICY_PATH = 'policies/authenticationMethodsPolicy';
export const METHOD_CONFIGURATIONS_PATH = `${METHODS_POLICY_PATH}/authenticationMethodConfigurations`;
const POLICY_ID = 'authenticationMethodsPolicy';
const ODATA_TYPE = `#${METHODS_POLICY_RESOURCE}`;
const EDM_TYPE = 'graph.authenticationMethodsPolicy';
const CONFIGURATIONS_EDM_TYPE = 'Collection(graph.authenticationMethodConfiguration)';

/**
 * The method configurations Graph has besides X509Certificate: asked for by id, they are not served here
 * (404, saying so), rather than taken for ids that do not exist.
 */
const UNSERVED_METHODS = ['Fido2', 'MicrosoftAuthenticator', 'Sms', 'TemporaryAccessPass', 'SoftwareOath', 'Voice', 'Email', 'HardwareOath', 'QRCodePin'];

// The read-only properties Graph returns: a client that sends the object back gets a precise 400.
const READ_ONLY = ['displayName', 'description', 'lastModifiedDateTime', 'policyVersion'] as const;

const stringEnum = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });
const text = () => Type.String({ maxLength: 1024 });

const CampaignSchema = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Literal('#microsoft.graph.authenticationMethodsRegistrationCampaign')),
    snoozeDurationInDays: Type.Optional(Type.Integer({ minimum: -2147483648, maximum: 2147483647 })),
    enforceRegistrationAfterAllowedSnoozes: Type.Optional(Type.Boolean()),
    state: Type.Optional(stringEnum(ADVANCED_CONFIG_STATES)),
    excludeTargets: Type.Optional(
      Type.Array(Type.Object({ id: text(), targetType: stringEnum(TARGET_TYPES) }, { additionalProperties: false, title: 'microsoft.graph.excludeTarget' })),
    ),
    includeTargets: Type.Optional(
      Type.Array(
        Type.Object(
          { id: text(), targetType: stringEnum(TARGET_TYPES), targetedAuthenticationMethod: Type.Optional(text()) },
          { additionalProperties: false, title: 'microsoft.graph.authenticationMethodsRegistrationCampaignIncludeTarget' },
        ),
      ),
    ),
  },
  { additionalProperties: false, title: 'microsoft.graph.authenticationMethodsRegistrationCampaign' },
);

export const MethodsPolicyBodySchema = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Literal(ODATA_TYPE)),
    '@odata.context': Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    ...Object.fromEntries(READ_ONLY.map((name) => [name, Type.Optional(Type.Unknown())])),
    authenticationMethodConfigurations: Type.Optional(Type.Unknown()),
    policyMigrationState: Type.Optional(stringEnum(POLICY_MIGRATION_STATES)),
    reconfirmationInDays: Type.Optional(Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: -2147483648, maximum: 2147483647 })),
    registrationEnforcement: Type.Optional(
      Type.Object(
        {
          '@odata.type': Type.Optional(Type.Literal('#microsoft.graph.registrationEnforcement')),
          authenticationMethodsRegistrationCampaign: Type.Optional(CampaignSchema),
        },
        { additionalProperties: false, title: 'microsoft.graph.registrationEnforcement' },
      ),
    ),
  },
  { additionalProperties: false, patternProperties: { '^[A-Za-z][A-Za-z0-9]*@odata\\.[A-Za-z]+$': {} }, title: METHODS_POLICY_RESOURCE },
);

export function registerMethodsPolicyRoutes(plain: FastifyInstance, ctx: GraphRouteContext, policies: AuthenticationMethodsPolicyService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const root = `/${METHODS_POLICY_PATH}`;
  const collection = `/${METHOD_CONFIGURATIONS_PATH}`;
  const context = (fragment: string) => contextUrl(ctx.publicBaseUrl(), ctx.version, fragment);

  const sendPolicy = (request: FastifyRequest, reply: Parameters<typeof sendGraphJson>[0], policy: MethodsPolicy, withConfigurations: boolean) =>
    sendGraphJson(
      reply,
      200,
      applyEnumPreference(request, reply, { '@odata.context': context('authenticationMethodsPolicy'), ...methodsPolicyRepresentation(policy, withConfigurations) }, EDM_TYPE),
    );

  app.get(root, { config: { access: 'policy-read' } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Record<string, unknown>, ctx.version);
    return sendPolicy(request, reply, await policies.get(principalOf(request).tenantId), true);
  });

  app.patch(
    root,
    { config: { access: 'policy-write', graphType: METHODS_POLICY_RESOURCE }, schema: { body: MethodsPolicyBodySchema } },
    async (request, reply) => {
      refuseUnsupportedQueryOptions(request.query as Record<string, unknown>, ctx.version);
      const body = request.body as Record<string, unknown>;
      if (body.id !== undefined && String(body.id).toLowerCase() !== POLICY_ID.toLowerCase()) {
        throw graphErrors.badRequest(`The id '${String(body.id)}' in the body does not match the id '${POLICY_ID}' of the policy.`);
      }
      for (const name of READ_ONLY) {
        if (body[name] !== undefined) throw graphErrors.badRequest(`Property '${name}' of resource '${METHODS_POLICY_RESOURCE}' is read-only and cannot be updated.`);
      }
      if (body.authenticationMethodConfigurations !== undefined) {
        throw graphErrors.badRequest(
          `Property 'authenticationMethodConfigurations' cannot be updated through the policy; PATCH each configuration at /${METHOD_CONFIGURATIONS_PATH}/{id}.`,
        );
      }
      const { policyMigrationState, reconfirmationInDays, registrationEnforcement } = request.body;
      const policy = await policies.update(principalOf(request).tenantId, { policyMigrationState, reconfirmationInDays, registrationEnforcement });
      return sendPolicy(request, reply, policy, false);
    },
  );
  refuseOtherMethods(app, root, ['GET', 'PATCH']);

  app.get(collection, { config: { access: 'policy-read' } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Record<string, unknown>, ctx.version);
    const policy = await policies.get(principalOf(request).tenantId);
    const body = { '@odata.context': context(METHOD_CONFIGURATIONS_PATH), value: [x509PolicyRepresentation(policy.x509)] };
    return sendGraphJson(reply, 200, { ...body, value: applyEnumPreference(request, reply, body.value, CONFIGURATIONS_EDM_TYPE) });
  });
  refuseOtherMethods(app, collection, ['GET']);

  // The x509 configuration's own routes are static and win over this one.
  const every: Method[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];
  app.route<{ Params: { configurationId: string } }>({
    method: every,
    url: `${collection}/:configurationId`,
    config: { access: 'policy-read' },
    handler: async (request) => {
      throw configurationNotServed(request.params.configurationId);
    },
  });
}

function configurationNotServed(id: string): GraphError {
  const known = UNSERVED_METHODS.find((method) => method.toLowerCase() === id.toLowerCase());
  if (!known) return graphErrors.notFound(id);
  return new GraphError(
    404,
    'Request_ResourceNotFound',
    `The authentication method configuration '${known}' is not served by graph-pki; only '${X509_POLICY_ID}' is.`,
  );
}

/** The policy as Graph shows it (the get page's property order); the configurations inline on GET. */
export function methodsPolicyRepresentation(policy: MethodsPolicy, withConfigurations: boolean) {
  const campaign = policy.registrationEnforcement.authenticationMethodsRegistrationCampaign;
  return {
    '@odata.type': ODATA_TYPE,
    id: POLICY_ID,
    displayName: 'Authentication Methods Policy',
    description:
      'The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings',
    lastModifiedDateTime: policy.lastModifiedDateTime,
    policyVersion: '1.4',
    policyMigrationState: policy.policyMigrationState,
    reconfirmationInDays: policy.reconfirmationInDays,
    registrationEnforcement: {
      authenticationMethodsRegistrationCampaign: {
        snoozeDurationInDays: campaign.snoozeDurationInDays,
        enforceRegistrationAfterAllowedSnoozes: campaign.enforceRegistrationAfterAllowedSnoozes,
        state: campaign.state,
        excludeTargets: campaign.excludeTargets.map((t) => ({ id: t.id, targetType: t.targetType })),
        includeTargets: campaign.includeTargets.map((t) => ({ id: t.id, targetType: t.targetType, targetedAuthenticationMethod: t.targetedAuthenticationMethod })),
      },
    },
    ...(withConfigurations ? { authenticationMethodConfigurations: [x509PolicyRepresentation(policy.x509)] } : {}),
  };
}
