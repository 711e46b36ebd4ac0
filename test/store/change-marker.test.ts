// SyncReads.changeMarker (src/store/database.ts): the fast read path reuses a PKI read from SQLite for
// as long as this marker stays the same, so it must move on every write of this connection and on
// every commit of another connection to the same file, and refuse inside a transaction.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type OpenDatabase, type SyncReads } from '../../src/store/database.ts';
import { JobRepository } from '../../src/store/job-repository.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';

// SQLite-specific (PostgreSQL has no synchronous reads): part of the SQLite run of the suite.
if (TEST_BACKEND === 'sqlite') {
  describe('change marker of a SQLite database', () => {
    let dir: string;
    let ours: OpenDatabase;
    let other: OpenDatabase;
    let reads: SyncReads;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-marker-'));
      const file = path.join(dir, 'graph-pki.db');
      ours = await openDatabase(file);
      other = await openDatabase(file);
      assert.ok(ours.syncReads);
      reads = ours.syncReads;
    });

    after(async () => {
      await ours?.close();
      await other?.close();
      await rm(dir, { recursive: true, force: true });
    });

    const insertSetting = (db: OpenDatabase, name: string) => sql`insert into server_setting (name, value) values (${name}, 'x')`.execute(db.db);

    it('stays the same while nothing is written, reads included', async () => {
      const first = reads.changeMarker();
      assert.equal(typeof first, 'number');
      await sql`select count(*) from certificate_based_auth_pki`.execute(ours.db);
      await sql`select count(*) from certificate_based_auth_pki`.execute(other.db);
      assert.equal(reads.changeMarker(), first);
    });

    it('holds while an idle job runner looks for work (no job, no write)', async () => {
      const jobs = new JobRepository(ours.db, 'sqlite');
      const before = reads.changeMarker();
      assert.equal(await jobs.claim('runner-1', Date.now(), 30_000, 1), undefined);
      assert.equal(reads.changeMarker(), before);
    });

    it('moves after a write of this connection', async () => {
      const before = reads.changeMarker();
      await insertSetting(ours, 'marker-own');
      const afterWrite = reads.changeMarker();
      assert.notEqual(afterWrite, before);
      assert.equal(reads.changeMarker(), afterWrite, 'and then holds');
    });

    it('moves after a commit of another connection to the same file', async () => {
      const before = reads.changeMarker();
      await insertSetting(other, 'marker-other');
      assert.notEqual(reads.changeMarker(), before);
    });

    it('is undefined inside a transaction, and moves once it commits', async () => {
      const before = reads.changeMarker();
      await ours.db.transaction().execute(async (trx) => {
        await sql`insert into server_setting (name, value) values (${'marker-txn'}, 'x')`.execute(trx);
        assert.equal(reads.changeMarker(), undefined);
      });
      const afterCommit = reads.changeMarker();
      assert.equal(typeof afterCommit, 'number');
      assert.notEqual(afterCommit, before);
    });
  });
}
