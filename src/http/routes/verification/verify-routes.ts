// POST /graph-pki/v1/verify: our extension beside Graph's paths. Verifies a client certificate against
// the tenant's trust store and x509 policy; the answer is the verdict whether or not it is trusted.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { VerificationService } from '../../../service/verification/verification-service.ts';
import { principalOf } from '../../auth-hook.ts';
import { sendGraphJson } from '../../graph-reply.ts';
import { refuseOtherMethods } from '../../graph-routes.ts';

export const VERIFY_PREFIX = '/graph-pki/v1';

/** A dotted-decimal object identifier (first arc 0–2), as certificate policies are written. */
const OID_PATTERN = '^[0-2](\\.(0|[1-9][0-9]*))+$';
const MAX_INITIAL_POLICIES = 32;

const VerifyBody = Type.Object(
  {
    certificate: Type.String({ minLength: 1 }),
    intermediates: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 20 })),
    validationTime: Type.Optional(Type.String({ format: 'date-time' })),
    // RFC 5280 §6.1.1 inputs of path validation; absent = anyPolicy, and false for the three flags.
    initialPolicies: Type.Optional(Type.Array(Type.String({ pattern: OID_PATTERN }), { minItems: 1, maxItems: MAX_INITIAL_POLICIES, uniqueItems: true })),
    requireExplicitPolicy: Type.Optional(Type.Boolean()),
    inhibitPolicyMapping: Type.Optional(Type.Boolean()),
    inhibitAnyPolicy: Type.Optional(Type.Boolean()),
    // The name typed at sign-in: the bindings are tried against that user; absent = username-less sign-in.
    userPrincipalName: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, title: 'graph-pki.verifyRequest' },
);

export function registerVerifyRoutes(plain: FastifyInstance, verification: VerificationService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/verify', { config: { access: 'read', graphType: 'graph-pki.verifyRequest' }, schema: { body: VerifyBody } }, async (request, reply) => {
    const result = await verification.verify(principalOf(request).tenantId, request.body);
    return sendGraphJson(reply, 200, result);
  });
  refuseOtherMethods(app, '/verify', ['POST']);
}
