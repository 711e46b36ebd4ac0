// /_dev/token: a locally minted read-write token for the default tenant, behind the admin page's "Use
// local dev token" button. The server registers it only when it listens on a loopback address (and
// --no-dev-token is not given), so on any other binding the path does not exist (404). Even then a
// request must come from a loopback address, name a loopback host (a DNS-rebinding page names its own),
// come from a loopback origin if it has one (a cross-site form post has its own), and carry no proxy
// headers (a reverse proxy on the same machine would otherwise hand tokens to everyone behind it).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_READ_WRITE } from '../../../auth/permissions.ts';
import type { SigningKey } from '../../../auth/signing-key.ts';
import { DEFAULT_TENANT_ID, mintToken } from '../../../auth/token-issuer.ts';
import { isLoopbackAddress } from '../../../net/address-policy.ts';
import { GraphError } from '../../../service/errors.ts';
import { sendGraphJson } from '../../graph-reply.ts';
import { refuseOtherMethods } from '../../graph-routes.ts';

export const DEV_TOKEN_PATH = '/_dev/token';

export interface DevTokenIssuer {
  readonly tenantId: string;
  readonly permissions: readonly string[];
  readonly ttlSeconds: number;
  mint(): Promise<string>;
}

/** Lifetime of a dev token; the page asks for a new one (a click) when it expires. */
export const DEV_TOKEN_TTL_SECONDS = 3600;

/** Application tokens for the default tenant with PublicKeyInfrastructure.ReadWrite.All and Organization.ReadWrite.All, signed with the local key. */
export function localDevTokenIssuer(key: SigningKey): DevTokenIssuer {
  // Organization.ReadWrite.All: the admin page shows the classic store and copies it into a PKI.
  const permissions = [PERMISSION_READ_WRITE, PERMISSION_ORGANIZATION_READ_WRITE];
  return {
    tenantId: DEFAULT_TENANT_ID,
    permissions,
    ttlSeconds: DEV_TOKEN_TTL_SECONDS,
    mint: () => mintToken(key, { tenantId: DEFAULT_TENANT_ID, appRoles: permissions, scopes: [], directoryRoles: [], ttlSeconds: DEV_TOKEN_TTL_SECONDS }),
  };
}

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'];

/** Whether the server, listening on `host`, may offer the dev token: only on a loopback address. */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host);
}

export function registerDevTokenRoutes(app: FastifyInstance, issuer: DevTokenIssuer): void {
  app.register(async (dev) => {
    dev.addHook('onRequest', (request, reply, done) => {
      reply.header('cache-control', 'no-store');
      const refusal = localOnlyRefusal(request);
      done(refusal ? new GraphError(403, 'Authorization_RequestDenied', refusal) : undefined);
    });

    // Tells the page the button can be shown, without minting anything.
    dev.get(DEV_TOKEN_PATH, { schema: { hide: true } }, async (_request, reply) =>
      sendGraphJson(reply, 200, { available: true, tenantId: issuer.tenantId, permissions: issuer.permissions, expiresIn: issuer.ttlSeconds }),
    );

    dev.post(DEV_TOKEN_PATH, { schema: { hide: true } }, async (request, reply) => {
      const accessToken = await issuer.mint();
      request.log.info({ tenantId: issuer.tenantId }, 'local dev token handed out');
      return sendGraphJson(reply, 200, { accessToken, tokenType: 'Bearer', expiresIn: issuer.ttlSeconds, tenantId: issuer.tenantId });
    });
    refuseOtherMethods(dev, DEV_TOKEN_PATH, ['GET', 'POST']);
  });
}

/** Why this request may not have a dev token, or undefined when it may. */
function localOnlyRefusal(request: FastifyRequest): string | undefined {
  // The socket's address, never request.ip: that would follow X-Forwarded-For if trustProxy were set.
  const remote = request.raw.socket.remoteAddress ?? '';
  if (!isLoopbackAddress(remote)) return 'The local dev token is handed out only to clients on this machine.';
  if (PROXY_HEADERS.some((name) => request.headers[name] !== undefined)) {
    return 'The local dev token is not handed out through a proxy; mint a token with `graph-pki token` instead.';
  }
  if (!isLoopbackHostHeader(request.headers.host)) return 'The local dev token is handed out only to pages opened as localhost or a loopback address.';
  const origin = request.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) return 'The local dev token is handed out only to pages of this server.';
  return undefined;
}

function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  try {
    return isLoopbackHost(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}
