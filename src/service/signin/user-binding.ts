// The one step of a sign-in that finds the user a trusted certificate signs in: Entra's username binding
// (spec §5.2) with the tenant's certificateUserBindings in priority order, high affinity dropping the
// low-affinity bindings, then the user checks of §10 (enabled). With a login_hint (the name typed at
// sign-in) the certificate must bind to that user; without one, the binding must find exactly one user
// (username-less). Kept behind this one function so the sign-in can follow the verification use case's
// own user resolution once it has one.
import type { SignedInUser } from '../../auth/oidc-tokens.ts';
import type { UserRecord, UserService } from '../directory/user-service.ts';
import type { UserBindingCandidate } from '../verification/policy-evaluation.ts';
import { bindingValueFor, boundProperty, fieldPresent, inPriorityOrder } from '../verification/user-binding.ts';
import type { VerificationResult } from '../verification/verification-service.ts';
import { AADSTS, type AadstsError } from './aadsts.ts';
import type { DirectoryRoleService } from './directory-roles.ts';

export type BindingResult =
  | {
      readonly ok: true;
      readonly user: SignedInUser;
      /** As Entra's log writes it: "Certificate: PrincipalName; user attribute: userPrincipalName; Rank: 1". */
      readonly binding: string;
    }
  | { readonly ok: false; readonly error: AadstsError; readonly detail: string; readonly user?: SignedInUser | undefined };

/** Finds the user a trusted certificate (its verification verdict) signs in; `loginHint` is the name the user typed. */
export type UserBinder = (tenantId: string, verdict: VerificationResult, loginHint: string | undefined) => Promise<BindingResult>;

export function directoryBinder(users: UserService, roles: DirectoryRoleService): UserBinder {
  return async (tenantId, verdict, loginHint) => {
    const candidates = inPriorityOrder(verdict.policy?.userBindingCandidates ?? []);
    let hinted: UserRecord | undefined;
    if (loginHint !== undefined && loginHint !== '') {
      hinted = (await users.findByUserProperty(tenantId, 'userPrincipalName', loginHint))[0];
      if (!hinted) return { ok: false, error: AADSTS.userNotFound, detail: `no user has the userPrincipalName '${loginHint}'` };
    }
    const present = candidates.filter(fieldPresent);
    if (present.length === 0) return { ok: false, error: AADSTS.noBindingValue, detail: 'the certificate has none of the fields the certificateUserBindings name' };
    const usable = present.filter((candidate) => candidate.usable);
    if (usable.length === 0) {
      return { ok: false, error: AADSTS.noBindingValue, detail: `high affinity is required and the certificate has only low-affinity binding fields (${present.map(describeField).join(', ')})` };
    }
    for (const candidate of usable) {
      const found = hinted ? (bindingValueFor(candidate, hinted) !== null ? [hinted] : []) : await usersBoundBy(users, tenantId, candidate);
      if (found.length > 1) return { ok: false, error: AADSTS.userNotFound, detail: `${found.length} users match the binding ${describe(candidate)}: a unique user can't be found` };
      const user = found[0];
      if (!user) continue;
      const signedIn: SignedInUser = { id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName, directoryRoles: await roles.rolesOf(tenantId, user.id) };
      if (!user.accountEnabled) return { ok: false, error: AADSTS.userDisabled, detail: `the user '${user.userPrincipalName}' is disabled (accountEnabled false)`, user: signedIn };
      return { ok: true, user: signedIn, binding: describe(candidate) };
    }
    return {
      ok: false,
      error: AADSTS.userNotFound,
      detail: hinted ? `no binding ties the certificate to '${hinted.userPrincipalName}'` : 'no user matches any binding of the certificate',
    };
  };
}

/** The live users a binding finds for any of the certificate's values of its field. */
async function usersBoundBy(users: UserService, tenantId: string, candidate: UserBindingCandidate): Promise<UserRecord[]> {
  const property = boundProperty(candidate.userProperty);
  if (property === null) return [];
  const found = new Map<string, UserRecord>();
  for (const value of candidate.values) {
    // Names bind as themselves; certificateUserIds hold the prefixed value.
    const looked = property === 'certificateUserIds' ? await users.findByCertificateUserId(tenantId, value).then((u) => (u ? [u] : [])) : await users.findByUserProperty(tenantId, property, nameOf(value));
    for (const user of looked) if (bindingValueFor(candidate, user) !== null) found.set(user.id, user);
  }
  return [...found.values()];
}

/** The name inside a certificateUserIds value `X509:<PN>name` or `X509:<RFC822>name`; the value itself otherwise. */
function nameOf(value: string): string {
  return /^X509:<(?:PN|RFC822)>(.*)$/.exec(value)?.[1] ?? value;
}

function describeField(candidate: UserBindingCandidate): string {
  return `${candidate.x509CertificateField} (${candidate.affinity})`;
}

function describe(candidate: UserBindingCandidate): string {
  return `Certificate: ${candidate.x509CertificateField}; user attribute: ${candidate.userProperty}; Rank: ${candidate.priority}`;
}
