// certificateAuthorityDetail as Graph shows it, in the documented property order. The delta CRL URL is
// emitted with the metadata's spelling (deltaCertificateRevocationListUrl), which current SDKs parse.
import type { CaRecord } from '../store/ca-repository.ts';

export const CA_ODATA_TYPE = '#microsoft.graph.certificateAuthorityDetail';

export function caRepresentation(ca: CaRecord) {
  return {
    '@odata.type': CA_ODATA_TYPE,
    id: ca.id,
    deletedDateTime: ca.deletedDateTime,
    certificateAuthorityType: ca.certificateAuthorityType,
    certificate: ca.certificate,
    displayName: ca.displayName,
    issuer: ca.issuer,
    issuerSubjectKeyIdentifier: ca.issuerSubjectKeyIdentifier,
    createdDateTime: ca.createdDateTime,
    expirationDateTime: ca.expirationDateTime,
    thumbprint: ca.thumbprint,
    certificateRevocationListUrl: ca.certificateRevocationListUrl,
    deltaCertificateRevocationListUrl: ca.deltaCertificateRevocationListUrl,
    isIssuerHintEnabled: ca.isIssuerHintEnabled,
  };
}
