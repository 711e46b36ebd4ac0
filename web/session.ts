// The access token of this tab: kept in sessionStorage (gone when the tab closes, never in a URL or a
// cookie), and described for the header from its claims (decoded only for display; the server verifies).
import type { Api } from './api.ts';
import { paths, type DevToken, type DevTokenInfo } from './graph-types.ts';

const STORAGE_KEY = 'graph-pki.accessToken';

export function currentToken(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string): void {
  sessionStorage.setItem(STORAGE_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** A pasted token with "Bearer " or whitespace around it is accepted; anything not JWT-shaped is not. */
export function normaliseToken(input: string): string {
  const token = input.trim().replace(/^bearer\s+/i, '');
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
    throw new Error('that is not a JWT (three base64url parts separated by dots)');
  }
  return token;
}

interface Claims {
  tid?: unknown;
  roles?: unknown;
  scp?: unknown;
  exp?: unknown;
}

function claimsOf(token: string): Claims {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null ? (claims as Claims) : {};
  } catch {
    return {};
  }
}

/** "Tenant …; permissions …; expires …" from the token's claims, for the header. */
export function describeToken(token: string): string {
  const claims = claimsOf(token);
  const parts: string[] = [];
  if (typeof claims.tid === 'string') parts.push(`tenant ${claims.tid}`);
  const permissions = Array.isArray(claims.roles) ? claims.roles.filter((r) => typeof r === 'string').join(', ') : typeof claims.scp === 'string' ? claims.scp : '';
  if (permissions) parts.push(permissions);
  if (typeof claims.exp === 'number') parts.push(`expires ${new Date(claims.exp * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  return `Signed in: ${parts.join('; ') || 'token without readable claims'}`;
}

/** Whether this server hands out a local dev token (only when bound to loopback); false on any error. */
export async function devTokenOffered(api: Api): Promise<boolean> {
  try {
    const info = (await api.send('GET', paths.devToken, undefined, false)) as DevTokenInfo | undefined;
    return info?.available === true;
  } catch {
    return false;
  }
}

export async function fetchDevToken(api: Api): Promise<string> {
  const answer = (await api.send('POST', paths.devToken, undefined, false)) as DevToken;
  return answer.accessToken;
}
