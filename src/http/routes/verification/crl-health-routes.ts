// GET /graph-pki/v1/crlHealth and POST /graph-pki/v1/crlHealth/refresh: our extension beside Graph's
// paths. The health of every CRL configured on the tenant's live CAs, and a re-download now (of every
// one, of one CA's, or of one URL's) that answers the new entries.
import type { FastifyInstance, FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { CrlHealthChange, CrlHealthService } from '../../../service/verification/crl-health-service.ts';
import { principalOf } from '../../auth-hook.ts';
import { sendGraphJson } from '../../graph-reply.ts';
import { refuseOtherMethods } from '../../graph-routes.ts';

export const CRL_HEALTH_PATH = '/crlHealth';

const RefreshBody = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    certificateAuthorityId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false, title: 'graph-pki.crlHealthRefreshRequest' },
);

export function registerCrlHealthRoutes(plain: FastifyInstance, health: CrlHealthService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.get(CRL_HEALTH_PATH, { config: { access: 'read' } }, async (request, reply) => {
    const entries = await health.list(principalOf(request).tenantId);
    return sendGraphJson(reply, 200, { value: entries });
  });
  refuseOtherMethods(app, CRL_HEALTH_PATH, ['GET']);

  // The body is optional: without one (or with {}), every CRL of the tenant is downloaded again.
  app.post(
    `${CRL_HEALTH_PATH}/refresh`,
    {
      config: { access: 'write', graphType: 'graph-pki.crlHealthRefreshRequest' },
      schema: { body: Type.Union([RefreshBody, Type.Null()]) },
      preValidation: async (request) => {
        request.body ??= null;
      },
    },
    async (request, reply) => {
      const { entries, changes } = await health.refresh(principalOf(request).tenantId, request.body ?? {});
      logChanges(request.log, changes);
      return sendGraphJson(reply, 200, { value: entries });
    },
  );
  refuseOtherMethods(app, `${CRL_HEALTH_PATH}/refresh`, ['POST']);
}

/** One log line per CRL whose state changed: warnings and failures as warnings, recoveries as info. */
export function logChanges(log: FastifyBaseLogger, changes: readonly CrlHealthChange[]): void {
  for (const change of changes) {
    const line = { crlHealth: change };
    const text = `CRL ${change.url} of CA ${change.certificateAuthorityId} (${change.kind}) is now ${change.to}${change.from ? ` (was ${change.from})` : ''}${change.reason ? `: ${change.reason}` : ''}`;
    if (change.to === 'healthy') log.info(line, text);
    else log.warn(line, text);
  }
}
