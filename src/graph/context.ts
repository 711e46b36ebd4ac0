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

export const contextFragments = {
  root: () => `${ROOT_PATH}/$entity`,
  pkiCollection: () => PKI_COLLECTION_PATH,
  pkiEntity: () => `${PKI_COLLECTION_PATH}/$entity`,
  caCollection: (pkiId: string) => `${PKI_COLLECTION_PATH}('${pkiId}')/certificateAuthorities`,
  caEntity: (pkiId: string) => `${PKI_COLLECTION_PATH}('${pkiId}')/certificateAuthorities/$entity`,
};
