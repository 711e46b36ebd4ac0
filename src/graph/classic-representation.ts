// The classic store and the organization as Graph shows them: certificateBasedAuthConfiguration with its
// certificateAuthorities (complex type certificateAuthority, properties in the CSDL's order) and the
// organization's minimal properties.
import type { ClassicCaRecord } from '../store/classic-store-repository.ts';
import type { ClassicConfiguration } from '../service/trust-store/classic-store-service.ts';
import type { Organization } from '../service/directory/organization-service.ts';

export const CLASSIC_CONFIGURATION_ODATA_TYPE = '#microsoft.graph.certificateBasedAuthConfiguration';
export const ORGANIZATION_ODATA_TYPE = '#microsoft.graph.organization';

export function classicCaRepresentation(ca: ClassicCaRecord) {
  return {
    certificate: ca.certificate,
    certificateRevocationListUrl: ca.certificateRevocationListUrl,
    deltaCertificateRevocationListUrl: ca.deltaCertificateRevocationListUrl,
    isRootAuthority: ca.isRootAuthority,
    issuer: ca.issuer,
    issuerSki: ca.issuerSki,
  };
}

export function classicConfigurationRepresentation(configuration: ClassicConfiguration) {
  return {
    '@odata.type': CLASSIC_CONFIGURATION_ODATA_TYPE,
    id: configuration.id,
    certificateAuthorities: configuration.certificateAuthorities.map(classicCaRepresentation),
  };
}

export function organizationRepresentation(organization: Organization) {
  return { '@odata.type': ORGANIZATION_ODATA_TYPE, ...organization };
}
