// Users in a tenant snapshot: exported with every stored property, and on import held to the Graph API's
// own rules (userPrincipalName, certificateUserIds) and to the directory's uniqueness among live users, so
// an import cannot store what the API would refuse.
import type { UserRecord } from '../../store/user-repository.ts';
import type { UserService } from '../directory/user-service.ts';
import { DocumentProblem, jsonPath, type PathSegment, problemAt } from '../json-document.ts';
import { checkNotBefore, checkTime } from './snapshot-times.ts';
import type { SnapshotUser } from './tenant-snapshot.ts';

export function snapshotUser(user: UserRecord): SnapshotUser {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    onPremisesUserPrincipalName: user.onPremisesUserPrincipalName,
    onPremisesSyncEnabled: user.onPremisesSyncEnabled,
    mail: user.mail,
    mailNickname: user.mailNickname,
    displayName: user.displayName,
    givenName: user.givenName,
    surname: user.surname,
    jobTitle: user.jobTitle,
    accountEnabled: user.accountEnabled,
    certificateUserIds: [...user.certificateUserIds],
    createdDateTime: user.createdDateTime,
    deletedDateTime: user.deletedDateTime,
  };
}

/**
 * The snapshot's users as records to insert; a DocumentProblem at the first one the API would refuse, or
 * that holds a userPrincipalName, onPremisesUserPrincipalName or certificateUserIds value of an earlier
 * live user. `claimId` refuses an id used elsewhere in the snapshot.
 */
export function planUsers(users: readonly SnapshotUser[], service: UserService, claimId: (id: string, path: PathSegment[]) => void): UserRecord[] {
  const taken = new Map<string, string>();
  const claim = (key: string, path: PathSegment[], what: string) => {
    const earlier = taken.get(key);
    if (earlier !== undefined) throw new DocumentProblem(jsonPath(path), `${what} is held by the live user at ${earlier} too`);
    taken.set(key, jsonPath(path.slice(0, 2)));
  };
  return users.map((user, i) => {
    const path: PathSegment[] = ['users', i];
    claimId(user.id, path);
    const { id, createdDateTime, deletedDateTime, ...input } = user;
    const record = problemAt(path, () => service.prepareNew(input, id));
    const created = checkTime(createdDateTime, [...path, 'createdDateTime']);
    const deleted = deletedDateTime === null ? null : checkNotBefore(checkTime(deletedDateTime, [...path, 'deletedDateTime']), created, [...path, 'deletedDateTime']);
    if (deleted === null) {
      claim(`upn:${record.userPrincipalName.toLowerCase()}`, [...path, 'userPrincipalName'], `the userPrincipalName '${record.userPrincipalName}'`);
      if (record.onPremisesUserPrincipalName !== null) {
        claim(`onprem:${record.onPremisesUserPrincipalName.toLowerCase()}`, [...path, 'onPremisesUserPrincipalName'], `the onPremisesUserPrincipalName '${record.onPremisesUserPrincipalName}'`);
      }
      for (const [j, entry] of service.entriesOf(record.certificateUserIds).entries()) {
        claim(`id:${entry.matchHash}`, [...path, 'certificateUserIds', j], `the certificateUserIds value '${entry.value}'`);
      }
    }
    return { ...record, createdDateTime: created, deletedDateTime: deleted };
  });
}
