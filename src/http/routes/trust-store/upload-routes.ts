// POST …/certificateBasedAuthConfigurations/{pkiId}/upload: Graph's bound action, 204 once the job is
// stored; the PKI's status tells how it goes.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PKI_COLLECTION_PATH } from '../../../graph/context.ts';
import { refuseUnsupportedQueryOptions } from '../../../graph/query-options.ts';
import type { UploadService } from '../../../service/trust-store/upload-service.ts';
import { principalOf } from '../../auth-hook.ts';
import { sendNoContent } from '../../graph-reply.ts';
import { refuseOtherMethods, type GraphRouteContext } from '../../graph-routes.ts';
import { PkiIdParamsSchema, UploadBodySchema } from '../../schemas.ts';

export function registerUploadRoutes(plain: FastifyInstance, ctx: GraphRouteContext, uploads: UploadService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  // Graph also accepts the namespace-qualified action name.
  for (const action of ['upload', 'microsoft.graph.upload']) {
    const url = `/${PKI_COLLECTION_PATH}/:pkiId/${action}`;
    app.post(
      url,
      { config: { access: 'write', graphType: 'microsoft.graph.upload' }, schema: { params: PkiIdParamsSchema, body: UploadBodySchema } },
      async (request, reply) => {
        refuseUnsupportedQueryOptions(request.query as Record<string, unknown>, ctx.version);
        await uploads.requestUpload(principalOf(request).tenantId, request.params.pkiId, request.body);
        return sendNoContent(reply);
      },
    );
    refuseOtherMethods(app, url, ['POST']);
  }
}
