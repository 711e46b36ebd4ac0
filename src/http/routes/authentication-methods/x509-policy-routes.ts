// /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate: the tenant's
// X.509 certificate authentication-method policy (spec §8.2). GET answers the entity, PATCH a partial
// update with 204 as Graph does, DELETE restores the documented default (204); all need Graph's Policy
// permissions, not the PKI ones.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { contextUrl } from '../../../graph/context.ts';
import { refuseUnsupportedQueryOptions } from '../../../graph/query-options.ts';
import { graphErrors } from '../../../service/errors.ts';
import {
  POLICY_STATES,
  TARGET_TYPES,
  X509_AFFINITY_LEVELS,
  X509_AUTHENTICATION_MODES,
  X509_CERTIFICATE_FIELDS,
  X509_POLICY_RESOURCE,
  X509_RULE_TYPES,
  X509_USER_PROPERTIES,
  type X509Policy,
  type X509PolicyService,
  type X509PolicyTarget,
} from '../../../service/authentication-methods/x509-policy-service.ts';
import { principalOf } from '../../auth-hook.ts';
import { applyEnumPreference } from '../../enum-preference.ts';
import { sendGraphJson, sendNoContent } from '../../graph-reply.ts';
import { refuseOtherMethods, type GraphRouteContext } from '../../graph-routes.ts';

export const X509_POLICY_PATH = 'policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';
/** `id` of the configuration: always this value in Graph. */
export const X509_POLICY_ID = 'X509Certificate';
const ODATA_TYPE = `#${X509_POLICY_RESOURCE}`;
const CONTEXT_FRAGMENT = 'authenticationMethodConfigurations/$entity';
/** What real tenants send beside includeTargets (a contained navigation, returned inline). */
const INCLUDE_TARGETS_CONTEXT_FRAGMENT = `policies/authenticationMethodsPolicy/authenticationMethodConfigurations('${X509_POLICY_ID}')/${X509_POLICY_RESOURCE}/includeTargets`;

// Request body. Structure, types and enum members are checked here (strict: unknown properties refused);
// what JSON Schema cannot say well (unique priorities and identifiers, hex SKIs, OIDs, rule parts) is
// checked by the service, for every caller.

function stringEnum<T extends string>(values: readonly T[]) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values] });
}

/** A nullable string; `type: [..., 'null']` keeps ajv to one error per bad value. */
function nullableText() {
  return Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength: 1024 });
}

const text = () => Type.String({ maxLength: 1024 });
const affinity = () => stringEnum(X509_AFFINITY_LEVELS);

const TargetSchema = (title: string) =>
  Type.Object({ id: text(), targetType: stringEnum(TARGET_TYPES) }, { additionalProperties: false, title });

/** An includeTargets entry: an entity (authenticationMethodTarget), so SDKs may send its @odata.type. */
const IncludeTargetSchema = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Literal('#microsoft.graph.authenticationMethodTarget')),
    id: text(),
    targetType: stringEnum(TARGET_TYPES),
    isRegistrationRequired: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, title: 'microsoft.graph.authenticationMethodTarget' },
);

const UserBindingSchema = Type.Object(
  {
    x509CertificateField: stringEnum(X509_CERTIFICATE_FIELDS),
    userProperty: stringEnum(X509_USER_PROPERTIES),
    priority: Type.Integer({ minimum: 0, maximum: 2147483647 }),
    trustAffinityLevel: Type.Optional(affinity()),
  },
  { additionalProperties: false, title: 'microsoft.graph.x509CertificateUserBinding' },
);

const RuleSchema = Type.Object(
  {
    x509CertificateRuleType: stringEnum(X509_RULE_TYPES),
    identifier: text(),
    issuerSubjectIdentifier: Type.Optional(nullableText()),
    policyOidIdentifier: Type.Optional(nullableText()),
    x509CertificateAuthenticationMode: stringEnum(X509_AUTHENTICATION_MODES),
    x509CertificateRequiredAffinityLevel: Type.Optional(affinity()),
  },
  { additionalProperties: false, title: 'microsoft.graph.x509CertificateRule' },
);

export const X509PolicyBodySchema = Type.Object(
  {
    '@odata.type': Type.Literal(ODATA_TYPE),
    // SDKs send back the context URL of an object they read; OData says it carries no data in a request.
    '@odata.context': Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    state: Type.Optional(stringEnum(POLICY_STATES)),
    includeTargets: Type.Optional(Type.Array(IncludeTargetSchema)),
    excludeTargets: Type.Optional(Type.Array(TargetSchema('microsoft.graph.excludeTarget'))),
    certificateUserBindings: Type.Optional(Type.Array(UserBindingSchema)),
    authenticationModeConfiguration: Type.Optional(
      Type.Object(
        {
          x509CertificateAuthenticationDefaultMode: stringEnum(X509_AUTHENTICATION_MODES),
          x509CertificateDefaultRequiredAffinityLevel: Type.Optional(affinity()),
          rules: Type.Optional(Type.Array(RuleSchema)),
        },
        { additionalProperties: false, title: 'microsoft.graph.x509CertificateAuthenticationModeConfiguration' },
      ),
    ),
    issuerHintsConfiguration: Type.Optional(
      Type.Object(
        { state: stringEnum(POLICY_STATES) },
        { additionalProperties: false, title: 'microsoft.graph.x509CertificateIssuerHintsConfiguration' },
      ),
    ),
    crlValidationConfiguration: Type.Optional(
      Type.Object(
        {
          state: stringEnum(POLICY_STATES),
          exemptedCertificateAuthoritiesSubjectKeyIdentifiers: Type.Optional(Type.Array(text())),
        },
        { additionalProperties: false, title: 'microsoft.graph.x509CertificateCRLValidationConfiguration' },
      ),
    ),
    certificateAuthorityScopes: Type.Optional(
      Type.Array(
        Type.Object(
          {
            subjectKeyIdentifier: text(),
            publicKeyInfrastructureIdentifier: Type.Optional(nullableText()),
            includeTargets: Type.Optional(Type.Array(TargetSchema('microsoft.graph.includeTarget'))),
          },
          { additionalProperties: false, title: 'microsoft.graph.x509CertificateAuthorityScope' },
        ),
      ),
    ),
  },
  {
    additionalProperties: false,
    // Instance annotations of an object a client read back (includeTargets@odata.context) carry no data.
    patternProperties: { '^[A-Za-z][A-Za-z0-9]*@odata\\.[A-Za-z]+$': {} },
    title: X509_POLICY_RESOURCE,
  },
);

export function registerX509PolicyRoutes(plain: FastifyInstance, ctx: GraphRouteContext, policies: X509PolicyService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const path = `/${X509_POLICY_PATH}`;

  app.get(path, { config: { access: 'policy-read' } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Record<string, unknown>, ctx.version);
    const policy = await policies.getPolicy(principalOf(request).tenantId);
    const body = {
      '@odata.context': contextUrl(ctx.publicBaseUrl(), ctx.version, CONTEXT_FRAGMENT),
      ...x509PolicyRepresentation(policy, contextUrl(ctx.publicBaseUrl(), ctx.version, INCLUDE_TARGETS_CONTEXT_FRAGMENT)),
    };
    return sendGraphJson(reply, 200, applyEnumPreference(request, reply, body, `graph.${X509_POLICY_RESOURCE.replace('microsoft.graph.', '')}`));
  });

  app.patch(
    path,
    { config: { access: 'policy-write', graphType: X509_POLICY_RESOURCE }, schema: { body: X509PolicyBodySchema } },
    async (request, reply) => {
      refuseUnsupportedQueryOptions(request.query as Record<string, unknown>, ctx.version);
      // A client that sends back the object it read includes its id; any other id is a mistake.
      const { id, '@odata.type': _type, '@odata.context': _context, ...patch } = request.body;
      if (id !== undefined && id.toLowerCase() !== X509_POLICY_ID.toLowerCase()) {
        throw graphErrors.badRequest(`The id '${id}' in the body does not match the id '${X509_POLICY_ID}' of the configuration.`);
      }
      await policies.update(principalOf(request).tenantId, patch);
      return sendNoContent(reply);
    },
  );

  // Graph's delete "restores the default": the configuration itself cannot be removed.
  app.delete(path, { config: { access: 'policy-write' } }, async (request, reply) => {
    refuseUnsupportedQueryOptions(request.query as Record<string, unknown>, ctx.version);
    await policies.reset(principalOf(request).tenantId);
    return sendNoContent(reply);
  });
  refuseOtherMethods(app, path, ['GET', 'PATCH', 'DELETE']);
}

/**
 * The entity as Graph shows it, properties in the order of the documented default configuration.
 * `includeTargetsContext` (the @odata.context of the inline includeTargets) is given when the entity is
 * the whole response, as real tenants send it; inside the policy root's list it is left out.
 */
export function x509PolicyRepresentation(policy: X509Policy, includeTargetsContext?: string) {
  const target = (t: X509PolicyTarget) => ({ id: t.id, targetType: t.targetType });
  const mode = policy.authenticationModeConfiguration;
  return {
    '@odata.type': ODATA_TYPE,
    id: X509_POLICY_ID,
    state: policy.state,
    certificateUserBindings: policy.certificateUserBindings.map((b) => ({
      x509CertificateField: b.x509CertificateField,
      userProperty: b.userProperty,
      priority: b.priority,
      trustAffinityLevel: b.trustAffinityLevel,
    })),
    authenticationModeConfiguration: {
      x509CertificateAuthenticationDefaultMode: mode.x509CertificateAuthenticationDefaultMode,
      x509CertificateDefaultRequiredAffinityLevel: mode.x509CertificateDefaultRequiredAffinityLevel,
      rules: mode.rules.map((r) => ({
        x509CertificateRuleType: r.x509CertificateRuleType,
        identifier: r.identifier,
        issuerSubjectIdentifier: r.issuerSubjectIdentifier,
        policyOidIdentifier: r.policyOidIdentifier,
        x509CertificateAuthenticationMode: r.x509CertificateAuthenticationMode,
        x509CertificateRequiredAffinityLevel: r.x509CertificateRequiredAffinityLevel,
      })),
    },
    issuerHintsConfiguration: { state: policy.issuerHintsConfiguration.state },
    crlValidationConfiguration: {
      state: policy.crlValidationConfiguration.state,
      exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [...policy.crlValidationConfiguration.exemptedCertificateAuthoritiesSubjectKeyIdentifiers],
    },
    certificateAuthorityScopes: policy.certificateAuthorityScopes.map((s) => ({
      subjectKeyIdentifier: s.subjectKeyIdentifier,
      publicKeyInfrastructureIdentifier: s.publicKeyInfrastructureIdentifier,
      includeTargets: s.includeTargets.map(target),
    })),
    ...(includeTargetsContext === undefined ? {} : { 'includeTargets@odata.context': includeTargetsContext }),
    includeTargets: policy.includeTargets.map((t) => ({ targetType: t.targetType, id: t.id, isRegistrationRequired: t.isRegistrationRequired })),
    excludeTargets: policy.excludeTargets.map(target),
  };
}
