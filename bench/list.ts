// List queries at scale: a page of 100 PKIs with $filter and $orderby over 1 000 and over 100 000 PKIs of
// one tenant. Targets: p99 < 20 ms, and p99(100k) / p99(1k) ≤ 1.5 (the 1k run is the baseline).
//
// For each back-end (SQLite, and PostgreSQL when it answers at GRAPH_PKI_TEST_POSTGRES_URL or
// postgres://postgres@127.0.0.1:5432/test) and each size: a fresh data folder / schema is seeded through
// the real store (startServer in this process, repositories.pkis.insert in transactions of 1 000 rows),
// the in-process server is closed, then `bin/graph-pki serve` is started on the same database and loaded
// over loopback with autocannon (--connections, --duration, after a --warmup) for each query:
//   A  $filter=startswith(displayName,'Contoso')&$orderby=displayName&$top=100          (20 % match)
//   B  $filter=status eq 'succeeded'&$orderby=lastModifiedDateTime desc&$top=100        (80 % match)
// displayName = '<company> <kind> PKI <n>' from 10 companies (Contoso 20 %, the others ~9 % each) × 6 kinds; status 80 % succeeded, 12 % failed,
// 8 % running; lastModifiedDateTime spread over 120 days in random order. Every answer is checked (200,
// 100 objects, a nextLink, the order) before the load.
//
// Flags: --duration S (5), --warmup S (1), --connections N (8), --large N (100000), --small N (1000),
// --retries N (1), --quiet-wait S (20), --no-postgres.
// Exit codes: 0 valid run (targets met or not), 1 invalid run (non-2xx, errors) or failure, 3 watchdog, 130 signal.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TENANT_ID } from '../src/auth/token-issuer.ts';
import { DEFAULT_THROTTLE_CONFIG, defaultServerConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
import type { PkiRecord } from '../src/store/pki-repository.ts';
import {
  authHeaders,
  COLLECTION,
  expectStatus,
  fmt,
  freshPostgresSchema,
  isDisturbed,
  type LoadMeasurement,
  measureLoad,
  mintToken,
  parseFlags,
  postgresAvailable,
  printHeader,
  registerTempDir,
  runMain,
  startServe,
  startWatchdog,
  stopChild,
  table,
  verdict,
} from './lib.ts';

const USAGE =
  'usage: node --import tsx bench/list.ts [--duration S=5] [--warmup S=1] [--connections N=8] [--small N=1000] [--large N=100000] [--retries N=1] [--quiet-wait S=20] [--no-postgres]';
const P99_TARGET_MS = 20;
const GROWTH_TARGET = 1.5;
const BATCH = 1000;

const COMPANIES = ['Adatum', 'Contoso', 'Fabrikam', 'Fourth Coffee', 'Litware', 'Northwind', 'Proseware', 'Tailspin', 'Wingtip', 'Woodgrove'];
const OTHER_COMPANIES = COMPANIES.filter((c) => c !== 'Contoso');
const KINDS = ['Root', 'Issuing', 'Smartcard', 'VPN', 'Device', 'Partner'];

interface Query {
  readonly name: string;
  readonly query: string;
  /** Checks the first page's order. */
  readonly ordered: (a: Pki, b: Pki) => boolean;
  readonly matches: (p: Pki) => boolean;
}

interface Pki {
  displayName: string;
  status: string;
  lastModifiedDateTime: string;
}

const QUERIES: Query[] = [
  {
    name: "A startswith(displayName,'Contoso') by displayName",
    query: `$filter=${encodeURIComponent("startswith(displayName,'Contoso')")}&$orderby=displayName&$top=100`,
    ordered: (a, b) => a.displayName.toLowerCase() <= b.displayName.toLowerCase(),
    matches: (p) => p.displayName.toLowerCase().startsWith('contoso'),
  },
  {
    name: "B status eq 'succeeded' by lastModifiedDateTime desc",
    query: `$filter=${encodeURIComponent("status eq 'succeeded'")}&$orderby=${encodeURIComponent('lastModifiedDateTime desc')}&$top=100`,
    ordered: (a, b) => a.lastModifiedDateTime >= b.lastModifiedDateTime,
    matches: (p) => p.status === 'succeeded',
  },
];

/** Deterministic pseudo-random numbers (mulberry32), so that both back-ends get the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function record(i: number, next: () => number, now: number): PkiRecord {
  // Contoso gets 20 % of the PKIs (200 of 1 000: query A fills two pages even at the small size).
  const pick = next();
  const company = pick < 0.2 ? 'Contoso' : (OTHER_COMPANIES[Math.floor(((pick - 0.2) / 0.8) * OTHER_COMPANIES.length)] as string);
  const kind = KINDS[Math.floor(next() * KINDS.length)] as string;
  const roll = next();
  const status = roll < 0.8 ? 'succeeded' : roll < 0.92 ? 'failed' : 'running';
  const modified = new Date(now - Math.floor(next() * 120 * 86_400) * 1000);
  const stamp = `${modified.toISOString().slice(0, 19)}Z`;
  return {
    id: randomUUID(),
    displayName: `${company} ${kind} PKI ${i}`,
    status,
    statusDetails: status === 'failed' ? 'Upload failed: hash mismatch.' : status === 'succeeded' && roll < 0.4 ? `Upload succeeded: added ${1 + (i % 250)} certificate authorities from https://pki.example/cba.p7b.` : null,
    lastModifiedDateTime: stamp,
    createdDateTime: stamp,
    deletedDateTime: null,
  };
}

/** Seeds `count` PKIs through the real store; returns the seconds it took. */
async function seed(dataDir: string, database: string | undefined, count: number): Promise<number> {
  const server = await startServer(defaultServerConfig({ dataDir, port: 0, logLevel: 'silent', database, throttle: { ...DEFAULT_THROTTLE_CONFIG, enabled: false } }), { runJobs: false });
  const started = performance.now();
  try {
    const next = random(20261126);
    const now = Date.now();
    const batches: PkiRecord[][] = [];
    for (let i = 0; i < count; i += BATCH) batches.push(Array.from({ length: Math.min(BATCH, count - i) }, (_, k) => record(i + k + 1, next, now)));
    const insertBatch = (batch: PkiRecord[]) =>
      server.store.transaction(async (repos) => {
        for (const pki of batch) await repos.pkis.insert(DEFAULT_TENANT_ID, pki);
      });
    // PostgreSQL: a few transactions at once over the pool; SQLite serialises writers anyway.
    const parallel = database ? 4 : 1;
    for (let i = 0; i < batches.length; i += parallel) await Promise.all(batches.slice(i, i + parallel).map(insertBatch));
    if (database) {
      // What autovacuum would do shortly after a bulk load; without statistics the planner guesses.
      const { sql } = await import('kysely');
      await sql`analyze certificate_based_auth_pki`.execute(server.database.db);
    }
  } finally {
    await server.close();
  }
  return (performance.now() - started) / 1000;
}

/** One request per query: 200, a full page in order, a nextLink, every object matching the filter. */
async function check(url: string, token: string, size: number): Promise<void> {
  for (const q of QUERIES) {
    const body = (await expectStatus(await fetch(`${url}${COLLECTION}?${q.query}`, { headers: authHeaders(token) }), 200, q.name)) as {
      value: Pki[];
      '@odata.nextLink'?: string;
    };
    if (body.value.length !== 100) throw new Error(`${q.name} over ${size}: ${body.value.length} objects, expected 100`);
    if (!body['@odata.nextLink']) throw new Error(`${q.name} over ${size}: no nextLink`);
    body.value.forEach((p, i) => {
      if (!q.matches(p)) throw new Error(`${q.name}: ${JSON.stringify(p)} does not match the filter`);
      const before = body.value[i - 1];
      if (before && !q.ordered(before, p)) throw new Error(`${q.name}: out of order at ${i}`);
    });
  }
}

interface Cell {
  m: LoadMeasurement;
  seedS: number;
}

async function main(): Promise<number> {
  const options = parseFlags(
    process.argv.slice(2),
    { duration: 5, warmup: 1, connections: 8, small: 1000, large: 100_000, retries: 1, quietWait: 20, noPostgres: false },
    USAGE,
  );
  const sizes = [Math.round(options.small), Math.round(options.large)];
  const backends: Array<'sqlite' | 'postgres'> = ['sqlite'];
  if (!options.noPostgres) {
    if (await postgresAvailable()) backends.push('postgres');
    else process.stdout.write('PostgreSQL does not answer: measuring SQLite only.\n');
  }
  const perLoad = (options.warmup + options.duration + options.quietWait + 2) * (1 + options.retries);
  startWatchdog('bench/list', backends.length * (sizes.length * (QUERIES.length * perLoad + 30) + 120));

  printHeader(
    'list: a page of 100 with $filter and $orderby',
    `sizes ${sizes.join(' and ')} PKIs in one tenant; ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s per run, loopback; ` +
      `autocannon runs in this process and shares the cores with the server (and PostgreSQL)`,
  );

  const cells = new Map<string, Cell>();
  let invalid = false;
  for (const backend of backends) {
    for (const size of sizes) {
      const dataDir = registerTempDir(mkdtempSync(path.join(os.tmpdir(), 'graph-pki-bench-list-')));
      const database = backend === 'postgres' ? await freshPostgresSchema(`list${size}`) : undefined;
      process.stdout.write(`${backend}: seeding ${size} PKIs … `);
      const seedS = await seed(dataDir, database, size);
      process.stdout.write(`${seedS.toFixed(1)} s\n`);
      const server = await startServe(`graph-pki (${backend}, ${size})`, dataDir, database);
      try {
        const token = mintToken(dataDir, database);
        await check(server.url, token, size);
        for (const q of QUERIES) {
          const m = await measureLoad(
            `${backend.padEnd(8)} ${String(size).padStart(6)}  ${q.name.slice(0, 1)}`,
            [{ pid: server.pid, connections: options.connections, request: { url: `${server.url}${COLLECTION}?${q.query}`, headers: authHeaders(token) } }],
            { warmupS: options.warmup, durationS: options.duration, quietWaitS: options.quietWait, retries: options.retries, postgres: backend === 'postgres' },
          );
          if (m.bad > 0) invalid = true;
          cells.set(`${backend}/${size}/${q.name}`, { m, seedS });
        }
      } finally {
        await stopChild(server.child);
      }
    }
  }

  const [small, large] = sizes as [number, number];
  const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
  const rows: string[][] = [
    [
      'back-end / query',
      `req/s ${k(small)}`,
      `p50 ${k(small)}`,
      `p99 ${k(small)}`,
      `req/s ${k(large)}`,
      `p50 ${k(large)}`,
      `p99 ${k(large)}`,
      `p99 < ${P99_TARGET_MS} ms`,
      `p99 ${k(large)}/${k(small)}`,
      `≤ ${GROWTH_TARGET}`,
      `CPU/req ${k(small)}`,
      `CPU/req ${k(large)}`,
      `CPU ${k(large)}/${k(small)}`,
    ],
  ];
  let allMet = true;
  const disturbed: string[] = [];
  for (const backend of backends) {
    for (const q of QUERIES) {
      const a = cells.get(`${backend}/${small}/${q.name}`)!.m;
      const b = cells.get(`${backend}/${large}/${q.name}`)!.m;
      const latencyMet = a.p99Ms < P99_TARGET_MS && b.p99Ms < P99_TARGET_MS;
      // autocannon reports whole milliseconds; a 1k p99 of 0 ms would make the ratio infinite.
      const growth = b.p99Ms / Math.max(a.p99Ms, 1);
      const growthMet = growth <= GROWTH_TARGET;
      allMet &&= latencyMet && growthMet;
      for (const [size, m] of [[small, a], [large, b]] as const) if (isDisturbed(m)) disturbed.push(`${backend} ${k(size)} ${q.name.slice(0, 1)}`);
      const cpu = (m: LoadMeasurement) => `${fmt(m.serverCpuUsPerReq)} µs${m.postgresCpuUsPerReq !== undefined ? ` + pg ${fmt(m.postgresCpuUsPerReq)}` : ''}`;
      rows.push([
        `${backend} ${q.name}`,
        fmt(a.reqPerS),
        `${a.p50Ms} ms`,
        `${a.p99Ms} ms`,
        fmt(b.reqPerS),
        `${b.p50Ms} ms`,
        `${b.p99Ms} ms`,
        verdict(latencyMet),
        `${growth.toFixed(2)}×`,
        verdict(growthMet),
        cpu(a),
        cpu(b),
        a.serverCpuUsPerReq && b.serverCpuUsPerReq ? `${(b.serverCpuUsPerReq / a.serverCpuUsPerReq).toFixed(2)}×` : 'n/a',
      ]);
    }
  }
  process.stdout.write(`\n${table(rows)}\n\n`);
  process.stdout.write(
    `Seeding: ${backends.map((b) => sizes.map((s) => `${b} ${k(s)} ${cells.get(`${b}/${s}/${QUERIES[0]!.name}`)!.seedS.toFixed(1)} s`).join(', ')).join('; ')}. ` +
      `CPU/req is the server process${backends.includes('postgres') ? ' (+ every postgres process, others’ queries included)' : ''}; p99 ratio uses max(p99 ${k(small)}, 1 ms); ` +
      `the CPU ratio (server process only) is the noise-free view of how the query's cost grows with the table.\n`,
  );
  if (invalid) {
    process.stdout.write('INVALID RUN: non-2xx responses or connection errors (see the lines above).\n');
    return 1;
  }
  if (disturbed.length > 0) process.stdout.write(`Disturbed: other processes used > 0.15 cores during ${disturbed.join(', ')}; latencies of those runs overstate the server.\n`);
  process.stdout.write(`${allMet ? 'PASS' : 'MISSED'}: every query p99 < ${P99_TARGET_MS} ms at both sizes and p99(${k(large)}) / p99(${k(small)}) ≤ ${GROWTH_TARGET}.\n`);
  return 0;
}

runMain('bench/list', main);
