// What a failed revocation check knows about the CRL it failed on, carried by ValidationFailure so a
// verdict can name the CRL (its number and dates) and, for crl_invalid, why it could not be used.
/** Why a CRL could not be used: the `why` of a crl_invalid verdict (listed in the OpenAPI document too). */
export const CRL_INVALID_WHYS = [
  'signer',
  'authority_key_identifier',
  'crl_sign_usage',
  'signature',
  'expired',
  'not_yet_valid',
  'critical_extension',
  'scope',
  'delta_base_mismatch',
  'number_regressed',
  // Not ASN.1 DER at all (PEM text, an HTML page): Entra's AADSTS2205011.
  'malformed',
  // DER, but not a CRL that can be used: another structure, no CRL number or nextUpdate, a critical CRL
  // number, an undecodable issuingDistributionPoint, what we do not implement (v1): Entra's AADSTS500174.
  'not_a_valid_crl',
] as const;
export type CrlInvalidWhy = (typeof CRL_INVALID_WHYS)[number];

export interface CrlFailureDetail {
  /** Whether the CRL at fault (or the one that lists the certificate) is a base or a delta CRL. */
  readonly kind: 'base' | 'delta';
  /** For crl_invalid: why the CRL could not be used. */
  readonly why?: CrlInvalidWhy;
  /** cRLNumber, decimal. */
  readonly crlNumber?: string;
  /** ISO 8601. */
  readonly thisUpdate?: string;
  /** ISO 8601; null when the CRL has no nextUpdate. */
  readonly nextUpdate?: string | null;
  /** The CRL's issuer name as text. */
  readonly issuer?: string;
  /** The CRL's authority key identifier, upper-case hex, when it has one. */
  readonly authorityKeyIdentifier?: string;
}

/**
 * Why a CRL could not be had (crl_unavailable), as Entra's CRL error table tells the causes apart: an
 * HTTP status from the distribution point, a download over the time or size limit, no slot to load it
 * in time, or no answer at all (refused connection, DNS, refused address).
 */
export type CrlDownloadProblem =
  | { readonly kind: 'status'; readonly url: string; readonly status: number }
  | { readonly kind: 'timeout'; readonly url: string }
  | { readonly kind: 'too_large'; readonly url: string; readonly maxBytes: number }
  | { readonly kind: 'busy'; readonly url: string }
  | { readonly kind: 'unreachable'; readonly url: string; readonly why: string };
