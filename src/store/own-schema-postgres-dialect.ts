// Kysely's PostgreSQL dialect with an introspector that sees the connection's own schema only.
//
// Kysely's migrator checks for its tables with introspection.getTables(), whose PostgreSQL query reads the
// catalog of every schema in the database and calls pg_get_serial_sequence() on each table's name: when
// another deployment (or test run) drops its schema at that moment, our start fails with 3F000
// `schema "<theirs>" does not exist` (seen in test runs beside other runs; 2 of 12 starts beside a schema
// churn in test/store/migration-beside-dropped-schemas.test.ts). The migrator only needs table names in
// the schema it migrates, which is the connection's own (migrateToLatest sets migrationTableSchema to it).
// Columns are not read here: nothing of ours asks for them.
import { type DatabaseIntrospector, type DatabaseMetadataOptions, PostgresDialect, PostgresIntrospector, sql, type TableMetadata } from 'kysely';

type IntrospectedDatabase = Parameters<PostgresDialect['createIntrospector']>[0];

class OwnSchemaIntrospector extends PostgresIntrospector {
  readonly #db: IntrospectedDatabase;

  constructor(db: IntrospectedDatabase) {
    super(db);
    this.#db = db;
  }

  override async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')
      order by c.relname`.execute(this.#db);
    return rows
      .filter((row) => options.withInternalKyselyTables || !row.name.startsWith('kysely_migration'))
      .map((row) => ({ name: row.name, schema: row.schema, isView: row.kind === 'v', columns: [] }));
  }
}

export class OwnSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: IntrospectedDatabase): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}
