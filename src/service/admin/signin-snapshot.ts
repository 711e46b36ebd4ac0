// The certificate sign-in's part of a tenant snapshot: registered OIDC clients, users' directory roles and
// the sign-in log. Exported as stored (a client's secret only as the SHA-256 the store keeps), and on
// import held to the admin API's own rules for clients and roles, with every role assignment naming a
// user of the snapshot, so an import cannot store what the API would refuse.
import type { OidcClientRecord } from '../../store/oidc-client-repository.ts';
import type { StoredSignIn } from '../../store/sign-in-log-repository.ts';
import { graphErrors } from '../errors.ts';
import { DocumentProblem, jsonPath, type PathSegment } from '../json-document.ts';
import { clientIdProblem, redirectUriCountProblem, redirectUriProblem } from '../signin/oidc-clients.ts';
import { checkMillisecondTime, checkTime } from './snapshot-times.ts';
import type { SnapshotOidcClient, SnapshotRoleAssignment, SnapshotSignIn, TenantSnapshot } from './tenant-snapshot.ts';

/** The sign-in rows an import writes, checked. */
export interface SignInStatePlan {
  readonly clients: readonly OidcClientRecord[];
  readonly roles: readonly { readonly userId: string; readonly roleTemplateIds: readonly string[] }[];
  readonly signIns: readonly StoredSignIn[];
}

export function snapshotClient(client: OidcClientRecord): SnapshotOidcClient {
  return {
    clientId: client.clientId,
    displayName: client.displayName,
    redirectUris: [...client.redirectUris],
    secretHash: client.secretHash,
    defaultScopes: [...client.defaultScopes],
    createdDateTime: client.createdDateTime,
  };
}

/**
 * The assignments grouped by user (rows come sorted by user, then role). 409 for one that names no user
 * of the tenant, live or deleted: no import could restore it, so the export would not round-trip.
 */
export function snapshotRoleAssignments(
  rows: readonly { readonly principalId: string; readonly roleTemplateId: string }[],
  userIds: ReadonlySet<string>,
  tenantId: string,
): SnapshotRoleAssignment[] {
  const byUser = new Map<string, string[]>();
  for (const { principalId, roleTemplateId } of rows) {
    if (!userIds.has(principalId)) {
      throw graphErrors.conflict(
        `The tenant holds directory roles for '${principalId}', which is no user of the tenant (live or deleted); a snapshot import could not restore them. ` +
          `Remove them (PUT /_admin/tenants/${tenantId}/users/${principalId}/directoryRoles with {"roleTemplateIds": []}) or create the user, then export.`,
      );
    }
    const roles = byUser.get(principalId) ?? [];
    roles.push(roleTemplateId);
    byUser.set(principalId, roles);
  }
  return [...byUser].map(([userId, roleTemplateIds]) => ({ userId, roleTemplateIds }));
}

export function snapshotSignIn(entry: StoredSignIn): SnapshotSignIn {
  return JSON.parse(entry.record) as SnapshotSignIn;
}

/** The snapshot's clients, roles and sign-ins as rows; a DocumentProblem at the first one the admin API would refuse. */
export function planSignInState(snapshot: TenantSnapshot): SignInStatePlan {
  return {
    clients: planClients(snapshot.oidcClients ?? []),
    roles: planRoles(snapshot.directoryRoleAssignments ?? [], new Set((snapshot.users ?? []).map((user) => user.id))),
    signIns: planSignIns(snapshot.signIns ?? []),
  };
}

function planClients(clients: readonly SnapshotOidcClient[]): OidcClientRecord[] {
  const seen = new Map<string, number>();
  return clients.map((client, i) => {
    const path: PathSegment[] = ['oidcClients', i];
    const idProblem = clientIdProblem(client.clientId);
    if (idProblem) throw new DocumentProblem(jsonPath([...path, 'clientId']), idProblem.replace(/\.$/, ''));
    const earlier = seen.get(client.clientId);
    if (earlier !== undefined) {
      throw new DocumentProblem(jsonPath([...path, 'clientId']), `the clientId '${client.clientId}' is already used by ${jsonPath(['oidcClients', earlier])}`);
    }
    seen.set(client.clientId, i);
    const countProblem = redirectUriCountProblem(client.redirectUris);
    if (countProblem) throw new DocumentProblem(jsonPath([...path, 'redirectUris']), countProblem);
    for (const [j, uri] of client.redirectUris.entries()) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new DocumentProblem(jsonPath([...path, 'redirectUris', j]), `'${uri}' ${problem}`);
    }
    return { ...snapshotClient(client), createdDateTime: checkTime(client.createdDateTime, [...path, 'createdDateTime']) };
  });
}

function planRoles(assignments: readonly SnapshotRoleAssignment[], userIds: ReadonlySet<string>): SignInStatePlan['roles'] {
  const seen = new Map<string, number>();
  return assignments.map((assignment, i) => {
    const path: PathSegment[] = ['directoryRoleAssignments', i];
    if (!userIds.has(assignment.userId)) throw new DocumentProblem(jsonPath([...path, 'userId']), `no user of the snapshot has the id '${assignment.userId}'`);
    const earlier = seen.get(assignment.userId);
    if (earlier !== undefined) {
      throw new DocumentProblem(jsonPath([...path, 'userId']), `the user '${assignment.userId}' already has its roles at ${jsonPath(['directoryRoleAssignments', earlier])}`);
    }
    seen.set(assignment.userId, i);
    const roles = new Set<string>();
    for (const [j, role] of assignment.roleTemplateIds.entries()) {
      if (roles.has(role)) throw new DocumentProblem(jsonPath([...path, 'roleTemplateIds', j]), `the role template id '${role}' is listed twice`);
      roles.add(role);
    }
    return { userId: assignment.userId, roleTemplateIds: [...roles] };
  });
}

function planSignIns(signIns: readonly SnapshotSignIn[]): StoredSignIn[] {
  const seen = new Map<string, number>();
  return signIns.map((signIn, i) => {
    const path: PathSegment[] = ['signIns', i];
    const earlier = seen.get(signIn.id);
    if (earlier !== undefined) throw new DocumentProblem(jsonPath([...path, 'id']), `the id '${signIn.id}' is already used by ${jsonPath(['signIns', earlier])}`);
    seen.set(signIn.id, i);
    checkMillisecondTime(signIn.createdDateTime, [...path, 'createdDateTime']);
    return { id: signIn.id, createdDateTime: signIn.createdDateTime, record: JSON.stringify(signIn) };
  });
}
