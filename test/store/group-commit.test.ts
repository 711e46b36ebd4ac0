// Group commit of PKI creates on the real store: concurrent inserts share a transaction, every caller
// learns its own outcome, and one failing insert (a duplicate key) fails alone.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { PkiRecord } from '../../src/store/pki-repository.ts';
import { startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

const record = (id: string, displayName: string): PkiRecord => ({
  id,
  displayName,
  status: 'succeeded',
  statusDetails: null,
  lastModifiedDateTime: '2026-01-01T00:00:00Z',
  createdDateTime: '2026-01-01T00:00:00Z',
  deletedDateTime: null,
});

it('answers each concurrent insert with its own outcome; a duplicate fails alone', async () => {
  const pkis = t.server.store.repositories.pkis;
  const duplicate = randomUUID();
  const ids = Array.from({ length: 20 }, () => randomUUID());
  const results = await Promise.allSettled([
    ...ids.map((id, i) => pkis.insert(TENANT_A, record(id, `batch ${i}`))),
    pkis.insert(TENANT_A, record(duplicate, 'first')),
    pkis.insert(TENANT_A, record(duplicate, 'second')),
  ]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 21);
  assert.equal(results.filter((r) => r.status === 'rejected').length, 1);
  for (const id of ids) assert.ok(await pkis.findById(TENANT_A, id), `${id} stored`);
  // The two inserts of one id race (on PostgreSQL they are separate statements on the pool): the one
  // that succeeded is stored, and the one that failed is the other.
  const [first, second] = results.slice(-2);
  assert.notEqual(first?.status, second?.status, 'exactly one of the two inserts of one id succeeds');
  const winner = first?.status === 'fulfilled' ? 'first' : 'second';
  assert.equal((await pkis.findById(TENANT_A, duplicate))?.displayName, winner);
});
