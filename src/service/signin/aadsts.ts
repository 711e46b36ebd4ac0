// The AADSTS errors of the OAuth protocol around a certificate sign-in (Entra's error-code reference,
// spec §6: unknown client, redirect mismatch, PKCE, codes, secrets; no certificate presented), worded
// as Entra documents them, with the OAuth `error` each travels under. The errors of the certificate and
// the user are the verification use case's (service/verification/sign-in-errors.ts).

export type OAuthErrorCode = 'interaction_required' | 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'access_denied' | 'unsupported_response_type' | 'invalid_scope' | 'unsupported_grant_type' | 'server_error' | 'temporarily_unavailable';

/** One AADSTS error: its number, Entra's message and the OAuth error it is sent as. */
export interface AadstsError {
  readonly code: number;
  readonly error: OAuthErrorCode;
  readonly message: string;
}

const aadsts = (code: number, error: OAuthErrorCode, message: string): AadstsError => ({ code, error, message });

export const AADSTS = {
  noCertificate: aadsts(50192, 'invalid_request', 'RawCredentialExpectedNotFound: no client certificate was presented.'),
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
  // Refresh tokens (E-ERR: 70008 ExpiredOrRevokedGrant, 70000 InvalidGrant, 50057 UserDisabled, 50034 UserAccountNotFound).
  refreshTokenInvalid: aadsts(70000, 'invalid_grant', "InvalidGrant - Authentication failed. The refresh token isn't valid."),
  userDisabled: aadsts(50057, 'invalid_grant', 'UserDisabled - The user account is disabled.'),
  userNotFound: aadsts(50034, 'invalid_grant', 'UserAccountNotFound - To sign into this application, the account must be added to the directory.'),
  codeRedeemed: aadsts(54005, 'invalid_grant', 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  clientSecretInvalid: (clientId: string) => aadsts(7000215, 'invalid_client', `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  clientSecretMissing: aadsts(7000218, 'invalid_client', "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  tenantNotFound: (tenant: string) => aadsts(90002, 'invalid_request', `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`),
  unsupportedGrantType: (grant: string) => aadsts(70003, 'unsupported_grant_type', `The app requested an unsupported grant type '${grant}'.`),
  invalidScope: (scope: string) => aadsts(70011, 'invalid_scope', `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid: '${scope}'.`),
  // A code redemption or refresh asking for more than its grant (RFC 6749 §6; entra-docs v2-oauth2-auth-code-flow:
  // the original request's scopes or a subset of them).
  scopeNotGranted: (scopes: readonly string[], grantedTo: 'authorization code' | 'refresh token') =>
    aadsts(70011, 'invalid_scope', `The provided value for the input parameter 'scope' is not valid. Not granted to this ${grantedTo}: ${scopes.map((name) => `'${name}'`).join(', ')}. A token request may ask for the original sign-in's scopes or fewer; more need a new authorization request.`),
  unsupportedResponseType: (type: string) => aadsts(700054, 'unsupported_response_type', `response_type '${type}' is not enabled for the application.`),
} as const;
