// Property-based tests (fast-check) of the collection query options through real HTTP:
// - random $filter expressions answer exactly the rows an in-memory evaluation of the same filter
//   selects, on the same rows, and /$count agrees;
// - walking @odata.nextLink with random page sizes and sort orders, while PKIs are created and deleted
//   between pages, returns every PKI that existed throughout exactly once, in order.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { PkiRecord } from '../../src/store/pki-repository.ts';
import { PKI_PATH, send, startTestServer, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

// ---- the model ---------------------------------------------------------------------------------

type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; operand: Filter }
  | { kind: 'eq' | 'ne'; field: 'displayName' | 'status'; value: string | null }
  | { kind: 'in'; values: Array<string | null> }
  | { kind: 'startswith'; prefix: string }
  | { kind: 'time'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; ms: number };

const NAMES = ['Contoso', 'contoso', 'CONTOSO PKI', "O'Brien", 'Zürich', 'zürich CA', 'Äpfel', 'äpfel', '', 'Fabrikam', '_x%', 'ΣΙΓΜΑ'];
const BASE_MS = Date.UTC(2025, 0, 1);

function fold(value: string): string {
  return value.toLowerCase();
}

function matches(filter: Filter, row: PkiRecord): boolean {
  switch (filter.kind) {
    case 'and':
      return matches(filter.left, row) && matches(filter.right, row);
    case 'or':
      return matches(filter.left, row) || matches(filter.right, row);
    case 'not':
      return !matches(filter.operand, row);
    case 'eq':
    case 'ne': {
      const actual = filter.field === 'displayName' ? row.displayName : row.status;
      const equal = filter.value === null ? actual === null : actual !== null && fold(actual) === fold(filter.value);
      return filter.kind === 'eq' ? equal : !equal;
    }
    case 'in':
      return filter.values.some((value) => (value === null ? row.displayName === null : row.displayName !== null && fold(row.displayName) === fold(value)));
    case 'startswith':
      return row.displayName !== null && fold(row.displayName).startsWith(fold(filter.prefix));
    case 'time': {
      const actual = Date.parse(row.lastModifiedDateTime);
      const ops = { eq: actual === filter.ms, ne: actual !== filter.ms, gt: actual > filter.ms, ge: actual >= filter.ms, lt: actual < filter.ms, le: actual <= filter.ms };
      return ops[filter.op];
    }
  }
}

const quote = (value: string | null) => (value === null ? 'null' : `'${value.replaceAll("'", "''")}'`);

function print(filter: Filter): string {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return `(${print(filter.left)} ${filter.kind} ${print(filter.right)})`;
    case 'not':
      return `not(${print(filter.operand)})`;
    case 'eq':
    case 'ne':
      return `${filter.field} ${filter.kind} ${quote(filter.value)}`;
    case 'in':
      return `displayName in (${filter.values.map(quote).join(', ')})`;
    case 'startswith':
      return `startswith(displayName, ${quote(filter.prefix)})`;
    case 'time':
      return `lastModifiedDateTime ${filter.op} ${new Date(filter.ms).toISOString()}`;
  }
}

const nameArb = fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 4 }));
const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ kind: fc.constantFrom('eq' as const, 'ne' as const), field: fc.constant('displayName' as const), value: fc.option(nameArb, { nil: null }) }),
  fc.record({ kind: fc.constantFrom('eq' as const, 'ne' as const), field: fc.constant('status' as const), value: fc.constantFrom('succeeded', 'SUCCEEDED', 'failed', 'running') }),
  fc.record({ kind: fc.constant('in' as const), values: fc.array(fc.option(nameArb, { nil: null }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('startswith' as const), prefix: fc.oneof(fc.constantFrom('con', 'Z', 'ä', '_', '%', "o'", ''), fc.string({ maxLength: 2 })) }),
  fc.record({
    kind: fc.constant('time' as const),
    op: fc.constantFrom('eq' as const, 'ne' as const, 'gt' as const, 'ge' as const, 'lt' as const, 'le' as const),
    // Whole seconds around the rows' timestamps, and fractions in between.
    ms: fc.oneof(fc.integer({ min: -2, max: 12 }).map((s) => BASE_MS + s * 1000), fc.integer({ min: -2000, max: 12000 }).map((d) => BASE_MS + d)),
  }),
);
const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('filter'), right: tie('filter') }),
    fc.record({ kind: fc.constant('not' as const), operand: tie('filter') }),
  ),
})).filter;

// ---- the properties ----------------------------------------------------------------------------

describe('$filter agrees with an in-memory evaluation', () => {
  const tenantId = randomUUID();
  const rows: PkiRecord[] = [];
  let token: string;

  before(async () => {
    token = await t.token({ tenantId });
    // Rows written through the real repository so their timestamps can spread over several seconds.
    const names: Array<string | null> = [...NAMES, null, null, 'Contoso 2', 'contoso-3'];
    for (const [i, displayName] of names.entries()) {
      const stamp = `${new Date(BASE_MS + (i % 11) * 1000).toISOString().slice(0, 19)}Z`;
      const row: PkiRecord = {
        id: randomUUID(),
        displayName,
        status: i % 3 === 0 ? 'failed' : 'succeeded',
        statusDetails: null,
        lastModifiedDateTime: stamp,
        createdDateTime: stamp,
        deletedDateTime: null,
      };
      await t.server.store.repositories.pkis.insert(tenantId, row);
      rows.push(row);
    }
  });

  it('returns exactly the matching rows, and /$count agrees', async () => {
    await fc.assert(
      fc.asyncProperty(filterArb, async (filter) => {
        const text = print(filter);
        const query = `$filter=${encodeURIComponent(text)}&$top=999`;
        const res = await send(t.url, 'GET', `/beta${PKI_PATH}?${query}`, token);
        assert.equal(res.status, 200, `${text}: ${res.text}`);
        const expected = rows.filter((row) => matches(filter, row)).map((r) => r.id).sort();
        const actual = (res.body.value as Array<{ id: string }>).map((p) => p.id).sort();
        assert.deepEqual(actual, expected, text);
        const count = await send(t.url, 'GET', `/beta${PKI_PATH}/$count?$filter=${encodeURIComponent(text)}`, token);
        assert.equal(Number(count.text), expected.length, text);
      }),
      { numRuns: 150 },
    );
  });
});

describe('walking nextLinks returns every object exactly once', () => {
  const orderArb = fc.constantFrom('', 'displayName', 'displayName desc', 'lastModifiedDateTime', 'lastModifiedDateTime desc');

  it('with random page sizes and orders, while PKIs are created and deleted between pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        orderArb,
        fc.array(fc.option(fc.constantFrom(...NAMES), { nil: null }), { minLength: 5, maxLength: 25 }),
        fc.array(fc.record({ create: fc.nat(2), deleteIndex: fc.option(fc.nat(30), { nil: undefined }) }), { maxLength: 10 }),
        async (top, orderby, names, interleaved) => {
          const token = await t.token({ tenantId: randomUUID() });
          const base = `/beta${PKI_PATH}`;
          const create = async (displayName: string | null) =>
            (await send(t.url, 'POST', base, token, { body: { displayName } })).body as { id: string; displayName: string | null };
          const initial = [];
          for (const name of names) initial.push(await create(name));
          const deleted = new Set<string>();

          const seen: Array<{ id: string; displayName: string | null; lastModifiedDateTime: string }> = [];
          let url: string | undefined = `${t.url}${base}?$top=${top}${orderby ? `&$orderby=${encodeURIComponent(orderby)}` : ''}`;
          let step = 0;
          while (url) {
            // A paging bug that repeats a page must fail the test, not hang it.
            assert.ok(step <= names.length + 40, 'too many pages: the walk does not advance');
            const res = await send('', 'GET', url, token);
            assert.equal(res.status, 200, res.text);
            assert.ok(res.body.value.length <= top);
            seen.push(...res.body.value);
            url = res.body['@odata.nextLink'];
            if (url) assert.ok(url.startsWith(t.url), 'nextLink is absolute on the public URL');
            const change = interleaved[step++];
            if (url && change) {
              for (let i = 0; i < change.create; i++) await create(`inserted ${step}-${i}`);
              const victim = change.deleteIndex === undefined ? undefined : initial[change.deleteIndex % initial.length];
              if (victim && !deleted.has(victim.id)) {
                await send(t.url, 'DELETE', `${base}/${victim.id}`, token);
                deleted.add(victim.id);
              }
            }
          }

          const ids = seen.map((p) => p.id);
          assert.equal(new Set(ids).size, ids.length, 'no object twice');
          for (const pki of initial) {
            if (!deleted.has(pki.id)) assert.ok(ids.includes(pki.id), `${pki.id} (${pki.displayName}) was skipped`);
          }
          assertOrdered(seen, orderby);
        },
      ),
      { numRuns: 25 },
    );
  });
});

function assertOrdered(items: Array<{ id: string; displayName: string | null; lastModifiedDateTime: string }>, orderby: string): void {
  const [field, direction] = orderby.split(' ');
  const key = (p: (typeof items)[number]): string =>
    field === 'displayName' ? fold(p.displayName ?? '') : field === 'lastModifiedDateTime' ? p.lastModifiedDateTime : '';
  const sign = direction === 'desc' ? -1 : 1;
  for (let i = 1; i < items.length; i++) {
    const a = items[i - 1] as (typeof items)[number];
    const b = items[i] as (typeof items)[number];
    const byKey = Buffer.compare(Buffer.from(key(a)), Buffer.from(key(b)));
    const cmp = byKey !== 0 ? byKey : a.id < b.id ? -1 : 1;
    assert.ok(cmp * sign < 0, `out of order at ${i}: ${JSON.stringify(a)} then ${JSON.stringify(b)} for ${orderby || 'id'}`);
  }
}
