// @odata.context URLs, built from the public base URL the way Graph builds them for contained navigations.

export type ApiVersion = 'beta' | 'v1.0';
export const API_VERSIONS: readonly ApiVersion[] = ['beta', 'v1.0'];

export const ROOT_PATH = 'directory/publicKeyInfrastructure';
export const PKI_COLLECTION_PATH = `${ROOT_PATH}/certificateBasedAuthConfigurations`;

export function metadataUrl(publicBaseUrl: string, version: ApiVersion): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/${version}/$metadata`;
}

export function contextUrl(publicBaseUrl: string, version: ApiVersion, fragment: string): string {
  return `${metadataUrl(publicBaseUrl, version)}#${fragment}`;
}

/** A collection path with the $select list OData inserts: `…/certificateAuthorities(displayName,issuer)`. */
function selecting(path: string, select: readonly string[] | undefined): string {
  return select ? `${path}(${select.join(',')})` : path;
}

export const contextFragments = {
  root: () => `${ROOT_PATH}/$entity`,
  pkiCollection: (select?: readonly string[]) => selecting(PKI_COLLECTION_PATH, select),
  pkiEntity: (select?: readonly string[]) => `${selecting(PKI_COLLECTION_PATH, select)}/$entity`,
  caCollection: (pkiId: string, select?: readonly string[]) => selecting(`${PKI_COLLECTION_PATH}('${pkiId}')/certificateAuthorities`, select),
  caEntity: (pkiId: string, select?: readonly string[]) => `${selecting(`${PKI_COLLECTION_PATH}('${pkiId}')/certificateAuthorities`, select)}/$entity`,
  deletedCollection: (typeName: string, select?: readonly string[]) => selecting(`directory/deletedItems/${typeName}`, select),
  deletedEntity: () => 'directory/deletedItems/$entity',
  directoryObject: () => 'directoryObjects/$entity',
};
