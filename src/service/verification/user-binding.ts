// Entra's username binding as pure functions (spec cba-setup-and-signin §5.2): which bindings may be used
// (low-affinity ones are dropped when high affinity is required), and whether a binding ties the
// certificate to a given user. The directory look-ups that feed them are in user-resolution.ts.
import { nameOfCertificateUserId } from '../../pki/certificate-user-ids.ts';
import { certificateUserIdMatchKey, otherSerialByteOrder } from '../../pki/certificate-user-id-key.ts';
import type { UserBindingCandidate } from './policy-evaluation.ts';

/** What a username binding reads of a user. */
export interface BindableUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly onPremisesUserPrincipalName: string | null;
  readonly mail: string | null;
  readonly displayName: string | null;
  readonly accountEnabled: boolean;
  readonly certificateUserIds: readonly string[];
}

/** The user properties a binding compares a name (PrincipalName, RFC822Name) with. */
export type NameProperty = 'userPrincipalName' | 'onPremisesUserPrincipalName' | 'mail';

/**
 * The user property a binding's userProperty reads: beta's stale `email` reads `mail` (spec §1.6 says mail
 * is no binding target in v1.0; a tenant that configured it gets what it asked for). Null for a property
 * no user has.
 */
export function boundProperty(userProperty: string): NameProperty | 'certificateUserIds' | null {
  switch (userProperty) {
    case 'userPrincipalName':
    case 'onPremisesUserPrincipalName':
    case 'certificateUserIds':
      return userProperty;
    case 'email':
      return 'mail';
    default:
      return null;
  }
}

/** What a binding attempt needs: the candidate's field values and whether its field is in the certificate. */
export function fieldPresent(candidate: UserBindingCandidate): boolean {
  return candidate.values.length > 0;
}

/**
 * The certificate's value that ties it to this user through this binding, or null. Names (PrincipalName,
 * RFC822Name) compare with userPrincipalName and onPremisesUserPrincipalName ignoring case; every field
 * compares with certificateUserIds as sameCertificateUserId says; the other fields bind to nothing else.
 */
export function bindingValueFor(candidate: UserBindingCandidate, user: BindableUser): string | null {
  const property = boundProperty(candidate.userProperty);
  if (property === null) return null;
  for (const value of candidate.values) {
    if (property === 'certificateUserIds') {
      if (user.certificateUserIds.some((stored) => sameCertificateUserId(stored, value))) return value;
      continue;
    }
    const name = nameOfCertificateUserId(value);
    const attribute = user[property];
    if (name !== null && attribute !== null && attribute.toLowerCase() === name.toLowerCase()) return value;
  }
  return null;
}

/**
 * A stored certificateUserId names the offered value under the directory's match key (X509 prefix exact,
 * names and hex ignoring case, DNs trimmed; the same key makes values unique), the serial in either byte order.
 * A bare stored value (Graph stores any string) never matches: the offered ones always carry a prefix.
 */
export function sameCertificateUserId(stored: string, offered: string): boolean {
  const key = certificateUserIdMatchKey(stored);
  const other = otherSerialByteOrder(offered);
  return key === certificateUserIdMatchKey(offered) || (other !== undefined && key === certificateUserIdMatchKey(other));
}

/** The bindings in the order Entra tries them: lowest priority number first. */
export function inPriorityOrder(candidates: readonly UserBindingCandidate[]): UserBindingCandidate[] {
  return [...candidates].sort((a, b) => a.priority - b.priority);
}
