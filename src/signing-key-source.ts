// Where the local token-signing key comes from: the data folder with SQLite (one instance), the shared
// database with PostgreSQL (any number of instances). Used by `serve` and `token` alike.
import type { JWK } from 'jose';
import { generateSigningJwk, loadOrCreateSigningKey, type SigningKey, signingKeyFromJwk } from './auth/signing-key.ts';
import { databaseLocation } from './config.ts';
import { type OpenDatabase, openDatabase } from './store/database.ts';
import { SettingsRepository } from './store/settings-repository.ts';

export const SIGNING_KEY_SETTING = 'token-signing-key';

export async function resolveSigningKey(dataDir: string, database: OpenDatabase): Promise<SigningKey> {
  if (database.dialect === 'sqlite') return loadOrCreateSigningKey(dataDir);
  const candidate = JSON.stringify(await generateSigningJwk());
  const stored = await new SettingsRepository(database.db).getOrCreate(SIGNING_KEY_SETTING, () => candidate);
  return signingKeyFromJwk(JSON.parse(stored) as JWK);
}

/** The key a server on this data folder (or shared database) signs with: for commands that mint tokens. */
export async function signingKeyOf(dataDir: string, database: string | undefined): Promise<SigningKey> {
  const opened = await openDatabase(databaseLocation({ database, dataDir }));
  return resolveSigningKey(dataDir, opened).finally(() => opened.close());
}
