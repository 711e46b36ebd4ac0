// Which certificates of a path must have their revocation status proven, and by what.
/**
 * 'require': every certificate below the trust anchor must have its status proven by a CRL
 * (PKITS, `openssl verify -crl_check_all`); status that cannot be determined fails closed.
 * 'given': a certificate is checked where a CRL of its issuer is at hand, and a CRL at hand that names a
 * CA of the path but does not validate for it fails closed. 'off': no revocation checks.
 */
export type RevocationMode = 'require' | 'given' | 'off';

export const REVOCATION_MODES: readonly RevocationMode[] = ['require', 'given', 'off'];
