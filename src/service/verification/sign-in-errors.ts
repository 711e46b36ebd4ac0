// The AADSTS errors a certificate sign-in ends with (spec cba-setup-and-signin §5.4 and §6): Entra's code,
// its documented name and message with its {placeholders} filled from the verification's facts, and our
// words on what happened. Where Entra documents no code, or its wording would say something untrue of
// this failure, the choice is ours, said in the README (sign-in section).
import type { CrlDownloadProblem } from '../../pki/crl-failure.ts';
import type { ReasonCode } from '../../pki/path-validation.ts';

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
  500179: 'CRL validation timed out. Please try again later.',
  2205012: "The attempt to download the Certificate Revocation List (CRL) from '{uri}' during the interactive sign-in has timed out. We are trying to download again. Please try again in a few minutes.",
  2205014: "The attempt to download the Certificate Revocation List (CRL) from '{uri}' during the interactive sign-in has exceeded the maximum allowed size ({size} bytes). The CRL is being provisioned with CRL's service download limit, please try again in a few minutes.",
  2205015: "The Certificate Revocation List (CRL) failed signature validation. The expected SubjectKeyIdentifier {expectedSKI} does not match CRL's AuthorityKeyIdentifier {crlAK}. Please contact your administrator.",
} as const;

/**
 * Our wordings where Entra's would say something untrue of the failure, under Entra's code (README):
 * a CRL out of its validity (Entra's 500172 names a certificate's NotBefore/NotAfter), a CRL server that
 * answers no status, a download over the time or size limit (nothing here retries or provisions it in
 * the background, so Entra's "We are trying to download again" and "being provisioned" sentences go),
 * a CRL whose signature fails although its AuthorityKeyIdentifier is the CA's.
 */
const OUR_MESSAGES = {
  crlNotValidInTime: "Certificate Revocation List (CRL) '{uri}' issued by '{issuer}' is not valid. Current time: '{curTime}'. CRL ThisUpdate: '{startTime}'. CRL NextUpdate: '{endTime}'.",
  crlNoStatus: "Unable to download a Certificate Revocation List (CRL). No status code from CRL distribution point '{uri}': {why}. Please contact your administrator.",
  crlTimedOut: "The attempt to download the Certificate Revocation List (CRL) from '{uri}' during the interactive sign-in has timed out. Please try again in a few minutes.",
  crlTooLarge: "The attempt to download the Certificate Revocation List (CRL) from '{uri}' during the interactive sign-in has exceeded the maximum allowed size ({size} bytes). Please contact your administrator.",
  crlSignature: 'The Certificate Revocation List (CRL) failed signature validation: {why}. Please contact your administrator.',
} as const;

export type SignInErrorCode = keyof typeof MESSAGES;

/** The `{names}` a message holds. */
type Placeholders<T extends string> = T extends `${string}{${infer Name}}${infer Rest}` ? Name | Placeholders<Rest> : never;
type Values<T extends string> = [Placeholders<T>] extends [never] ? [] : [values: Readonly<Record<Placeholders<T>, string>>];

/** A message with its placeholders filled (the types ask for every one). */
function filled<T extends string>(template: T, ...[values]: Values<T>): string {
  const given: Readonly<Record<string, string>> = values ?? {};
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => given[name] ?? `{${name}}`);
}

/** Entra's error for the code, its message's placeholders filled from `values`. */
export function signInError<C extends SignInErrorCode>(errorCode: C, detail: string, ...values: Values<(typeof MESSAGES)[C]>): SignInError {
  return { errorCode, code: `AADSTS${errorCode}`, message: filled<string>(MESSAGES[errorCode], ...(values as [])), detail };
}

/** An error under Entra's code worded by us (OUR_MESSAGES). */
function ourError<K extends keyof typeof OUR_MESSAGES>(errorCode: SignInErrorCode, wording: K, detail: string, ...values: Values<(typeof OUR_MESSAGES)[K]>): SignInError {
  return { errorCode, code: `AADSTS${errorCode}`, message: filled<string>(OUR_MESSAGES[wording], ...(values as [])), detail };
}

/** A date as Entra prints it in its error descriptions' Timestamp line: `2016-01-09 02:02:12Z` (UTC). */
export function entraTimestamp(date: Date): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 19)}Z`;
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

export interface CrlFacts {
  readonly crlUrl: string | null;
  /** For crl_invalid: why the CRL could not be used (CrlInvalidWhy). */
  readonly why: string | null;
  /** The CRL's issuer name as text. */
  readonly issuer: string | null;
  /** ISO 8601. */
  readonly thisUpdate: string | null;
  readonly nextUpdate: string | null;
  /** Upper-case hex: the CRL's authority key identifier, and the subject key identifier of the CA it should come from. */
  readonly authorityKeyIdentifier: string | null;
  readonly expectedSubjectKeyIdentifier: string | null;
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
      if (crl?.download) return downloadError(crl.download, message);
      return crl?.crlUrl ? ourError(500173, 'crlNoStatus', message, { uri: crl.crlUrl, why: message }) : signInError(500175, message);
    case 'crl_invalid':
      switch (crl?.why) {
        case 'signer':
        case 'authority_key_identifier':
        case 'signature':
          return signatureError(crl, message);
        case 'expired':
        case 'not_yet_valid':
          return ourError(500172, 'crlNotValidInTime', message, {
            uri: crl.crlUrl ?? 'unknown',
            issuer: crl.issuer ?? 'unknown',
            curTime: entraTimestamp(failure.validationTime),
            startTime: crl.thisUpdate ? entraTimestamp(new Date(crl.thisUpdate)) : 'unknown',
            endTime: crl.nextUpdate ? entraTimestamp(new Date(crl.nextUpdate)) : 'none',
          });
        case 'malformed':
          return signInError(2205011, message);
        default:
          return signInError(500174, message);
      }
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

/** A CRL that could not be had, by cause: Entra's code for it, its message filled or, where untrue, ours. */
function downloadError(download: CrlDownloadProblem, message: string): SignInError {
  switch (download.kind) {
    case 'status':
      return signInError(500173, message, { code: httpStatusName(download.status) });
    case 'timeout':
      return ourError(2205012, 'crlTimedOut', message, { uri: download.url });
    case 'too_large':
      return ourError(2205014, 'crlTooLarge', message, { uri: download.url, size: String(download.maxBytes) });
    case 'busy':
      return signInError(500179, message);
    case 'unreachable':
      return ourError(500173, 'crlNoStatus', message, { uri: download.url, why: download.why });
  }
}

/** 2205015: Entra's words when the CRL's AKI is not the CA's SKI; ours when the signature fails for another cause. */
function signatureError(crl: CrlFacts, message: string): SignInError {
  const expected = crl.expectedSubjectKeyIdentifier;
  const found = crl.authorityKeyIdentifier;
  if (expected !== null && found !== null && expected !== found) return signInError(2205015, message, { expectedSKI: expected, crlAK: found });
  return ourError(2205015, 'crlSignature', message, { why: message });
}

/**
 * The status as .NET's HttpStatusCode names it, which Entra prints ("Invalid status code Forbidden",
 * E-FAQ); the number for statuses .NET has no single name for.
 */
export function httpStatusName(status: number): string {
  return DOTNET_STATUS_NAMES[status] ?? String(status);
}

const DOTNET_STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  402: 'PaymentRequired',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  407: 'ProxyAuthenticationRequired',
  408: 'RequestTimeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'LengthRequired',
  412: 'PreconditionFailed',
  413: 'RequestEntityTooLarge',
  414: 'RequestUriTooLong',
  415: 'UnsupportedMediaType',
  416: 'RequestedRangeNotSatisfiable',
  417: 'ExpectationFailed',
  421: 'MisdirectedRequest',
  422: 'UnprocessableEntity',
  423: 'Locked',
  424: 'FailedDependency',
  426: 'UpgradeRequired',
  428: 'PreconditionRequired',
  429: 'TooManyRequests',
  431: 'RequestHeaderFieldsTooLarge',
  451: 'UnavailableForLegalReasons',
  500: 'InternalServerError',
  501: 'NotImplemented',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
  505: 'HttpVersionNotSupported',
  506: 'VariantAlsoNegotiates',
  507: 'InsufficientStorage',
  508: 'LoopDetected',
  510: 'NotExtended',
  511: 'NetworkAuthenticationRequired',
};
