// POST /graph-pki/v1/migrate-classic: our extension (Graph has no migration API). Copies the classic
// store's CAs into a PKI and answers the per-CA report (service/trust-store/classic-migration-service.ts);
// `graph-pki migrate-classic` and the admin page call it. It reads the classic store and writes a PKI, so
// a token needs both: PublicKeyInfrastructure.ReadWrite.All (the route's access) and the classic store's
// read access, and its write access to delete the classic store.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isAllowed } from '../../../auth/permissions.ts';
import { graphErrors } from '../../../service/errors.ts';
import type { ClassicMigrationService } from '../../../service/trust-store/classic-migration-service.ts';
import { principalOf } from '../../auth-hook.ts';
import { sendGraphJson } from '../../graph-reply.ts';
import { refuseOtherMethods } from '../../graph-routes.ts';

export const MIGRATE_CLASSIC_PATH = '/migrate-classic';
const GRAPH_TYPE = 'graph-pki.migrateClassicRequest';

export const MigrateClassicBody = Type.Object(
  {
    pkiId: Type.Optional(Type.String({ minLength: 1 })),
    displayName: Type.Optional(Type.String({ minLength: 1 })),
    dryRun: Type.Optional(Type.Boolean()),
    deleteClassic: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, title: GRAPH_TYPE },
);

export function registerClassicMigrationRoutes(plain: FastifyInstance, migrations: ClassicMigrationService): void {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.post(MIGRATE_CLASSIC_PATH, { config: { access: 'write', graphType: GRAPH_TYPE }, schema: { body: MigrateClassicBody } }, async (request, reply) => {
    const principal = principalOf(request);
    const { pkiId, displayName, deleteClassic } = request.body;
    if (pkiId !== undefined && displayName !== undefined) throw graphErrors.badRequest("Send 'pkiId' or 'displayName', not both.");
    if (!isAllowed(principal, deleteClassic === true ? 'classic-write' : 'classic-read')) throw graphErrors.forbidden();
    return sendGraphJson(reply, 200, await migrations.migrate(principal.tenantId, request.body));
  });
  refuseOtherMethods(app, MIGRATE_CLASSIC_PATH, ['POST']);
}
