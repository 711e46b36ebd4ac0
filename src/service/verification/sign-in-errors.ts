// The AADSTS errors a certificate sign-in ends with (spec cba-setup-and-signin §5.4 and §6): Entra's code,
// its documented name and message with its {placeholders} filled from the verification's facts, and our
// words on what happened. Where Entra documents no code, or its wording would say something untrue of
// this failure, the choice is ours, said in the README (sign-in section).
import { type AadstsCode, type AadstsError, type AadstsValues, aadstsError, crlDownloadError, crlInvalidError, type CrlMessageFacts, entraTimestamp } from '../../pki/aadsts-messages.ts';
import type { CrlDownloadProblem, CrlInvalidWhy } from '../../pki/crl-failure.ts';
import type { ReasonCode } from '../../pki/path-validation.ts';

export { entraTimestamp, httpStatusName } from '../../pki/aadsts-messages.ts';

export interface SignInError {
  /** The AADSTS number, as a sign-in log's status.errorCode carries it. */
  readonly errorCode: number;
  /** `AADSTS<number>`, as Entra's error_description starts. */
  readonly code: string;
  /** Entra's documented message for the code, its placeholders filled. */
  readonly message: string;
  /** What this sign-in ran into, in our words. */
  readonly detail: string;
}

export type SignInErrorCode = AadstsCode;

/** Entra's error for the code, its message's placeholders filled from `values`. */
export function signInError<C extends SignInErrorCode>(errorCode: C, detail: string, ...values: AadstsValues<C>): SignInError {
  return withDetail(aadstsError(errorCode, ...values), detail);
}

function withDetail(error: AadstsError, detail: string): SignInError {
  return { errorCode: error.errorCode, code: `AADSTS${error.errorCode}`, message: error.message, detail };
}

/** What the verification knew when the certificate was not trusted: the facts Entra's messages name. */
export interface CertificateFailure {
  readonly reason: ReasonCode;
  /** The verification's message (the error's detail). */
  readonly message: string;
  readonly validationTime: Date;
  /** For expired and not_yet_valid: the certificate outside its validity period. */
  readonly certificate: { readonly subjectText: string; readonly issuerText: string; readonly notBefore: Date; readonly notAfter: Date } | null;
  /** When a CRL failed the check: the CRL as far as it is known. */
  readonly crl: CrlFacts | null;
}

export interface CrlFacts extends CrlMessageFacts {
  /** For crl_invalid: why the CRL could not be used (CrlInvalidWhy). */
  readonly why: string | null;
  /** For crl_unavailable: why the download failed. */
  readonly download: CrlDownloadProblem | null;
}

/**
 * The error of a certificate that is not trusted: the CRL codes of Entra's CRL table where one fits, the
 * CA-not-set-up code for an unknown issuer, and CertificateValidationFailed for the path checks Entra
 * gives no code of their own. A CRL the policy requires but the CA lacks is 500175 (spec §6 [ours]).
 */
export function certificateError(failure: CertificateFailure): SignInError {
  const { reason, message, crl } = failure;
  switch (reason) {
    case 'untrusted_root':
      return signInError(500176, message);
    case 'revoked':
      return signInError(500171, message);
    case 'expired':
    case 'not_yet_valid':
      return certificateNotValid(failure);
    case 'crl_unavailable':
      if (crl?.download) return withDetail(crlDownloadError(crl.download), message);
      return crl?.crlUrl ? withDetail(crlDownloadError({ kind: 'unreachable', url: crl.crlUrl, why: message }), message) : signInError(500175, message);
    case 'crl_invalid':
      return withDetail(crlInvalidError((crl?.why ?? null) as CrlInvalidWhy | null, crl ?? NO_CRL_FACTS, failure.validationTime, message), message);
    default:
      return signInError(50017, message);
  }
}

function certificateNotValid(failure: CertificateFailure): SignInError {
  const certificate = failure.certificate;
  if (!certificate) return signInError(50017, failure.message);
  return signInError(500172, failure.message, {
    name: certificate.subjectText,
    issuer: certificate.issuerText,
    curTime: entraTimestamp(failure.validationTime),
    startTime: entraTimestamp(certificate.notBefore),
    endTime: entraTimestamp(certificate.notAfter),
  });
}

const NO_CRL_FACTS: CrlMessageFacts = { crlUrl: null, issuer: null, thisUpdate: null, nextUpdate: null, authorityKeyIdentifier: null, expectedSubjectKeyIdentifier: null };
