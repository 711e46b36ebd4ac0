// Composition root: opens the database, loads the signing key, wires the use cases into the HTTP app and
// listens. Used by `graph-pki serve` and by the tests, so both run exactly the same server.
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { databaseLocation, type ServerConfig } from './config.ts';
import { loadOrCreateSigningKey, type SigningKey } from './auth/signing-key.ts';
import { TokenVerifier } from './auth/token-verifier.ts';
import { buildApp } from './http/app.ts';
import { PkiService } from './service/pki-service.ts';
import { openDatabase, type OpenDatabase } from './store/database.ts';
import { CertificateBasedAuthPkiRepository } from './store/pki-repository.ts';

export interface RunningServer {
  readonly app: FastifyInstance;
  /** The URL the server listens on, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly publicUrl: string;
  readonly database: OpenDatabase;
  readonly signingKey: SigningKey;
  /** Stops accepting connections, lets in-flight requests finish, closes the database. */
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const signingKey = await loadOrCreateSigningKey(config.dataDir);
  const database = await openDatabase(databaseLocation(config));
  let publicUrl = config.publicUrl?.replace(/\/+$/, '') ?? '';

  const app = buildApp({
    pkis: new PkiService(new CertificateBasedAuthPkiRepository(database.db), config.limits),
    verifier: new TokenVerifier(signingKey, config.auth, config.limits),
    limits: config.limits,
    logLevel: config.logLevel,
    publicBaseUrl: () => publicUrl,
    isReady: async () => {
      try {
        await sql`select 1`.execute(database.db);
        return true;
      } catch {
        return false;
      }
    },
  });

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await database.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  if (!publicUrl) publicUrl = url;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await app.close();
      await database.close();
    })();
    return closing;
  };
  return { app, url, publicUrl, database, signingKey, close };
}
