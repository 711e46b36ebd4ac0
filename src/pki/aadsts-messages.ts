// Entra's AADSTS messages for certificate sign-in failures, and the message a CRL failure gets by its
// cause: Entra's text with its {placeholders} filled from the facts known, or our wording where Entra's
// would say something untrue of the failure (README, sign-in section). One table and one mapping, here
// in pki/ so the sign-in errors (service/) and the CRL health checks (pki/) give the same message for
// the same cause.
import type { CrlDownloadProblem, CrlInvalidWhy } from './crl-failure.ts';

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
  500177: 'Certificate Revocation List (CRL) misconfigured. Delta CRL distribution point is configured without a corresponding base CRL distribution point. Please contact your administrator.',
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

export type AadstsCode = keyof typeof MESSAGES;

/** An AADSTS code with its message, placeholders filled. */
export interface AadstsError {
  readonly errorCode: AadstsCode;
  readonly message: string;
}

/** The `{names}` a message holds. */
type Placeholders<T extends string> = T extends `${string}{${infer Name}}${infer Rest}` ? Name | Placeholders<Rest> : never;
export type Values<T extends string> = [Placeholders<T>] extends [never] ? [] : [values: Readonly<Record<Placeholders<T>, string>>];
/** The values Entra's message for the code needs (none for a message without placeholders). */
export type AadstsValues<C extends AadstsCode> = Values<(typeof MESSAGES)[C]>;

/** A message with its placeholders filled (the types ask for every one). */
function filled<T extends string>(template: T, ...[values]: Values<T>): string {
  const given: Readonly<Record<string, string>> = values ?? {};
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => given[name] ?? `{${name}}`);
}

/** Entra's message for the code, its placeholders filled from `values`. */
export function aadstsError<C extends AadstsCode>(errorCode: C, ...values: AadstsValues<C>): AadstsError {
  return { errorCode, message: filled<string>(MESSAGES[errorCode], ...(values as [])) };
}

/** An error under Entra's code worded by us (OUR_MESSAGES). */
function ourError<K extends keyof typeof OUR_MESSAGES>(errorCode: AadstsCode, wording: K, ...values: Values<(typeof OUR_MESSAGES)[K]>): AadstsError {
  return { errorCode, message: filled<string>(OUR_MESSAGES[wording], ...(values as [])) };
}

/** A date as Entra prints it in its error descriptions' Timestamp line: `2016-01-09 02:02:12Z` (UTC). */
export function entraTimestamp(date: Date): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 19)}Z`;
}

/** A CRL that could not be had, by cause: Entra's code for it, its message filled or, where untrue, ours. */
export function crlDownloadError(download: CrlDownloadProblem): AadstsError {
  switch (download.kind) {
    case 'status':
      return aadstsError(500173, { code: httpStatusName(download.status) });
    case 'timeout':
      return ourError(2205012, 'crlTimedOut', { uri: download.url });
    case 'too_large':
      return ourError(2205014, 'crlTooLarge', { uri: download.url, size: String(download.maxBytes) });
    case 'busy':
      return aadstsError(500179);
    case 'unreachable':
      return ourError(500173, 'crlNoStatus', { uri: download.url, why: download.why });
  }
}

/** What a message about an unusable CRL names of it; null where it is not known. */
export interface CrlMessageFacts {
  readonly crlUrl: string | null;
  /** The CRL's issuer name as text. */
  readonly issuer: string | null;
  /** ISO 8601. */
  readonly thisUpdate: string | null;
  readonly nextUpdate: string | null;
  /** Upper-case hex: the CRL's authority key identifier, and the subject key identifier of the CA it should come from. */
  readonly authorityKeyIdentifier: string | null;
  readonly expectedSubjectKeyIdentifier: string | null;
}

/**
 * A CRL that could not be used, by why (CrlInvalidWhy; null when unknown), at time `at`: 2205015 for a
 * CRL not signed by its CA (Entra's words when the AKI is not the CA's SKI, ours otherwise, `message`
 * saying what failed), 500172 in our words for a CRL out of its validity, 2205011 for a body that is not
 * ASN.1 DER, else 500174 (Entra's "Unable to construct valid CRL": DER but no usable CRL, and the rest). Missing facts read 'unknown' ('none' for a missing NextUpdate).
 */
export function crlInvalidError(why: CrlInvalidWhy | null, crl: CrlMessageFacts, at: Date, message: string): AadstsError {
  switch (why) {
    case 'signer':
    case 'authority_key_identifier':
    case 'crl_sign_usage':
    case 'signature':
      return crlSignatureError(crl, message);
    case 'expired':
    case 'not_yet_valid':
      return ourError(500172, 'crlNotValidInTime', {
        uri: crl.crlUrl ?? 'unknown',
        issuer: crl.issuer ?? 'unknown',
        curTime: entraTimestamp(at),
        startTime: crl.thisUpdate ? entraTimestamp(new Date(crl.thisUpdate)) : 'unknown',
        endTime: crl.nextUpdate ? entraTimestamp(new Date(crl.nextUpdate)) : 'none',
      });
    case 'malformed':
      return aadstsError(2205011);
    case 'not_a_valid_crl':
      return aadstsError(500174);
    default:
      // A critical extension not understood, out of scope, a delta for another base, a replay, or not known.
      return aadstsError(500174);
  }
}

/** 2205015: Entra's words when the CRL's AKI is not the CA's SKI; ours when the signature fails for another cause. */
function crlSignatureError(crl: CrlMessageFacts, message: string): AadstsError {
  const expected = crl.expectedSubjectKeyIdentifier;
  const found = crl.authorityKeyIdentifier;
  if (expected !== null && found !== null && expected !== found) return aadstsError(2205015, { expectedSKI: expected, crlAK: found });
  return ourError(2205015, 'crlSignature', { why: message });
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
