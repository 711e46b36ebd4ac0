// The admin API under /_admin (admin token only, admin-auth-hook.ts): reset one tenant or every tenant,
// export a tenant's snapshot, import a snapshot into an empty tenant. Not part of Graph: plain JSON
// answers, but Graph's error envelope on every failure so clients handle one error shape.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DocumentProblem } from '../../../service/json-document.ts';
import { graphErrors } from '../../../service/errors.ts';
import { invalidSnapshot, type SnapshotService } from '../../../service/admin/snapshot-service.ts';
import type { TenantResetService } from '../../../service/admin/tenant-reset-service.ts';
import type { TenantSnapshot } from '../../../service/admin/tenant-snapshot.ts';
import { refuseOtherMethods } from '../../graph-routes.ts';
import { snapshotChecker } from '../../snapshot-schema.ts';

export const ADMIN_PREFIX = '/_admin';
/** OpenAPI tag of every admin operation, so the document keeps them apart from Graph's. */
export const ADMIN_TAG = 'graph-pki admin (not Graph; admin token)';

export interface AdminServices {
  readonly snapshots: SnapshotService;
  readonly resets: TenantResetService;
  /** Largest snapshot body accepted (413 above). */
  readonly maxSnapshotBytes: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerAdminRoutes(app: FastifyInstance, services: AdminServices): void {
  const doc = (summary: string, description: string) => ({ schema: { tags: [ADMIN_TAG], summary, description } });

  app.delete('/tenants', doc('Reset every tenant', 'Removes everything every tenant holds: PKIs, CAs, deleted items, upload jobs, policies, users, OIDC clients, directory roles, sign-in logs.'), async (request, reply) => {
    // The router ignores a trailing slash, but here it means a tenant id left empty
    // (`/_admin/tenants/$TENANT` with $TENANT unset): that must never wipe every tenant.
    if (!/\/tenants$/i.test(new URL(request.url, 'http://localhost').pathname)) {
      throw graphErrors.badRequest('The tenant id is empty. To reset every tenant, send DELETE /_admin/tenants, without a trailing slash.');
    }
    refuseQueryOptions(request);
    const { tenants, deleted } = await services.resets.resetAll();
    return sendJson(reply, 200, { tenants, deleted });
  });
  refuseOtherMethods(app, '/tenants', ['DELETE']);

  app.delete(
    '/tenants/:tenantId',
    doc('Reset one tenant', 'Removes everything the tenant holds (PKIs, CAs, deleted items, upload jobs, policies, users, OIDC clients, directory roles, sign-in log); other tenants are untouched.'),
    async (request, reply) => {
      refuseQueryOptions(request);
      const tenantId = tenantIdOf(request);
      return sendJson(reply, 200, { tenantId, deleted: await services.resets.resetTenant(tenantId) });
    },
  );
  refuseOtherMethods(app, '/tenants/:tenantId', ['DELETE']);

  app.get(
    '/tenants/:tenantId/snapshot',
    doc('Export a tenant snapshot', 'Everything the tenant holds, deleted items, finished upload jobs and the certificate sign-in\'s clients, roles and log included (409 while an upload runs, or while directory roles name no user of the tenant).'),
    async (request, reply) => {
      refuseQueryOptions(request);
      return sendJson(reply, 200, await services.snapshots.export(tenantIdOf(request)));
    },
  );

  app.put(
    '/tenants/:tenantId/snapshot',
    {
      ...doc('Import a tenant snapshot', 'Into an empty tenant (409 otherwise), ids and times kept, all or nothing.'),
      bodyLimit: services.maxSnapshotBytes,
    },
    async (request, reply) => {
      refuseQueryOptions(request);
      const tenantId = tenantIdOf(request);
      let snapshot: TenantSnapshot;
      try {
        snapshot = snapshotChecker.check(request.body);
      } catch (error) {
        if (error instanceof DocumentProblem) throw invalidSnapshot(error);
        throw error;
      }
      return sendJson(reply, 200, { tenantId, imported: await services.snapshots.import(tenantId, snapshot) });
    },
  );
  refuseOtherMethods(app, '/tenants/:tenantId/snapshot', ['GET', 'PUT']);
}

export function tenantIdOf(request: FastifyRequest): string {
  const { tenantId } = request.params as { tenantId: string };
  if (!GUID.test(tenantId)) throw graphErrors.badRequest(`'${tenantId}' is not a tenant id: expected a GUID such as 00000000-0000-4000-8000-000000000001.`);
  // Tokens' tid claims are lower-cased the same way, so this is the tenant Graph requests see.
  return tenantId.toLowerCase();
}

export function refuseQueryOptions(request: FastifyRequest): void {
  const names = Object.keys(request.query as Record<string, unknown>);
  if (names.length > 0) throw graphErrors.badRequest(`The admin API takes no query parameters; '${names[0]}' is not supported.`);
}

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}
