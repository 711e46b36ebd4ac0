// The one step of a sign-in that finds the user a trusted certificate signs in: Entra's username binding
// (spec §5.2) with the tenant's certificateUserBindings, affinity and the user checks of §10. It is
// kept behind this one function so the sign-in follows whatever the verification use case resolves.
import type { SignedInUser } from '../../auth/oidc-tokens.ts';
import type { VerificationResult } from '../verification/verification-service.ts';
import { AADSTS, type AadstsError } from './aadsts.ts';

export type BindingResult =
  | {
      readonly ok: true;
      readonly user: SignedInUser;
      /** As Entra's log writes it: "Certificate: PrincipalName; user attribute: userPrincipalName; Rank: 1". */
      readonly binding: string;
    }
  | { readonly ok: false; readonly error: AadstsError; readonly detail: string };

/** Finds the user a trusted certificate (its verification verdict) signs in; `loginHint` is the name the user typed. */
export type UserBinder = (tenantId: string, verdict: VerificationResult, loginHint: string | undefined) => Promise<BindingResult>;

/** No directory of users to bind to: every sign-in ends with Entra's "no unique user" (AADSTS50034). */
export const noDirectoryBinder: UserBinder = async () => ({ ok: false, error: AADSTS.userNotFound, detail: 'the tenant has no users to bind the certificate to' });
