// A client of the certificate sign-in listener: HTTPS requests over Node's TLS client that present a
// client certificate (or none), trust the listener's self-signed certificate, and can name a tenant in
// SNI for its issuer hints. Also the PKCE pair and the authorize URL a browser would follow.
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CustomFetch } from 'openid-client';
import { TLS_CERT_FILE_NAME } from '../../src/http/tls-material.ts';
import assert from 'node:assert/strict';
import { PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD } from '../../src/auth/permissions.ts';
import { type TestCert, toPem } from './certs.ts';
import type { TestServer } from './test-server.ts';

export interface SigninResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
  readonly body: any;
}

export interface ClientCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface SigninRequestOptions {
  readonly method?: 'GET' | 'POST';
  readonly client?: ClientCertificate;
  /** SNI server name (e.g. `<tid>.certauth.localhost`); default none (an IP address). */
  readonly servername?: string;
  readonly form?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

/** The PEM of the test certificate with its intermediates appended (the chain a smart card sends), and its key. */
export async function clientCertificate(leaf: TestCert, chain: readonly TestCert[] = []): Promise<ClientCertificate> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', leaf.keys.privateKey);
  return { certPem: [leaf, ...chain].map((c) => c.pem.trim()).join('\n') + '\n', keyPem: toPem(Buffer.from(pkcs8), 'PRIVATE KEY') };
}

/** The listener's certificate (self-signed, in the data folder), to trust it. */
export function listenerCa(dataDir: string): Promise<Buffer> {
  return readFile(path.join(dataDir, TLS_CERT_FILE_NAME));
}

export function signinRequest(baseUrl: string, urlPath: string, ca: Buffer, options: SigninRequestOptions = {}): Promise<SigninResponse> {
  const url = new URL(urlPath, baseUrl);
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: options.method ?? (body ? 'POST' : 'GET'),
        ca,
        // The listener's certificate names localhost and 127.0.0.1; a tenant SNI name is checked against neither.
        checkServerIdentity: () => undefined,
        agent: false,
        ...(options.servername ? { servername: options.servername } : {}),
        ...(options.client ? { cert: options.client.certPem, key: options.client.keyPem } : {}),
        headers: { ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body: parsed });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** openid-client's fetch (its customFetch): Node's TLS client trusting the listener's self-signed certificate. */
export function trustingFetch(ca: Buffer): CustomFetch {
  return (async (url: string, options: { method?: string; headers?: ConstructorParameters<typeof Headers>[0]; body?: unknown }) => {
    const headers = Object.fromEntries(new Headers(options.headers));
    const body = options.body === undefined || options.body === null ? undefined : String(options.body);
    return new Promise<Response>((resolve, reject) => {
      const request = https.request(url, { method: options.method ?? 'GET', headers, ca, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
          resolve(new Response(Buffer.concat(chunks), { status: response.statusCode ?? 500, headers: responseHeaders }));
        });
      });
      request.on('error', reject);
      request.end(body);
    });
  }) as unknown as CustomFetch;
}

/** An AADSTS message as a client or a log gets it: Entra's {placeholders} all filled. */
export function assertNoPlaceholder(text: string): void {
  assert.ok(!/[{}]/.test(text), `a placeholder is left unfilled: ${text}`);
}

export function pkcePair(): { readonly verifier: string; readonly challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The query of a redirect's Location, as a plain object. */
export function redirectQuery(response: SigninResponse): Record<string, string> {
  const location = response.headers.location;
  if (typeof location !== 'string') throw new Error(`no redirect: ${response.status} ${response.text}`);
  const query = Object.fromEntries(new URL(location).searchParams);
  assertNoPlaceholder(query.error_description ?? '');
  return query;
}

const X509_POLICY_PATH = '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';

/** PATCHes the tenant's x509 policy (through Graph, with a policy token); certificate sign-in needs `state: enabled`. */
export async function setX509Policy(t: TestServer, body: Record<string, unknown>, tenantId?: string): Promise<void> {
  const token = await t.token({ appRoles: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD], ...(tenantId ? { tenantId } : {}) });
  const res = await t.request('PATCH', X509_POLICY_PATH, { token, body: { '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration', ...body } });
  assert.equal(res.status, 204, res.text);
}
