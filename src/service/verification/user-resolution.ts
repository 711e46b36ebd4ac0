// "Which user would this certificate sign in?" (spec cba-setup-and-signin §5, §10): with the name typed at
// sign-in, that one user is looked up and the tenant's certificateUserBindings are tried against it in
// priority order; without one (username-less sign-in) each binding in turn looks for the users holding the
// certificate's value, and the first binding that finds exactly one user wins. Then the account, the x509
// method's targets and the issuing CA's scope are checked, and the authentication binding says single- or
// multi-factor. Every failure is Entra's AADSTS error for it (sign-in-errors.ts).
import { nameOfCertificateUserId } from '../../pki/certificate-user-ids.ts';
import { ALL_USERS, type X509AuthenticationMode, type X509Policy, type X509PolicyTarget } from '../authentication-methods/x509-policy-service.ts';
import type { PolicyVerdict, UserBindingCandidate } from './policy-evaluation.ts';
import { type SignInError, signInError } from './sign-in-errors.ts';
import { type BindableUser, bindingValueFor, boundProperty, fieldPresent, inPriorityOrder, type NameProperty } from './user-binding.ts';

/** The directory reads user resolution needs (the users service in service/directory answers them). */
export interface UserDirectoryLookups {
  /** Users whose property equals the value (userPrincipalName ignoring case). */
  findByUserProperty(tenantId: string, property: NameProperty, value: string): Promise<readonly BindableUser[]>;
  /** The user holding this certificateUserIds value (values are unique in a tenant), if any. */
  findByCertificateUserId(tenantId: string, value: string): Promise<BindableUser | undefined>;
}

/** The binding that tied the certificate to the user. */
export interface MatchedBinding {
  readonly priority: number;
  readonly x509CertificateField: string;
  readonly userProperty: string;
  readonly trustAffinityLevel: string;
  /** The certificate's value, written as a certificateUserId (`X509:<PN>…`). */
  readonly value: string;
}

export interface SignInUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string | null;
  readonly accountEnabled: boolean;
}

export interface SignInOutcome {
  readonly succeeded: boolean;
  /** The name typed at sign-in; null for a username-less sign-in. */
  readonly userPrincipalName: string | null;
  /** The user signed in, or the one the failure is about when it is known. */
  readonly user: SignInUser | null;
  readonly binding: MatchedBinding | null;
  /** The authentication binding's verdict when the sign-in succeeds, else null. */
  readonly authenticationMode: X509AuthenticationMode | null;
  /** As a sign-in log's authenticationRequirement says it. */
  readonly authenticationRequirement: 'singleFactorAuthentication' | 'multiFactorAuthentication' | null;
  readonly error: SignInError | null;
}

export interface SignInInput {
  readonly tenantId: string;
  readonly userPrincipalName: string | undefined;
  readonly policy: X509Policy;
  /** The policy's verdict on a trusted path; null when the certificate is not trusted. */
  readonly verdict: PolicyVerdict | null;
  /** Why the certificate is not trusted (null when it is). */
  readonly certificateError: SignInError | null;
}

export async function resolveSignIn(directory: UserDirectoryLookups, input: SignInInput): Promise<SignInOutcome> {
  const typed = input.userPrincipalName ?? null;
  const fail = (error: SignInError, user: BindableUser | null = null): SignInOutcome => ({
    succeeded: false,
    userPrincipalName: typed,
    user: user && userOf(user),
    binding: null,
    authenticationMode: null,
    authenticationRequirement: null,
    error,
  });
  // Entra finds the typed user and checks the account and the method's scope before the certificate.
  let user: BindableUser | null = null;
  if (typed !== null) {
    user = (await directory.findByUserProperty(input.tenantId, 'userPrincipalName', typed)).find((u) => u.userPrincipalName.toLowerCase() === typed.toLowerCase()) ?? null;
    if (!user) return fail(signInError(50034, `no user has the userPrincipalName '${typed}'`));
    const blocked = accountOrScopeError(user, input);
    if (blocked) return fail(blocked, user);
  } else if (input.policy.state !== 'enabled') {
    return fail(signInError(130501, 'the x509 certificate authentication method is disabled in this tenant'));
  }
  if (input.certificateError || !input.verdict) return fail(input.certificateError ?? signInError(50017, 'the certificate is not trusted'), user);
  const verdict = input.verdict;

  // The typed user's CA scope is checked before the binding (§10: 5 then 6); a user found by the binding, after it.
  if (user) {
    const outOfScope = caScopeError(verdict, user);
    if (outOfScope) return fail(outOfScope, user);
  }
  const found = user ? bindTypedUser(verdict, user) : await bindWithoutUsername(directory, input.tenantId, verdict);
  if ('error' in found) return fail(found.error, user);
  if (!user) {
    user = found.user;
    const blocked = accountOrScopeError(user, input) ?? caScopeError(verdict, user);
    if (blocked) return fail(blocked, user);
  }
  return {
    succeeded: true,
    userPrincipalName: typed,
    user: userOf(user),
    binding: found.binding,
    authenticationMode: verdict.authenticationMode,
    authenticationRequirement: verdict.authenticationMode === 'x509CertificateMultiFactor' ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    error: null,
  };
}

type BindingResult = { readonly user: BindableUser; readonly binding: MatchedBinding } | { readonly error: SignInError };

/** §5.2 against the typed user: the first usable binding whose field the certificate has and the user holds. */
function bindTypedUser(verdict: PolicyVerdict, user: BindableUser): BindingResult {
  for (const candidate of usableBindings(verdict)) {
    const value = bindingValueFor(candidate, user);
    if (value !== null) return { user, binding: matched(candidate, value) };
  }
  const dropped = droppedBindings(verdict).find((candidate) => bindingValueFor(candidate, user) !== null);
  return { error: noMatchError(verdict, dropped ? `${user.userPrincipalName} only through the low-affinity binding ${describe(dropped)}` : null, () => `the certificate matches ${user.userPrincipalName} through none of the bindings`) };
}

/** §5.2 over the whole tenant: the first binding that finds users decides; two or more users is no unique user. */
async function bindWithoutUsername(directory: UserDirectoryLookups, tenantId: string, verdict: PolicyVerdict): Promise<BindingResult> {
  for (const candidate of usableBindings(verdict)) {
    const users = await usersMatching(directory, tenantId, candidate);
    if (users.length > 1) {
      const names = users.map((u) => u.userPrincipalName).join(', ');
      return { error: signInError(50034, `the binding ${describe(candidate)} matches ${users.length} users (${names}): no unique user`) };
    }
    const [user] = users;
    if (user) return { user, binding: matched(candidate, bindingValueFor(candidate, user) as string) };
  }
  let droppedMatch: string | null = null;
  for (const candidate of droppedBindings(verdict)) {
    const [user] = await usersMatching(directory, tenantId, candidate);
    if (user) {
      droppedMatch = `${user.userPrincipalName} only through the low-affinity binding ${describe(candidate)}`;
      break;
    }
  }
  return { error: noMatchError(verdict, droppedMatch, () => 'no user of the tenant holds a value of the certificate through the bindings') };
}

/**
 * Nothing bound: a certificate that has none of the usable bindings' fields is 1001003; so is one that
 * matches only through low-affinity bindings while high is required (Entra documents no code: spec §6
 * [ours]); otherwise no user was found, 50034.
 */
function noMatchError(verdict: PolicyVerdict, droppedMatch: string | null, noUser: () => string): SignInError {
  if (droppedMatch !== null) {
    return signInError(1001003, `high affinity is required, and the certificate matches ${droppedMatch}`);
  }
  const usable = usableBindings(verdict);
  if (!usable.some(fieldPresent)) {
    const fields = usable.map((c) => c.x509CertificateField);
    return signInError(
      1001003,
      fields.length === 0
        ? 'no binding can be used: every binding is low affinity and high affinity is required'
        : `the certificate has none of the fields the bindings read (${[...new Set(fields)].join(', ')})`,
    );
  }
  return signInError(50034, noUser());
}

/** Users the binding ties the certificate to, each once, found by look-ups and then compared as the typed path compares. */
async function usersMatching(directory: UserDirectoryLookups, tenantId: string, candidate: UserBindingCandidate): Promise<BindableUser[]> {
  const property = boundProperty(candidate.userProperty);
  if (property === null) return [];
  const found = new Map<string, BindableUser>();
  for (const value of candidate.values) {
    if (property === 'certificateUserIds') {
      // The directory finds the value under its match key, the serial in either byte order.
      const user = await directory.findByCertificateUserId(tenantId, value);
      if (user) found.set(user.id, user);
      continue;
    }
    const name = nameOfCertificateUserId(value);
    if (name === null) continue;
    for (const user of await directory.findByUserProperty(tenantId, property, name)) found.set(user.id, user);
  }
  return [...found.values()].filter((user) => bindingValueFor(candidate, user) !== null);
}

function usableBindings(verdict: PolicyVerdict): UserBindingCandidate[] {
  return inPriorityOrder(verdict.userBindingCandidates).filter((c) => !belowRequiredAffinity(verdict, c));
}

function droppedBindings(verdict: PolicyVerdict): UserBindingCandidate[] {
  return inPriorityOrder(verdict.userBindingCandidates).filter((c) => belowRequiredAffinity(verdict, c) && fieldPresent(c));
}

function belowRequiredAffinity(verdict: PolicyVerdict, candidate: UserBindingCandidate): boolean {
  return verdict.requiredAffinityLevel === 'high' && candidate.affinity !== 'high';
}

/** A disabled account is 50057; a user the x509 method is not for (disabled method, not targeted, excluded) is 130501. */
function accountOrScopeError(user: BindableUser, input: SignInInput): SignInError | null {
  if (!user.accountEnabled) return signInError(50057, `the account of ${user.userPrincipalName} is disabled (accountEnabled is false)`);
  if (input.policy.state !== 'enabled') return signInError(130501, 'the x509 certificate authentication method is disabled in this tenant');
  if (!targetsHold(input.policy.includeTargets, user)) return signInError(130501, `${user.userPrincipalName} is not in the includeTargets of the x509 certificate authentication method`);
  if (targetsHold(input.policy.excludeTargets, user)) {
    return signInError(130501, `${user.userPrincipalName} is in the excludeTargets of the x509 certificate authentication method`);
  }
  return null;
}

/** A scoped issuing CA (the nearest scoped CA of the path) admits only the users its includeTargets hold: else 500189. */
function caScopeError(verdict: PolicyVerdict, user: BindableUser): SignInError | null {
  const scope = verdict.certificateAuthorityScope;
  if (!scope || targetsHold(scope.includeTargets, user)) return null;
  return signInError(500189, `the CA scope of subjectKeyIdentifier ${scope.subjectKeyIdentifier} does not include ${user.userPrincipalName}`);
}

/** `all_users`, or a user target naming this user; the directory holds no groups, so no other group holds anyone. */
function targetsHold(targets: readonly X509PolicyTarget[], user: BindableUser): boolean {
  return targets.some((t) => t.id === ALL_USERS || (t.targetType === 'user' && t.id === user.id));
}

function matched(candidate: UserBindingCandidate, value: string): MatchedBinding {
  return {
    priority: candidate.priority,
    x509CertificateField: candidate.x509CertificateField,
    userProperty: candidate.userProperty,
    trustAffinityLevel: candidate.affinity,
    value,
  };
}

function describe(candidate: UserBindingCandidate): string {
  return `${candidate.x509CertificateField} → ${candidate.userProperty} (priority ${candidate.priority}, ${candidate.affinity} affinity)`;
}

function userOf(user: BindableUser): SignInUser {
  return { id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName, accountEnabled: user.accountEnabled };
}
