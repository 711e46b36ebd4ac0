// The AADSTS errors a certificate sign-in ends with (spec cba-setup-and-signin §5.4 and §6): Entra's code,
// its documented name and message, and our words on what happened. Where Entra documents no code, the
// choice is the spec's [ours] one, said in the README.
import type { ReasonCode } from '../../pki/path-validation.ts';

export interface SignInError {
  /** The AADSTS number, as a sign-in log's status.errorCode carries it. */
  readonly errorCode: number;
  /** `AADSTS<number>`, as Entra's error_description starts. */
  readonly code: string;
  /** Entra's documented message for the code. */
  readonly message: string;
  /** What this sign-in ran into, in our words. */
  readonly detail: string;
}

const MESSAGES = {
  50017: 'CertificateValidationFailed - Certification validation failed.',
  50034: 'UserAccountNotFound - Your account or password is incorrect: a unique user can\'t be found using the username binding.',
  50057: 'UserDisabled - The user account is disabled.',
  130501: 'Sign in was blocked due to User Credential Policy.',
  500171: 'Certificate has been revoked. Please contact your administrator.',
  500172: "Certificate '{name}' issued by '{issuer}' is not valid. Current time: '{curTime}'. Certificate NotBefore: '{startTime}'. Certificate NotAfter: '{endTime}'.",
  500173: 'Unable to download a Certificate Revocation List (CRL). Invalid status code {code} from CRL distribution point. Please contact your administrator.',
  500174: 'Unable to construct valid Certificate Revocation List (CRL) from response.',
  500175: 'Revocation check failed because the Certificate Revocation List (CRL) for one certificate in the chain is missing.',
  500176: 'The certificate authority that issued your certificate has not been set up in the tenant. Please contact your administrator.',
  500189: 'Certificate authority scoping rule failed: the issuing CA is not scoped to a group the user belongs to.',
  1001003: 'Unable To Acquire Value Specified In Binding From Certificate',
  2205011: 'The downloaded Certificate Revocation List (CRL) is not in a valid ASN.1 encoding format. Please contact your administrator.',
  2205015: "The Certificate Revocation List (CRL) failed signature validation. The expected SubjectKeyIdentifier {expectedSKI} does not match CRL's AuthorityKeyIdentifier {crlAK}. Please contact your administrator.",
} as const;

export type SignInErrorCode = keyof typeof MESSAGES;

export function signInError(errorCode: SignInErrorCode, detail: string): SignInError {
  return { errorCode, code: `AADSTS${errorCode}`, message: MESSAGES[errorCode], detail };
}

/**
 * The error of a certificate that is not trusted: the CRL codes of Entra's CRL table where one fits, the
 * CA-not-set-up code for an unknown issuer, and CertificateValidationFailed for the path checks Entra
 * gives no code of their own. A CRL the policy requires but the CA lacks is 500175 (spec §6 [ours]).
 */
export function certificateError(reason: ReasonCode, message: string, crl: { readonly crlUrl: string | null; readonly why: string | null } | null): SignInError {
  switch (reason) {
    case 'untrusted_root':
      return signInError(500176, message);
    case 'revoked':
      return signInError(500171, message);
    case 'expired':
    case 'not_yet_valid':
      return signInError(500172, message);
    case 'crl_unavailable':
      return signInError(crl && crl.crlUrl !== null ? 500173 : 500175, message);
    case 'crl_invalid':
      switch (crl?.why) {
        case 'signer':
        case 'authority_key_identifier':
        case 'signature':
          return signInError(2205015, message);
        case 'expired':
        case 'not_yet_valid':
          return signInError(500172, message);
        case 'malformed':
          return signInError(2205011, message);
        default:
          return signInError(500174, message);
      }
    default:
      return signInError(50017, message);
  }
}
