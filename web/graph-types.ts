// The shapes of the server's answers that the page reads (a subset of what it sends).

export interface Pki {
  readonly id: string;
  readonly displayName: string | null;
  readonly status: string;
  readonly statusDetails: string | null;
  readonly lastModifiedDateTime: string;
  readonly deletedDateTime: string | null;
}

export interface CertificateAuthority {
  readonly id: string;
  readonly displayName: string | null;
  readonly certificateAuthorityType: string;
  readonly issuer: string | null;
  readonly issuerSubjectKeyIdentifier: string | null;
  readonly expirationDateTime: string;
  readonly thumbprint: string;
  readonly certificateRevocationListUrl: string | null;
  readonly deltaCertificateRevocationListUrl: string | null;
  readonly isIssuerHintEnabled: boolean;
  readonly deletedDateTime: string | null;
}

export interface Collection<T> {
  readonly value: readonly T[];
  readonly '@odata.nextLink'?: string;
}

export interface VerdictPathEntry {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notAfter: string;
  readonly role: 'leaf' | 'intermediate' | 'trustAnchor';
  /** What revocation checking did for this certificate (absent for the trust anchor). */
  readonly revocation?: { readonly checked: boolean; readonly why?: string; readonly crlUrl?: string; readonly crlNumber?: string; readonly deltaCrlUrl?: string; readonly deltaCrlNumber?: string };
  /** For a CA of the trust store: the copy (CA and PKI) whose checks passed. */
  readonly trustStore?: { readonly certificateAuthorityId: string; readonly publicKeyInfrastructureId: string };
  readonly warnings?: readonly string[];
}

/** When a CRL decided or failed the verdict: which CA, PKI and CRL. */
export interface VerdictFailure {
  readonly certificateAuthorityId: string;
  readonly publicKeyInfrastructureId: string;
  readonly crlUrl: string | null;
  readonly crlKind: 'base' | 'delta' | null;
  readonly crlNumber: string | null;
  readonly thisUpdate: string | null;
  readonly nextUpdate: string | null;
  readonly why: string | null;
}

export interface UserBindingCandidate {
  readonly priority: number;
  readonly x509CertificateField: string;
  readonly userProperty: string;
  readonly affinity: string;
  readonly values: readonly string[];
  readonly usable: boolean;
}

export interface Verdict {
  readonly trusted: boolean;
  readonly reason: string | null;
  readonly message: string;
  readonly failedAt: number | null;
  readonly validationTime: string;
  readonly path: readonly VerdictPathEntry[];
  readonly failure: VerdictFailure | null;
  readonly policy: {
    readonly authenticationMode: string;
    readonly requiredAffinityLevel: string;
    readonly explanation: string;
    readonly userBindingCandidates: readonly UserBindingCandidate[];
  } | null;
}

/** What GET /_dev/token says about the local dev token (present only when the server offers one). */
export interface DevTokenInfo {
  readonly available: boolean;
  readonly tenantId: string;
}

export interface DevToken {
  readonly accessToken: string;
  readonly expiresIn: number;
}

const ROOT = 'beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations';
const DELETED = 'beta/directory/deletedItems';

/** Paths relative to the page, so the page also works behind a reverse proxy under a path prefix. */
export const paths = {
  pkis: ROOT,
  pki: (id: string) => `${ROOT}/${encodeURIComponent(id)}`,
  upload: (id: string) => `${ROOT}/${encodeURIComponent(id)}/upload`,
  cas: (pkiId: string) => `${ROOT}/${encodeURIComponent(pkiId)}/certificateAuthorities`,
  ca: (pkiId: string, caId: string) => `${ROOT}/${encodeURIComponent(pkiId)}/certificateAuthorities/${encodeURIComponent(caId)}`,
  deletedPkis: `${DELETED}/microsoft.graph.certificateBasedAuthPki`,
  deletedCas: `${DELETED}/microsoft.graph.certificateAuthorityDetail`,
  deletedItem: (id: string) => `${DELETED}/${encodeURIComponent(id)}`,
  restore: (id: string) => `${DELETED}/${encodeURIComponent(id)}/restore`,
  verify: 'graph-pki/v1/verify',
  crlHealth: 'graph-pki/v1/crlHealth',
  crlHealthRefresh: 'graph-pki/v1/crlHealth/refresh',
  devToken: '_dev/token',
};
