// The OIDC clients a tenant's certificate sign-in serves: registered through the admin API or the seed
// file (client id, redirect URIs, public or with a secret), plus the documented dev client, offered on a
// loopback listener only: public (PKCE), any loopback redirect URI on any port (RFC 8252 §7.3).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OidcClientRecord } from '../../store/oidc-client-repository.ts';
import type { Store } from '../../store/store.ts';
import { graphTimestamp } from '../clock.ts';
import { graphErrors } from '../errors.ts';

/** client_id of the dev client (README "Certificate sign-in"). */
export const DEV_CLIENT_ID = '00000000-0000-4000-8000-00000000dc11';

/**
 * What `.default` grants the dev client, and a registered client that names no default scopes: the Graph
 * permissions this server knows. The user's directory roles still decide what the token may do.
 */
export const DEFAULT_GRAPH_SCOPES: readonly string[] = [
  'PublicKeyInfrastructure.ReadWrite.All',
  'Policy.ReadWrite.AuthenticationMethod',
  'Policy.Read.All',
  'User.ReadWrite.All',
  'AuditLog.Read.All',
  'Directory.Read.All',
];

const MAX_REDIRECT_URIS = 256;
const MAX_CLIENT_ID_LENGTH = 64;

export interface OidcClient {
  readonly clientId: string;
  readonly displayName: string | null;
  readonly redirectUris: readonly string[];
  /** True without a secret: PKCE is then required. */
  readonly isPublic: boolean;
  readonly defaultScopes: readonly string[];
  readonly createdDateTime: string;
  /** The dev client accepts any loopback redirect URI. */
  readonly acceptsAnyLoopbackRedirect: boolean;
}

export interface OidcClientInput {
  readonly clientId?: string | undefined;
  readonly displayName?: string | null | undefined;
  readonly redirectUris: readonly string[];
  /** Make a confidential client: `generate` makes a secret (returned once); a string is used as given (seed file). */
  readonly clientSecret?: 'generate' | string | undefined;
  readonly defaultScopes?: readonly string[] | undefined;
}

export class OidcClientService {
  constructor(
    private readonly store: Store,
    /** Whether the dev client is offered (the listener is on a loopback address and it is not turned off). */
    private readonly devClientOffered: () => boolean,
  ) {}

  /** Registers a client; the answer carries the secret in clear, this once, when one was generated. */
  async register(tenantId: string, input: OidcClientInput): Promise<OidcClient & { readonly clientSecret?: string }> {
    const { record, generatedSecret } = prepareClient(input);
    if (!(await this.store.repositories.oidcClients.insert(tenantId, record))) {
      throw graphErrors.conflict(`The tenant already has an OIDC client with the id '${record.clientId}'.`);
    }
    const client = clientOf(record);
    return generatedSecret !== undefined ? { ...client, clientSecret: generatedSecret } : client;
  }

  async list(tenantId: string): Promise<OidcClient[]> {
    return (await this.store.repositories.oidcClients.list(tenantId)).map(clientOf);
  }

  async delete(tenantId: string, clientId: string): Promise<void> {
    if (!(await this.store.repositories.oidcClients.delete(tenantId, clientId))) throw graphErrors.notFound(clientId);
  }

  /** The client a sign-in names, the dev client included when offered; undefined when the tenant has none such. */
  async find(tenantId: string, clientId: string): Promise<OidcClient | undefined> {
    if (clientId.toLowerCase() === DEV_CLIENT_ID) return this.devClientOffered() ? DEV_CLIENT : undefined;
    const record = await this.store.repositories.oidcClients.find(tenantId, clientId);
    return record && clientOf(record);
  }

  /** Whether `secret` is the client's secret (always false for a public client). */
  async secretMatches(tenantId: string, clientId: string, secret: string): Promise<boolean> {
    const record = await this.store.repositories.oidcClients.find(tenantId, clientId);
    if (!record?.secretHash) return false;
    return timingSafeEqual(Buffer.from(record.secretHash, 'hex'), Buffer.from(hashSecret(secret), 'hex'));
  }
}

/** Checks a client as given and makes its record (the secret hashed); a GraphError says what is wrong. */
export function prepareClient(input: OidcClientInput): { readonly record: OidcClientRecord; readonly generatedSecret: string | undefined } {
  const clientId = input.clientId ?? crypto.randomUUID();
  const idProblem = clientIdProblem(clientId);
  if (idProblem) throw graphErrors.badRequest(idProblem);
  const countProblem = redirectUriCountProblem(input.redirectUris);
  if (countProblem) throw graphErrors.badRequest(`Invalid value specified for 'redirectUris': ${countProblem}.`);
  for (const uri of input.redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw graphErrors.badRequest(`Invalid value specified for 'redirectUris': '${uri}' ${problem}.`);
  }
  const generatedSecret = input.clientSecret === 'generate' ? randomBytes(30).toString('base64url') : undefined;
  const secret = generatedSecret ?? input.clientSecret;
  if (secret !== undefined && secret.length < 16) throw graphErrors.badRequest("Invalid value specified for 'clientSecret': use at least 16 characters.");
  const record: OidcClientRecord = {
    clientId,
    displayName: input.displayName ?? null,
    redirectUris: [...input.redirectUris],
    secretHash: secret === undefined ? null : hashSecret(secret),
    defaultScopes: [...(input.defaultScopes ?? DEFAULT_GRAPH_SCOPES)],
    createdDateTime: graphTimestamp(),
  };
  return { record, generatedSecret };
}

/** Why `clientId` cannot be registered, or undefined (a snapshot import checks it too). */
export function clientIdProblem(clientId: string): string | undefined {
  if (clientId.length === 0 || clientId.length > MAX_CLIENT_ID_LENGTH || !/^[\w.-]+$/.test(clientId)) {
    return `Invalid value specified for 'clientId': use 1 to ${MAX_CLIENT_ID_LENGTH} letters, digits, '.', '-' or '_'.`;
  }
  if (clientId.toLowerCase() === DEV_CLIENT_ID) return `'${DEV_CLIENT_ID}' is the dev client's id; register clients under other ids.`;
  return undefined;
}

/** Why a client cannot have this many redirect URIs, or undefined. */
export function redirectUriCountProblem(uris: readonly string[]): string | undefined {
  return uris.length === 0 || uris.length > MAX_REDIRECT_URIS ? `give 1 to ${MAX_REDIRECT_URIS} absolute URIs` : undefined;
}

/** Whether the client registered `uri` (exactly), or, for the dev client, `uri` is a loopback http URI. */
export function acceptsRedirect(client: OidcClient, uri: string): boolean {
  if (client.redirectUris.includes(uri)) return true;
  if (!client.acceptsAnyLoopbackRedirect) return false;
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && url.hash === '';
  } catch {
    return false;
  }
}

const DEV_CLIENT: OidcClient = {
  clientId: DEV_CLIENT_ID,
  displayName: 'graph-pki dev client',
  redirectUris: [],
  isPublic: true,
  defaultScopes: DEFAULT_GRAPH_SCOPES,
  createdDateTime: '2026-01-01T00:00:00Z',
  acceptsAnyLoopbackRedirect: true,
};

function clientOf(record: OidcClientRecord): OidcClient {
  return {
    clientId: record.clientId,
    displayName: record.displayName,
    redirectUris: record.redirectUris,
    isPublic: record.secretHash === null,
    defaultScopes: record.defaultScopes,
    createdDateTime: record.createdDateTime,
    acceptsAnyLoopbackRedirect: false,
  };
}

/** Secrets are random and long (or chosen by the operator for a seed file): a plain SHA-256 keeps them out of the table. */
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Why a redirect URI cannot be registered (RFC 6749 §3.1.2: absolute, no fragment), or undefined. */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  if (url.hash !== '' || uri.includes('#')) return 'must not contain a fragment';
  if (url.protocol === 'javascript:' || url.protocol === 'data:') return `uses ${url.protocol}, which is refused`;
  return undefined;
}
