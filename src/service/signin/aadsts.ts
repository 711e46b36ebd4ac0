// The AADSTS errors a certificate sign-in ends with, worded as Entra documents them (spec
// cba-setup-and-signin.md §6, from the CRL page, the CBA troubleshooting page and the error-code
// reference), and the OAuth `error` each travels under.
import type { ReasonCode } from '../../pki/path-validation.ts';
import type { VerificationResult } from '../verification/verification-service.ts';

export type OAuthErrorCode = 'interaction_required' | 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'access_denied' | 'unsupported_response_type' | 'invalid_scope' | 'unsupported_grant_type' | 'server_error' | 'temporarily_unavailable';

/** One AADSTS error: its number, Entra's message and the OAuth error it is sent as. */
export interface AadstsError {
  readonly code: number;
  readonly error: OAuthErrorCode;
  readonly message: string;
}

const aadsts = (code: number, error: OAuthErrorCode, message: string): AadstsError => ({ code, error, message });

export const AADSTS = {
  certificateValidationFailed: (detail: string) => aadsts(50017, 'access_denied', `Validation of the given certificate for certificate-based authentication failed: ${detail}`),
  revoked: aadsts(500171, 'access_denied', 'Certificate has been revoked. Please contact your administrator.'),
  /** Entra leaves the placeholders unfilled in its log (DD); we fill them. */
  notValidInTime: (name: string, issuer: string, now: string, notBefore: string, notAfter: string) =>
    aadsts(500172, 'access_denied', `Certificate '${name}' issued by '${issuer}' is not valid. Current time: '${now}'. Certificate NotBefore: '${notBefore}'. Certificate NotAfter: '${notAfter}'.`),
  crlDownloadFailed: (status: string) =>
    aadsts(500173, 'access_denied', `Unable to download a Certificate Revocation List (CRL). Invalid status code ${status} from CRL distribution point. Please contact your administrator.`),
  crlUnparsable: aadsts(500174, 'access_denied', 'Unable to construct valid Certificate Revocation List (CRL) from response.'),
  crlMissing: aadsts(500175, 'access_denied', 'Revocation check failed because the Certificate Revocation List (CRL) for one certificate in the chain is missing.'),
  caNotSetUp: aadsts(500176, 'access_denied', 'The certificate authority that issued your certificate has not been set up in the tenant. Please contact your administrator.'),
  crlTimedOut: (uri: string) =>
    aadsts(2205012, 'access_denied', `The attempt to download the Certificate Revocation List (CRL) from '${uri}' during the interactive sign-in has timed out. We are trying to download again. Please try again in a few minutes.`),
  crlTooLarge: (uri: string, size: string) =>
    aadsts(2205014, 'access_denied', `The attempt to download the Certificate Revocation List (CRL) from '${uri}' during the interactive sign-in has exceeded the maximum allowed size (${size} bytes). The CRL is being provisioned with CRL's service download limit, please try again in a few minutes.`),
  crlBadSignature: (expectedSki: string, crlAki: string) =>
    aadsts(2205015, 'access_denied', `The Certificate Revocation List (CRL) failed signature validation. The expected SubjectKeyIdentifier ${expectedSki} does not match CRL's AuthorityKeyIdentifier ${crlAki}. Please contact your administrator.`),
  crlNotAsn1: aadsts(2205011, 'access_denied', 'The downloaded Certificate Revocation List (CRL) is not in a valid ASN.1 encoding format. Please contact your administrator.'),
  noBindingValue: aadsts(1001003, 'access_denied', 'Unable To Acquire Value Specified In Binding From Certificate'),
  userNotFound: aadsts(50034, 'access_denied', "The user account does not exist in this directory: a unique user can't be found using the username binding."),
  notInPolicyScope: aadsts(130501, 'access_denied', 'Sign in was blocked due to User Credential Policy'),
  caScopeFailed: aadsts(500189, 'access_denied', "The certificate authority that issued the certificate is not scoped to a group the user belongs to."),
  userDisabled: aadsts(50057, 'access_denied', 'The user account is disabled.'),
  noCertificate: aadsts(50192, 'invalid_request', 'RawCredentialExpectedNotFound: no client certificate was presented.'),
  mfaRequired: aadsts(50076, 'interaction_required', 'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.'),
  policyUnavailable: aadsts(1001000, 'server_error', 'Unable to acquire certificate policy from tenant.'),
  // Protocol errors (the error-code reference, E-ERR).
  appNotFound: (clientId: string, tenantId: string) =>
    aadsts(700016, 'unauthorized_client', `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`),
  redirectMismatch: (clientId: string) =>
    aadsts(50011, 'invalid_request', `The redirect URI specified in the request does not match the redirect URIs configured for the application '${clientId}'.`),
  missingParameter: (name: string) => aadsts(900144, 'invalid_request', `The request body must contain the following parameter: '${name}'.`),
  invalidParameter: (name: string, why: string) => aadsts(90100, 'invalid_request', `Invalid value for the parameter '${name}': ${why}`),
  pkceRequired: aadsts(9002325, 'invalid_request', 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.'),
  pkceMismatch: aadsts(501481, 'invalid_grant', 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  codeInvalid: aadsts(70008, 'invalid_grant', 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  codeRedeemed: aadsts(54005, 'invalid_grant', 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  clientSecretInvalid: (clientId: string) => aadsts(7000215, 'invalid_client', `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  clientSecretMissing: aadsts(7000218, 'invalid_client', "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  tenantNotFound: (tenant: string) => aadsts(90002, 'invalid_request', `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`),
  unsupportedGrantType: (grant: string) => aadsts(70003, 'unsupported_grant_type', `The app requested an unsupported grant type '${grant}'.`),
  invalidScope: (scope: string) => aadsts(70011, 'invalid_scope', `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid: '${scope}'.`),
  unsupportedResponseType: (type: string) => aadsts(700054, 'unsupported_response_type', `response_type '${type}' is not enabled for the application.`),
} as const;

/** Why a verification said no, as the AADSTS error a sign-in fails with. */
export function aadstsForVerification(result: VerificationResult, now: Date): AadstsError {
  const reason = result.reason as ReasonCode;
  const leaf = result.path[0];
  const failure = result.failure;
  switch (reason) {
    case 'untrusted_root':
    case 'depth_exceeded':
      return AADSTS.caNotSetUp;
    case 'revoked':
      return AADSTS.revoked;
    case 'expired':
    case 'not_yet_valid':
      return AADSTS.notValidInTime(leaf?.subject ?? '', leaf?.issuer ?? '', now.toISOString(), leaf?.notBefore ?? '', leaf?.notAfter ?? '');
    case 'crl_unavailable':
      return crlUnavailable(result.message, failure?.crlUrl ?? null);
    case 'crl_invalid':
      if (failure?.why === 'malformed') return AADSTS.crlNotAsn1;
      if (failure?.why === 'authority_key_identifier' || failure?.why === 'signature' || failure?.why === 'signer') return AADSTS.crlBadSignature('(the issuing CA)', '(the CRL)');
      if (failure?.why === 'expired' || failure?.why === 'not_yet_valid') return AADSTS.notValidInTime(leaf?.subject ?? '', leaf?.issuer ?? '', now.toISOString(), failure.thisUpdate ?? '', failure.nextUpdate ?? '');
      return AADSTS.crlUnparsable;
    default:
      return AADSTS.certificateValidationFailed(result.message);
  }
}

/** A CRL that could not be had: no URL where one is required, a timeout, too large, an HTTP status, or not a CRL. */
function crlUnavailable(message: string, url: string | null): AadstsError {
  if (url === null || /requires CRL validation/.test(message)) return AADSTS.crlMissing;
  if (/took longer than|within \d+ ms/.test(message)) return AADSTS.crlTimedOut(url);
  const limit = /limit of (\d+) bytes/.exec(message)?.[1];
  if (limit) return AADSTS.crlTooLarge(url, limit);
  const status = /answered HTTP (\d{3})/.exec(message)?.[1];
  return AADSTS.crlDownloadFailed(status ?? '(no response)');
}
