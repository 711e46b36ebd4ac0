// Opens the one database the service uses: SQLite (embedded default) or PostgreSQL, behind the same
// Kysely interface. Dialect differences are confined to this file.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { KNOWN_MIGRATIONS, migrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface OpenDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Human-readable location without credentials, for start-up messages. */
  readonly description: string;
  close(): Promise<void>;
}

export class DatabaseConfigError extends Error {}

/** Largest number of distinct SQL texts kept prepared per SQLite connection. */
const STATEMENT_CACHE_SIZE = 256;

export async function openDatabase(location: string): Promise<OpenDatabase> {
  const opened = /^postgres(ql)?:\/\//i.test(location) ? openPostgres(location) : openSqlite(location);
  try {
    await migrateToLatest(opened.db);
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}

function openSqlite(location: string): OpenDatabase {
  const file = location.startsWith('sqlite:') ? location.slice('sqlite:'.length) : location;
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const raw = new SqliteDatabase(file);
  // WAL + synchronous=NORMAL: a committed transaction survives a crash of the process (kill -9);
  // only an OS crash or power loss can drop the last commits. The file is never corrupted.
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  return {
    db,
    dialect: 'sqlite',
    description: file === ':memory:' ? 'SQLite in memory (nothing is kept)' : `SQLite file ${path.resolve(file)}`,
    close: () => db.destroy(),
  };
}

// Kysely prepares every statement anew; preparing costs more than running a small query on SQLite.
// Caching prepared statements by SQL text keeps one code path while removing that cost.
function withStatementCache(raw: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const cached = Object.create(raw) as SqliteDatabase.Database;
  cached.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
      statement = raw.prepare(source);
      cache.set(source, statement);
    }
    return statement;
  }) as SqliteDatabase.Database['prepare'];
  cached.close = () => {
    cache.clear();
    return raw.close();
  };
  return cached;
}

function openPostgres(location: string): OpenDatabase {
  const url = new URL(location);
  const pool = new pg.Pool({ connectionString: location, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  url.password = '';
  return { db, dialect: 'postgres', description: `PostgreSQL ${url.host}${url.pathname}`, close: () => db.destroy() };
}

async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  await refuseNewerSchema(db);
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DatabaseConfigError(`database migration ${failed} failed: ${String(error)}`);
  }
}

async function refuseNewerSchema(db: Kysely<Database>): Promise<void> {
  const tables = await db.introspection.getTables();
  if (!tables.some((t) => t.name === 'kysely_migration')) return;
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const unknown = rows.rows.map((r) => r.name).filter((name) => !KNOWN_MIGRATIONS.includes(name));
  if (unknown.length > 0) {
    throw new DatabaseConfigError(
      `the database schema is newer than this graph-pki knows (unknown migrations: ${unknown.join(', ')}); ` +
        'upgrade graph-pki or use another database',
    );
  }
}

/** True when the error is a violated unique constraint, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
