// The CRL cache's bounds under the load of issue 13: 30 distinct URLs each serving a 20 MB CRL, each
// verified once through `bin/graph-pki serve` (SQLite, the default caps unless flags say otherwise).
// Measured: the server's RSS (VmRSS from /proc, sampled every 100 ms: before, peak, after, and after
// 15 s idle, which the verdict uses) and the
// database's size on disk (graph-pki.db plus its -wal file) before and after, against the configured
// --crl-cache-memory-bytes and --crl-cache-database-bytes. Before the fix the same run took RSS from
// 288 to 1,172 MB and the database from 78 to 857 MB.
//
// The file server runs in this process; the 20 MB CRL (bench/verify.ts's bigCrl, ~570 000 entries) is
// the same bytes at every URL, which is what the attack did too (the cache is keyed by URL).
//
// Flags: --urls N (30), --memory-mb M (128), --database-mb D (192). Exit codes: 0 run finished and
// both growths under their caps, 2 a growth over its cap, 1 failure, 3 watchdog timeout.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFileServer } from '../test/helpers/file-server.ts';
import { bigCrl } from '../test/helpers/crl-der.ts';
import { createCa, createLeaf } from '../test/helpers/certs.ts';
import { authHeaders, COLLECTION, mintToken, parseFlags, printHeader, registerCloser, registerTempDir, runMain, startServe, startWatchdog, table } from './lib.ts';

const USAGE = 'usage: node --import tsx bench/crl-cache.ts [--urls N=30] [--memory-mb M=128] [--database-mb D=192]';
const MB = 1_048_576;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const CRL_ENTRIES = 570_000; // just under 20 MiB

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
  const flags = parseFlags(process.argv.slice(2), { urls: 30, memoryMb: 128, databaseMb: 192 }, USAGE);
  startWatchdog('crl-cache', 600);
  const memoryCap = flags.memoryMb * MB;
  const databaseCap = flags.databaseMb * MB;
  printHeader('CRL cache bounds', `${flags.urls} URLs × one 20 MB CRL, caps ${flags.memoryMb} MB memory / ${flags.databaseMb} MB database`);

  const root = await createCa({ subject: 'CN=Bench CRL Root' });
  const issuing = await createCa({ subject: 'CN=Bench CRL Issuing CA', issuer: root });
  const crl = bigCrl(issuing, CRL_ENTRIES).der;
  const files = await startFileServer();
  registerCloser(() => files.close());
  for (let i = 0; i < flags.urls; i++) files.set(`/crl-${i}.crl`, { body: crl });

  const dataDir = registerTempDir(mkdtempSync(path.join(os.tmpdir(), 'graph-pki-bench-crl-')));
  const server = await startServe('graph-pki', dataDir, undefined, [
    '--allow-private-fetch',
    '--crl-cache-memory-bytes', String(memoryCap),
    '--crl-cache-database-bytes', String(databaseCap),
  ]);
  const token = mintToken(dataDir);
  const headers = { ...authHeaders(token), 'content-type': 'application/json' };
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${server.url}${url}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const pki = await call('POST', COLLECTION, { displayName: 'CRL cache bench' });
  await call('POST', `${COLLECTION}/${pki.id}/certificateAuthorities`, { certificate: Buffer.from(root.der).toString('base64') });
  const ca = await call('POST', `${COLLECTION}/${pki.id}/certificateAuthorities`, { certificate: Buffer.from(issuing.der).toString('base64') });
  const leaf = await createLeaf({ subject: 'CN=Bench CRL User', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH] });

  const database = path.join(dataDir, 'graph-pki.db');
  const diskBytes = () => fileBytes(database) + fileBytes(`${database}-wal`);
  const rssBefore = rssBytes(server.pid);
  const diskBefore = diskBytes();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssBytes(server.pid));
  }, 100);
  const started = Date.now();
  const sources = new Map<string, number>();
  for (let i = 0; i < flags.urls; i++) {
    await call('PATCH', `${COLLECTION}/${pki.id}/certificateAuthorities/${ca.id}`, { certificateRevocationListUrl: `${files.url}/crl-${i}.crl?sig=${i}` });
    const verdict = await call('POST', '/graph-pki/v1/verify', { certificate: Buffer.from(leaf.der).toString('base64') });
    if (verdict.trusted !== true) throw new Error(`URL ${i}: not trusted: ${String(verdict.message)}`);
    const source = String((verdict.path as Array<{ revocation: { source: string } }>)[0]?.revocation.source);
    sources.set(source, (sources.get(source) ?? 0) + 1);
  }
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  const rssAfter = rssBytes(server.pid);
  const diskAfter = diskBytes();
  const walAfter = fileBytes(`${database}-wal`);
  await new Promise((resolve) => setTimeout(resolve, 15_000)); // idle: V8 may give garbage back
  const rssIdle = rssBytes(server.pid);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const series = (name: string) => metrics.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? '?';

  const mb = (bytes: number) => (bytes / MB).toFixed(0);
  process.stdout.write(
    `${flags.urls} verifications in ${seconds.toFixed(1)} s (CRL sources: ${[...sources].map(([s, n]) => `${s} ${n}`).join(', ')}); CRL ${mb(crl.length)} MB, ${CRL_ENTRIES} entries\n\n` +
      table([
        ['', 'before MB', 'peak MB', 'after MB', 'after 15 s idle MB', 'growth MB', 'cap MB', 'verdict'],
        ['server RSS', mb(rssBefore), mb(rssPeak), mb(rssAfter), mb(rssIdle), mb(rssIdle - rssBefore), mb(memoryCap), rssIdle - rssBefore <= memoryCap ? 'UNDER' : 'OVER'],
        ['database + WAL on disk', mb(diskBefore), '', mb(diskAfter), '', mb(diskAfter - diskBefore), mb(databaseCap), diskAfter - diskBefore <= databaseCap ? 'UNDER' : 'OVER'],
      ]) +
      `\n(of the database growth, the -wal file is ${mb(walAfter)} MB)\n` +
      `\n/metrics: graph_pki_crl_cache_bytes memory ${series('graph_pki_crl_cache_bytes{tier="memory"}')}, database ${series('graph_pki_crl_cache_bytes{tier="database"}')}; ` +
      `evictions (size) memory ${series('graph_pki_crl_cache_evictions_total{tier="memory",reason="size"}')}, database ${series('graph_pki_crl_cache_evictions_total{tier="database",reason="size"}')}\n`,
  );
  const pass = (ok: boolean) => (ok ? 'PASS' : 'MISSED');
  process.stdout.write(
    `RSS growth ≤ memory cap: ${pass(rssIdle - rssBefore <= memoryCap)}; database growth on disk ≤ database cap: ${pass(diskAfter - diskBefore <= databaseCap)}\n`,
  );
    return rssIdle - rssBefore <= memoryCap && diskAfter - diskBefore <= databaseCap ? 0 : 2;
}

runMain('crl-cache', main);
