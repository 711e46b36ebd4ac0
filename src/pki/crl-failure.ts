// What a failed revocation check knows about the CRL it failed on, carried by ValidationFailure so a
// verdict can name the CRL (its number and dates) and, for crl_invalid, why it could not be used.
export type CrlInvalidWhy =
  | 'signer'
  | 'authority_key_identifier'
  | 'crl_sign_usage'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'critical_extension'
  | 'scope'
  | 'delta_base_mismatch'
  | 'number_regressed'
  | 'malformed';

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
}
