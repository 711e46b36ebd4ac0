// The JSON shapes Graph gives these entities: `@odata.type`, `id`, then the properties in the order the
// documentation lists them.
import type { PkiRecord } from '../store/pki-repository.ts';

export const PKI_ODATA_TYPE = '#microsoft.graph.certificateBasedAuthPki';
export const ROOT_ODATA_TYPE = '#microsoft.graph.publicKeyInfrastructureRoot';

export type PkiRepresentation = {
  '@odata.type': typeof PKI_ODATA_TYPE;
  id: string;
  deletedDateTime: string | null;
  displayName: string | null;
  status: string;
  statusDetails: string | null;
  lastModifiedDateTime: string;
};

export function pkiRepresentation(pki: PkiRecord): PkiRepresentation {
  return {
    '@odata.type': PKI_ODATA_TYPE,
    id: pki.id,
    deletedDateTime: pki.deletedDateTime,
    displayName: pki.displayName,
    status: pki.status,
    statusDetails: pki.statusDetails,
    lastModifiedDateTime: pki.lastModifiedDateTime,
  };
}
