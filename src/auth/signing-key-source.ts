// Where the local token-signing key comes from: the data folder with SQLite (one instance), the shared
// database with PostgreSQL (any number of instances). Used by `serve` and `token` alike.
//
// The store is imported when a key is read, not with this module: every CLI command that talks to a
// server reaches this file, and loading the database drivers and query builder only when a database is
// opened keeps those commands' start-up short (the CLI bundle puts them in a chunk of their own).
import type { JWK } from 'jose';
import { generateSigningJwk, loadExistingSigningKey, loadOrCreateSigningKey, type SigningKey, signingKeyFromJwk } from './signing-key.ts';
import { databaseLocation, isPostgresUrl } from '../config.ts';
import type { OpenDatabase } from '../store/database.ts';

const loadStore = async () => {
  const [{ openDatabase }, { SettingsRepository }] = await Promise.all([import('../store/database.ts'), import('../store/settings-repository.ts')]);
  return { openDatabase, SettingsRepository };
};

export const SIGNING_KEY_SETTING = 'token-signing-key';

export async function resolveSigningKey(dataDir: string, database: OpenDatabase): Promise<SigningKey> {
  if (database.dialect === 'sqlite') return loadOrCreateSigningKey(dataDir);
  const { SettingsRepository } = await loadStore();
  const candidate = JSON.stringify(await generateSigningJwk());
  const stored = await new SettingsRepository(database.db).getOrCreate(SIGNING_KEY_SETTING, () => candidate);
  return signingKeyFromJwk(JSON.parse(stored) as JWK);
}

/** The key a server on this data folder (or shared database) signs with: for commands that mint tokens. */
export async function signingKeyOf(dataDir: string, database: string | undefined): Promise<SigningKey> {
  const { openDatabase } = await loadStore();
  const opened = await openDatabase(databaseLocation({ database, dataDir }));
  return resolveSigningKey(dataDir, opened).finally(() => opened.close());
}

/**
 * The key of a server that already runs on this data folder (or shared database), for commands that
 * talk to it (snapshot, reset): unlike signingKeyOf, it creates no key, folder or schema, so a
 * mistyped --data fails with a message instead of leaving a new data folder behind.
 */
export async function existingSigningKeyOf(dataDir: string, database: string | undefined): Promise<SigningKey> {
  const location = databaseLocation({ database, dataDir });
  if (!isPostgresUrl(location)) return loadExistingSigningKey(dataDir);
  const { openDatabase, SettingsRepository } = await loadStore();
  const opened = await openDatabase(location, undefined, false);
  try {
    let stored: string | undefined;
    try {
      stored = await new SettingsRepository(opened.db).find(SIGNING_KEY_SETTING);
    } catch (error) {
      // No schema yet (undefined_table): no server has run on this database. Anything else is reported as it is.
      if ((error as { code?: unknown }).code !== '42P01') throw error;
      stored = undefined;
    }
    if (stored === undefined) throw new Error('the database holds no token-signing key: no graph-pki server has run on it (is --database right?)');
    return signingKeyFromJwk(JSON.parse(stored) as JWK);
  } finally {
    await opened.close();
  }
}
