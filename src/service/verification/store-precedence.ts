// Which copies of a CA a verification uses when the CA is in the PKI store and in the classic store
// (organization certificateBasedAuthConfiguration). Entra's rule (entra-docs
// how-to-certificate-based-authentication.md, "CA in both stores"; spec cba-setup-and-signin.md §3): the
// PKI store wins, except that the classic copy is used when
//   1. the PKI copy has no CRL and the classic copy has a (valid) CRL, or
//   2. the CRL URLs of the two copies differ.
// Case 1 is a case of 2 (no URL differs from a URL); "valid" is not decided up front: the classic copy's
// CRL is then checked like any configured CRL, so a CRL that cannot be had fails the verification, as it
// does for a PKI CA. A CA whose copies agree is checked through its PKI copies. A CA only in the classic
// store is checked through its classic copy. Entra's sign-in log says which store it used ("Is Legacy
// Store Used") and why ("Legacy Store Use Information"): a classic copy carries the reason.
import type { StoreAnchor } from './verification-service.ts';

export const LEGACY_STORE_REASONS = {
  onlyInClassicStore: 'The CA is only in the classic store.',
  pkiCopyHasNoCrl: 'The PKI store copy has no CRL and the classic store copy has one.',
  crlUrlsDiffer: 'The CRL URLs of the PKI store copy and the classic store copy differ.',
} as const;

/** The copies of one certificate to check it through, by Entra's rule for a CA in both stores. */
export function copiesToUse(copies: readonly StoreAnchor[]): StoreAnchor[] {
  const pki = copies.filter((copy) => copy.store === 'pki');
  const classic = copies.find((copy) => copy.store === 'classic');
  if (!classic) return pki;
  if (pki.length === 0) return [{ ...classic, legacyStoreUseInformation: LEGACY_STORE_REASONS.onlyInClassicStore }];
  if (pki.some((copy) => sameCrls(copy, classic))) return pki;
  const reason = pki.every((copy) => copy.certificateRevocationListUrl === null) ? LEGACY_STORE_REASONS.pkiCopyHasNoCrl : LEGACY_STORE_REASONS.crlUrlsDiffer;
  return [{ ...classic, legacyStoreUseInformation: reason }];
}

function sameCrls(a: StoreAnchor, b: StoreAnchor): boolean {
  return a.certificateRevocationListUrl === b.certificateRevocationListUrl && a.deltaCertificateRevocationListUrl === b.deltaCertificateRevocationListUrl;
}
