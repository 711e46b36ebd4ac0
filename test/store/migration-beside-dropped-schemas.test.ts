// Kysely's own PostgreSQL introspection reads the catalog of every schema in the database, so a schema
// another deployment (or test run) drops at that moment failed our migration with `schema "<theirs>" does
// not exist` (3F000; 2 of 12 starts here). A start must not fail for someone else's schema: our dialect's
// introspection reads the connection's own schema only (src/store/own-schema-postgres-dialect.ts).
// PostgreSQL only: the SQLite run of the suite defines no test here.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { openDatabase } from '../../src/store/database.ts';
import { POSTGRES_ADMIN_URL, postgresSchemaUrl, TEST_BACKEND, testSchemaName } from '../helpers/backend.ts';

if (TEST_BACKEND === 'postgres') {
  describe('migrations while other schemas are dropped', () => {
    const churn = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    let churning = true;
    after(async () => {
      churning = false;
      await churn.end().catch(() => undefined);
    });

    it('every fresh schema migrates although schemas with tables come and go beside it', async () => {
      await churn.connect();
      // Someone else's schemas: created with a few tables and dropped again, as fast as PostgreSQL allows.
      const churned = (async () => {
        let round = 0;
        while (churning) {
          const name = testSchemaName('churn', `${randomBytes(4).toString('hex')}${round++}`);
          await churn.query(`create schema ${name}; create table ${name}.a (id serial primary key); create table ${name}.b (id serial primary key)`);
          await churn.query(`drop schema ${name} cascade`);
        }
        return round;
      })();
      const failures: string[] = [];
      for (let i = 0; i < 20; i++) {
        const url = await postgresSchemaUrl(testSchemaName('test', randomBytes(8).toString('hex')));
        try {
          const database = await openDatabase(url);
          await database.close();
        } catch (error) {
          failures.push(String(error));
        }
      }
      churning = false;
      const rounds = await churned;
      assert.ok(rounds > 20, `schemas were dropped during the migrations (${rounds})`);
      assert.deepEqual(failures, [], 'no migration failed for a schema that was not its own');
    });
  });
}
