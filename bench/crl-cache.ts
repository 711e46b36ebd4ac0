// The CRL cache's bounds under the load of issue 13: 30 distinct URLs each serving a 20 MB CRL, each
// verified once through `bin/graph-pki serve` (SQLite, or PostgreSQL with --postgres; the default caps
// unless flags say otherwise), and the verdict against the configured caps:
// - memory: the CRL bytes the memory cache holds (/metrics) must be at most --crl-cache-memory-bytes;
//   the server's RSS (VmRSS from /proc) minus its RSS before the 30 verifications (measured in the same
//   run, after start-up and the set-up requests) must be at most that cap too, both at its peak during
//   the run (sampled every 100 ms; it includes garbage V8 has not collected yet) and after 15 s idle:
//   the cap bounds the process's growth (CRLs held, loads in progress, and the working memory loads use
//   and leave in SQLite, the drivers, V8 and malloc, for which the cache holds part of the cap back).
//   Where the RSS is (by kind of mapping, from /proc/<pid>/smaps) is reported.
// - database: SQLite, the size on disk of graph-pki.db plus its -wal file after the run minus before;
//   PostgreSQL, pg_total_relation_size of crl_cache and crl_cache_chunk (heap, TOAST, indexes) after
//   minus before; at most --crl-cache-database-bytes, after the run and at its peak during it (sampled
//   every 100 ms): a CRL being written is held once more until the checkpoint or VACUUM after it.
// Before issue 13's bound the same run took RSS from 288 to 1,172 MB and the database from 78 to 857 MB.
//
// The file server runs in this process; the 20 MB CRL (bench/verify.ts's bigCrl, ~570 000 entries) is
// the same bytes at every URL, which is what the attack did too (the cache is keyed by URL).
//
// Flags: --urls N (30), --memory-mb M (128), --database-mb D (192), --concurrency C (1: verifications at
// once, each with its own issuing CA and CRL; 2 keeps both --crl-loads-in-flight busy), --postgres.
// Exit codes: 0 run finished and every figure within its bound, 2 one over it, 1 failure, 3 watchdog timeout.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startFileServer } from '../test/helpers/file-server.ts';
import { bigCrl } from '../test/helpers/crl-der.ts';
import { createCa, createLeaf } from '../test/helpers/certs.ts';
import { DEFAULT_CRL_CONFIG } from '../src/config.ts';
import {
  authHeaders,
  COLLECTION,
  freshPostgresSchema,
  mintToken,
  parseFlags,
  postgresAvailable,
  printHeader,
  registerCloser,
  registerTempDir,
  runMain,
  startServe,
  startWatchdog,
  table,
} from './lib.ts';

const USAGE = 'usage: node --import tsx bench/crl-cache.ts [--urls N=30] [--memory-mb M=128] [--database-mb D=192] [--concurrency C=1] [--postgres]';
const MB = 1_048_576;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const CRL_ENTRIES = 570_000; // just under 20 MiB
const LOADS_IN_FLIGHT = DEFAULT_CRL_CONFIG.crlLoadsInFlight;
const MAX_CRL_BYTES = DEFAULT_CRL_CONFIG.maxCrlBytes;

const RESIDENT_PARTS = [
  'anonymous mappings ≥ 16 MB (CRL buffers and index arrays, 32 MiB each, merged)',
  'malloc heap ([heap]: SQLite, drivers, small buffers)',
  'other anonymous (V8 heap pages, thread arenas)',
  'files (node binary, libraries)',
] as const;

/** Resident bytes of the process by kind of mapping, from /proc/<pid>/smaps. */
function residentParts(pid: number): Record<(typeof RESIDENT_PARTS)[number], number> {
  const parts = Object.fromEntries(RESIDENT_PARTS.map((p) => [p, 0])) as Record<(typeof RESIDENT_PARTS)[number], number>;
  let part: (typeof RESIDENT_PARTS)[number] | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const size = parseInt(mapping[2] as string, 16) - parseInt(mapping[1] as string, 16);
      const name = mapping[3] ?? '';
      if (name === '[heap]') part = RESIDENT_PARTS[1];
      else if (name.startsWith('/')) part = RESIDENT_PARTS[3];
      else if (name === '') part = size >= 16 * MB ? RESIDENT_PARTS[0] : RESIDENT_PARTS[2];
      else part = undefined; // stack, vdso
    } else if (part && line.startsWith('Rss:')) {
      parts[part] += Number(/(\d+)/.exec(line)?.[1] ?? 0) * 1024;
    }
  }
  return parts;
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

function fileBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), { urls: 30, memoryMb: 128, databaseMb: 192, concurrency: 1, postgres: false }, USAGE);
  startWatchdog('crl-cache', 600);
  const memoryCap = flags.memoryMb * MB;
  const databaseCap = flags.databaseMb * MB;
  const backend = flags.postgres ? 'PostgreSQL' : 'SQLite';
  const lanes = Math.max(1, flags.concurrency);
  printHeader(
    'CRL cache bounds',
    `${flags.urls} URLs × one 20 MB CRL on ${backend}, ${lanes} verification(s) at once, caps ${flags.memoryMb} MB memory / ${flags.databaseMb} MB database`,
  );
  if (flags.postgres && !(await postgresAvailable())) throw new Error('--postgres: PostgreSQL does not answer at GRAPH_PKI_TEST_POSTGRES_URL');

  const root = await createCa({ subject: 'CN=Bench CRL Root' });
  // One issuing CA, CRL and leaf per verification running at once (a CA names one CRL URL at a time).
  const issuers = [];
  for (let lane = 0; lane < lanes; lane++) {
    const issuing = await createCa({ subject: `CN=Bench CRL Issuing CA ${lane}`, issuer: root });
    issuers.push({ issuing, crl: bigCrl(issuing, CRL_ENTRIES).der });
  }
  const crl = issuers[0]?.crl as Buffer;
  const files = await startFileServer();
  registerCloser(() => files.close());
  for (let i = 0; i < flags.urls; i++) files.set(`/crl-${i}.crl`, { body: issuers[i % lanes]?.crl as Buffer });

  const dataDir = registerTempDir(mkdtempSync(path.join(os.tmpdir(), 'graph-pki-bench-crl-')));
  const databaseUrl = flags.postgres ? await freshPostgresSchema('crlcache') : undefined;
  const server = await startServe('graph-pki', dataDir, databaseUrl, [
    '--allow-private-fetch',
    '--crl-loads-in-flight', String(LOADS_IN_FLIGHT),
    '--crl-max-bytes', String(MAX_CRL_BYTES),
    '--crl-cache-memory-bytes', String(memoryCap),
    '--crl-cache-database-bytes', String(databaseCap),
  ]);
  const token = mintToken(dataDir, databaseUrl);
  const headers = { ...authHeaders(token), 'content-type': 'application/json' };
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${server.url}${url}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const pki = await call('POST', COLLECTION, { displayName: 'CRL cache bench' });
  await call('POST', `${COLLECTION}/${pki.id}/certificateAuthorities`, { certificate: Buffer.from(root.der).toString('base64') });
  const laneCas = [];
  for (const [lane, { issuing }] of issuers.entries()) {
    const ca = await call('POST', `${COLLECTION}/${pki.id}/certificateAuthorities`, { certificate: Buffer.from(issuing.der).toString('base64') });
    const leaf = await createLeaf({ subject: `CN=Bench CRL User ${lane}`, issuer: issuing, extendedKeyUsage: [CLIENT_AUTH] });
    laneCas.push({ caId: String(ca.id), leaf: Buffer.from(leaf.der).toString('base64') });
  }

  const database = path.join(dataDir, 'graph-pki.db');
  let diskBytes = async () => fileBytes(database) + fileBytes(`${database}-wal`);
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    registerCloser(() => client.end());
    diskBytes = async () => {
      const result = await client.query<{ bytes: string }>(
        "select pg_total_relation_size('crl_cache') + pg_total_relation_size('crl_cache_chunk') as bytes",
      );
      return Number(result.rows[0]?.bytes ?? 0);
    };
  }
  const partsBefore = residentParts(server.pid);
  const rssBefore = rssBytes(server.pid);
  const diskBefore = await diskBytes();
  let rssPeak = rssBefore;
  let diskPeak = diskBefore;
  let sampling = false;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssBytes(server.pid));
    if (sampling) return;
    sampling = true;
    void diskBytes()
      .then((bytes) => {
        diskPeak = Math.max(diskPeak, bytes);
      })
      .finally(() => {
        sampling = false;
      });
  }, 100);
  const started = Date.now();
  const sources = new Map<string, number>();
  for (let first = 0; first < flags.urls; first += lanes) {
    await Promise.all(
      laneCas.map(async ({ caId, leaf }, lane) => {
        const i = first + lane;
        if (i >= flags.urls) return;
        await call('PATCH', `${COLLECTION}/${pki.id}/certificateAuthorities/${caId}`, { certificateRevocationListUrl: `${files.url}/crl-${i}.crl?sig=${i}` });
        const verdict = await call('POST', '/graph-pki/v1/verify', { certificate: leaf });
        if (verdict.trusted !== true) throw new Error(`URL ${i}: not trusted: ${String(verdict.message)}`);
        const source = String((verdict.path as Array<{ revocation: { source: string } }>)[0]?.revocation.source);
        sources.set(source, (sources.get(source) ?? 0) + 1);
      }),
    );
  }
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  const rssAfter = rssBytes(server.pid);
  const diskAfter = await diskBytes();
  diskPeak = Math.max(diskPeak, diskAfter);
  const walAfter = fileBytes(`${database}-wal`);
  await new Promise((resolve) => setTimeout(resolve, 15_000)); // idle: V8 may give garbage back
  const rssIdle = rssBytes(server.pid);
  const partsIdle = residentParts(server.pid);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const series = (name: string) => metrics.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? '?';
  const memoryHeld = Number(series('graph_pki_crl_cache_bytes{tier="memory"}'));

  const mb = (bytes: number) => (bytes / MB).toFixed(0);
  const rssGrowth = rssIdle - rssBefore;
  const rssPeakGrowth = rssPeak - rssBefore;
  const rssWithin = rssGrowth <= memoryCap && rssPeakGrowth <= memoryCap;
  const diskGrowth = diskAfter - diskBefore;
  // Judged at its peak (sampled every 100 ms, and after): the database holds a CRL being written once
  // more until its checkpoint or VACUUM, and the cap covers that too.
  const diskPeakGrowth = diskPeak - diskBefore;
  const under = (ok: boolean) => (ok ? 'UNDER' : 'OVER');
  const where = databaseUrl ? 'database tables (pg_total_relation_size)' : 'database + WAL on disk';
  process.stdout.write(
    `${flags.urls} verifications in ${seconds.toFixed(1)} s (CRL sources: ${[...sources].map(([s, n]) => `${s} ${n}`).join(', ')}); CRL ${mb(crl.length)} MB, ${CRL_ENTRIES} entries\n\n` +
      table([
        ['', 'before MB', 'peak MB', 'after MB', 'after 15 s idle MB', 'growth MB', 'bound MB', 'verdict'],
        ['server RSS', mb(rssBefore), mb(rssPeak), mb(rssAfter), mb(rssIdle), `${mb(rssGrowth)} (peak ${mb(rssPeakGrowth)})`, mb(memoryCap), under(rssWithin)],
        [where, mb(diskBefore), mb(diskPeak), mb(diskAfter), '', `${mb(diskGrowth)} (peak ${mb(diskPeakGrowth)})`, mb(databaseCap), under(diskPeakGrowth <= databaseCap)],
      ]) +
      (databaseUrl ? '' : `\n(of the database growth, the -wal file is ${mb(walAfter)} MB)\n`) +
      `\nWhere the RSS is (resident KB of /proc/<pid>/smaps), before → after 15 s idle, MB:\n` +
      table([
        ['', 'before', 'after 15 s idle', 'growth'],
        ...RESIDENT_PARTS.map((part) => [part, mb(partsBefore[part]), mb(partsIdle[part]), mb(partsIdle[part] - partsBefore[part])]),
      ]) +
      `\n\n/metrics: graph_pki_crl_cache_bytes memory ${series('graph_pki_crl_cache_bytes{tier="memory"}')}, database ${series('graph_pki_crl_cache_bytes{tier="database"}')}; ` +
      `evictions (size) memory ${series('graph_pki_crl_cache_evictions_total{tier="memory",reason="size"}')}, database ${series('graph_pki_crl_cache_evictions_total{tier="database",reason="size"}')}\n`,
  );
  const pass = (ok: boolean) => (ok ? 'PASS' : 'MISSED');
  process.stdout.write(
    `CRL bytes held in memory ≤ memory cap: ${pass(memoryHeld <= memoryCap)} (${mb(memoryHeld)} of ${mb(memoryCap)} MB); ` +
      `RSS growth, after 15 s idle and at its peak, ≤ memory cap: ${pass(rssWithin)} (${mb(rssGrowth)} and ${mb(rssPeakGrowth)} of ${mb(memoryCap)} MB); ` +
      `${where} growth, at its peak too, ≤ database cap: ${pass(diskPeakGrowth <= databaseCap)} (${mb(diskPeakGrowth)} of ${mb(databaseCap)} MB)\n`,
  );
  return memoryHeld <= memoryCap && rssWithin && diskPeakGrowth <= databaseCap ? 0 : 2;
}

runMain('crl-cache', main);
