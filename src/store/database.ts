// Opens the one database the service uses: SQLite (embedded default) or PostgreSQL, behind the same
// Kysely interface. Dialect differences are confined to this file.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type CompiledQuery, Kysely, Migrator, PostgresAdapter, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { DEFAULT_DATABASE_OPTIONS, type DatabaseOptions, databaseLocationProblem, isPostgresUrl } from '../config.ts';
import { KNOWN_MIGRATIONS, migrationProvider } from './migrations/index.ts';
import { OwnSchemaPostgresDialect } from './own-schema-postgres-dialect.ts';
import type { Database } from './schema.ts';
import { writableFileProblem } from '../diagnostics/path-problem.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface OpenDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Human-readable location without credentials, for start-up messages. */
  readonly description: string;
  /** Whether the database answers right now (readiness). */
  isReachable(): Promise<boolean>;
  close(): Promise<void>;
  /** Synchronous reads, where the engine allows them (SQLite); absent on PostgreSQL. */
  readonly syncReads?: SyncReads;
}

/** Synchronous access to committed data, for the fast read path (SQLite, one connection per process). */
export interface SyncReads {
  /**
   * Runs a compiled read synchronously and returns its rows, or undefined when it cannot be answered
   * right now: the connection is inside a transaction (whose uncommitted rows must not be seen), or the
   * read failed. The caller then takes the ordinary asynchronous path, which waits its turn.
   */
  read<Row>(query: CompiledQuery<Row>): readonly Row[] | undefined;
  /**
   * A number that stays the same exactly as long as nothing can have been written to the database:
   * it changes after any write statement of this process and after any commit by another connection
   * (another process on the same file). Rows read under one value may be reused while it holds.
   * Undefined when the connection is inside a transaction or closed (read nothing synchronously then).
   */
  changeMarker(): number | undefined;
}

export class DatabaseConfigError extends Error {}

/** Largest number of distinct SQL texts kept prepared per SQLite connection. */
const STATEMENT_CACHE_SIZE = 256;


/** Opens the database and brings its schema up to date (refusing a schema newer than this code). */
export async function openDatabase(location: string, options: DatabaseOptions = DEFAULT_DATABASE_OPTIONS, migrate = true): Promise<OpenDatabase> {
  const problem = databaseLocationProblem(location);
  if (problem) throw new DatabaseConfigError(`cannot use the database ${location}: ${problem}`);
  const opened = isPostgresUrl(location) ? openPostgres(location, options) : openSqlite(location);
  try {
    if (migrate) await migrateToLatest(opened.db);
    else await refuseNewerSchema(opened.db);
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}

function openSqlite(location: string): OpenDatabase {
  const file = location.startsWith('sqlite:') ? location.slice('sqlite:'.length) : location;
  const raw = file === ':memory:' ? new SqliteDatabase(file) : openSqliteFile(file);
  // WAL + synchronous=NORMAL: a committed transaction survives a crash of the process (kill -9);
  // only an OS crash or power loss can drop the last commits. The file is never corrupted.
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  const writes = { count: 0 };
  const cached = withStatementCache(raw, writes);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
  const syncReads: SyncReads = {
    read<Row>(query: CompiledQuery<Row>) {
      if (!raw.open || raw.inTransaction) return undefined;
      try {
        return cached.prepare(query.sql).all(...query.parameters) as Row[];
      } catch {
        return undefined;
      }
    },
    changeMarker: changeMarkerOf(raw, writes),
  };
  return {
    db,
    dialect: 'sqlite',
    syncReads,
    description: file === ':memory:' ? 'SQLite in memory (nothing is kept)' : `SQLite file ${path.resolve(file)}`,
    close: () => db.destroy(),
    isReachable: () => reachable(db),
  };
}

/**
 * Opens (or creates) a SQLite file, its folder created if missing. What stands in the way (a file where
 * the folder should be, a folder without write permission) is named with its path and the fix, before
 * SQLite would say only `unable to open database file`.
 */
function openSqliteFile(file: string): SqliteDatabase.Database {
  const absolute = path.resolve(file);
  const fix = 'give --data a folder this user may write (it is created if missing), or --database another file';
  const problem = writableFileProblem(absolute);
  if (problem) throw new DatabaseConfigError(`cannot open the SQLite database ${absolute}: ${problem}; ${fix}`);
  try {
    mkdirSync(path.dirname(absolute), { recursive: true });
    return new SqliteDatabase(absolute);
  } catch (error) {
    throw new DatabaseConfigError(`cannot open the SQLite database ${absolute}: ${(error as Error).message}; ${fix}`, { cause: error });
  }
}

/**
 * SyncReads.changeMarker for one SQLite connection. Our own writes: every statement runs through the
 * statement cache, which counts those that may write (`readonly` is false for INSERT … RETURNING too,
 * unlike `reader`), and better-sqlite3 runs a statement right after preparing it, synchronously, so a
 * row read before the count moved was read before the write. Other connections' commits:
 * `PRAGMA data_version` changes exactly then (it ignores this connection's own commits).
 */
function changeMarkerOf(raw: SqliteDatabase.Database, writes: { readonly count: number }): () => number | undefined {
  const dataVersion = raw.prepare('pragma data_version').pluck();
  let marker = 0;
  let seenWrites = writes.count;
  let seenVersion: unknown;
  return () => {
    if (!raw.open || raw.inTransaction) return undefined;
    const version: unknown = dataVersion.get();
    if (version !== seenVersion || writes.count !== seenWrites) {
      marker += 1;
      seenVersion = version;
      seenWrites = writes.count;
    }
    return marker;
  };
}

// Kysely prepares every statement anew; preparing costs more than running a small query on SQLite.
// Caching prepared statements by SQL text keeps one code path while removing that cost. Statements
// that may write are counted on the way (see changeMarkerOf).
function withStatementCache(raw: SqliteDatabase.Database, writes: { count: number }): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const cached = Object.create(raw) as SqliteDatabase.Database;
  cached.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
      statement = raw.prepare(source);
      cache.set(source, statement);
    }
    if (!statement.readonly) writes.count += 1;
    return statement;
  }) as SqliteDatabase.Database['prepare'];
  cached.close = () => {
    cache.clear();
    return raw.close();
  };
  return cached;
}

function openPostgres(location: string, options: DatabaseOptions): OpenDatabase {
  const url = new URL(location);
  const pool = new pg.Pool({
    connectionString: location,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    ...(options.tlsCaFile ? { ssl: { ca: readFileSync(options.tlsCaFile, 'utf8'), rejectUnauthorized: true } } : {}),
  });
  // An idle connection dropped by the server (restart, failover) is reported here; without a listener
  // it would crash the process. The pool replaces it on the next checkout.
  pool.on('error', () => {});
  // A checked-out connection that the server drops between two queries (for example inside a
  // transaction while the code computes) emits 'error' on the client itself, not on the pool; unheard
  // it is an uncaught exception. The next query on it fails and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
  url.password = '';
  url.search = '';
  return { db, dialect: 'postgres', description: `PostgreSQL ${url.host}${url.pathname}`, close: () => db.destroy(), isReachable: () => reachable(db) };
}

async function reachable(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** Applies every migration this code knows; several instances starting at once take turns (a lock). */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  await refuseNewerSchema(db);
  // Kysely looks for its migration tables in any schema unless told which; with several schemas in one
  // PostgreSQL database (one per deployment or test run) it must be the connection's own.
  const schema = (await currentSchema(db)) ?? (await createSearchPathSchema(db));
  // Unordered: features land in parallel with numbers reserved ahead (a database may have run 011 before
  // 010 exists in the code); each migration touches only its own tables, so the order between them is free.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DatabaseConfigError(`database migration ${failed} failed: ${String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** PostgreSQL's current schema (from search_path; undefined when none of its schemas exists), or undefined on SQLite. */
async function currentSchema(db: Kysely<Database>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const result = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return result.rows[0]?.schema ?? undefined;
}

/**
 * A PostgreSQL URL whose search_path names a schema that does not exist yet (a new deployment given
 * `options=-c search_path=NAME`): the migration creates it, as it creates the tables, rather than failing
 * with `relation "kysely_migration_lock" does not exist`. On SQLite, or when search_path names no schema
 * at all, nothing is created. A user who may not create schemas is told the statement that would.
 */
async function createSearchPathSchema(db: Kysely<Database>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const setting = await sql<{ path: string }>`select current_setting('search_path') as path`.execute(db);
  const first = firstSearchPathSchema(setting.rows[0]?.path ?? '');
  if (first === undefined) throw new DatabaseConfigError('the PostgreSQL search_path names no schema to create the tables in: add options=-c search_path=NAME to the URL');
  try {
    await sql`create schema if not exists ${sql.id(first)}`.execute(db);
  } catch (error) {
    // Another instance starting on the same new schema created it a moment ago.
    if (isUniqueViolation(error) && (await currentSchema(db)) === first) return first;
    throw new DatabaseConfigError(
      `the schema "${first}" of the URL's search_path does not exist and could not be created (${(error as Error).message}); ` +
        `create it as a user who may: CREATE SCHEMA "${first}" AUTHORIZATION <the URL's user>;`,
      { cause: error },
    );
  }
  return first;
}

/** The first schema a search_path setting names (`"$user"` and empty entries skipped), unquoted. */
function firstSearchPathSchema(setting: string): string | undefined {
  for (const raw of setting.split(',')) {
    const entry = raw.trim();
    if (entry === '' || entry === '"$user"' || entry === '$user') continue;
    return entry.startsWith('"') && entry.endsWith('"') ? entry.slice(1, -1).replaceAll('""', '"') : entry.toLowerCase();
  }
  return undefined;
}

/**
 * Whether the migrations table exists in this database (PostgreSQL: in the connection's own schema).
 * Asked directly rather than through Kysely's introspection, which reads every schema's catalog and
 * fails when another deployment drops a schema at that moment.
 */
async function hasMigrationTable(db: Kysely<Database>): Promise<boolean> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const schema = await currentSchema(db);
  // PostgreSQL without any schema of its search_path: nothing has been created yet.
  if (postgres && schema === undefined) return false;
  const result =
    !postgres
      ? await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db)
      : await sql<{ n: number }>`select count(*) as n from pg_catalog.pg_tables where schemaname = ${schema} and tablename = 'kysely_migration'`.execute(db);
  return Number(result.rows[0]?.n ?? 0) > 0;
}

async function refuseNewerSchema(db: Kysely<Database>): Promise<void> {
  if (!(await hasMigrationTable(db))) return;
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

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, connection failures.
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006',
  // SQLite: the file stayed locked longer than busy_timeout.
  'SQLITE_BUSY',
]);

/** True when the error means the database cannot be reached right now (answer 503, retry later). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is insecure|the database system is (starting up|shutting down)/i.test(message);
}
