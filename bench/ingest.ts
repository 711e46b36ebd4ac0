// Upload ingest: how long graph-pki takes to apply a full 250-CA .p7b (Entra's per-PKI limit) once its job
// is claimed. Target: claim → status `succeeded` < 1 s.
//
// Builds 250 CA certificates with P-256 keys (10 roots, 24 intermediates under each) into one DER .p7b,
// serves it from an HTTP server inside this process, starts `bin/graph-pki serve --allow-private-fetch
// --data <tmp> --log-level silent` (SQLite, default durability) and, --runs times, creates a fresh PKI and
// POSTs …/upload, then polls GET …/{id} every --poll-ms until the status leaves `running`.
//
// Where the times come from:
// - claim: the job runner's own clock. When the download request reaches the file server, the job is
//   `running` with lease_expires_at = claim time + lease (30 s, no heartbeat has run yet), read then from
//   the SQLite file through a read-only connection; finished_at is read after the job ends.
// - succeeded (observed): when the first poll answer showing `succeeded` arrived, as a client sees it
//   (at most one poll period plus one GET late).
// - the 204: the upload POST from sending to the end of the response.
// Baseline, measured in the same run: the same 250 certificates added one POST …/certificateAuthorities
// at a time (sequential, fresh PKI), i.e. what a client does without the bulk upload.
//
// Flags: --runs N (5), --poll-ms MS (10), --quiet-wait S (15; 0 = do not wait for a quiet machine).
// Exit codes: 0 valid run (target met or not), 1 invalid run or failure, 3 watchdog timeout, 130 signal.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { createCa, p7bOf, sha256Hex, type TestCert } from '../test/helpers/certs.ts';
import {
  authHeaders,
  COLLECTION,
  cpuMicros,
  expectStatus,
  fmt,
  machineMicros,
  median,
  mintToken,
  parseFlags,
  printHeader,
  registerCloser,
  registerTempDir,
  runMain,
  sleep,
  startServe,
  startWatchdog,
  table,
  verdict,
  waitForQuiet,
} from './lib.ts';

const TARGET_MS = 1000;
const LEASE_MS = 30_000; // the serve default (--job-lease-ms); claim time = lease_expires_at - LEASE_MS
const ROOTS = 10;
const PER_ROOT = 24; // 10 roots + 240 intermediates = 250

const USAGE = 'usage: node --import tsx bench/ingest.ts [--runs N=5] [--poll-ms MS=10] [--quiet-wait S=15]';

interface Run {
  requestMs: number;
  enqueueToClaimMs: number;
  claimToDownloadMs: number;
  claimToCommitMs: number;
  claimToSucceededMs: number;
  postToSucceededMs: number;
  polls: number;
  /** Longest poll answer: how long the job kept the server from answering a GET. */
  longestPollMs: number;
  otherCores: number | undefined;
  serverCpuMs: number | undefined;
}

interface JobRow {
  state: string;
  lease_expires_at: number | null;
  created_at: number;
  finished_at: number | null;
}

const now = () => performance.timeOrigin + performance.now();

async function buildBundle(): Promise<TestCert[]> {
  const cas: TestCert[] = [];
  for (let r = 0; r < ROOTS; r++) {
    const root = await createCa({ subject: `CN=Bench Root ${r + 1}, O=graph-pki bench`, key: 'p256' });
    cas.push(root);
    const intermediates = await Promise.all(
      Array.from({ length: PER_ROOT }, (_, i) =>
        createCa({ subject: `CN=Bench Issuing CA ${r + 1}.${i + 1}, O=graph-pki bench`, key: 'p256', issuer: root, crlDistributionPoints: [`http://crl.bench.example/root${r + 1}.crl`] }),
      ),
    );
    cas.push(...intermediates);
  }
  return cas;
}

async function main(): Promise<number> {
  const options = parseFlags(process.argv.slice(2), { runs: 5, pollMs: 10, quietWait: 15 }, USAGE);
  const runs = Math.max(1, Math.round(options.runs));
  startWatchdog('bench/ingest', 90 + runs * (options.quietWait + 15));

  const generating = performance.now();
  const cas = await buildBundle();
  const bundle = p7bOf(cas);
  const hash = sha256Hex(bundle);
  const generationMs = performance.now() - generating;

  const dataDir = registerTempDir(mkdtempSync(path.join(os.tmpdir(), 'graph-pki-bench-ingest-')));
  const server = await startServe('graph-pki', dataDir, undefined, ['--allow-private-fetch']);
  const token = mintToken(dataDir);
  const headers = authHeaders(token);
  const jobs = new SqliteDatabase(path.join(dataDir, 'graph-pki.db'), { readonly: true, fileMustExist: true });
  registerCloser(async () => jobs.close());
  const jobOf = jobs.prepare<[string], JobRow>('select state, lease_expires_at, created_at, finished_at from job where subject_id = ? order by created_at desc limit 1');

  // The file server: records when the download arrives and the claim time the runner wrote.
  let current: { pkiId: string; downloadAt?: number; claimAt?: number } | undefined;
  const files: Server = createServer((req, res) => {
    const arrived = now();
    if (current && req.url === '/cba.p7b') {
      current.downloadAt = arrived;
      const row = jobOf.get(current.pkiId);
      if (row?.state === 'running' && row.lease_expires_at !== null) current.claimAt = Number(row.lease_expires_at) - LEASE_MS;
      res.writeHead(200, { 'content-type': 'application/x-pkcs7-certificates', 'content-length': bundle.length }).end(bundle);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  registerCloser(() => {
    files.closeAllConnections();
    return new Promise((resolve) => files.close(resolve));
  });
  const uploadUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/cba.p7b`;

  printHeader(
    'upload ingest: 250-CA .p7b',
    `${cas.length} CAs (P-256; ${ROOTS} roots × ${PER_ROOT} intermediates), bundle ${bundle.length} bytes, generated in ${generationMs.toFixed(0)} ms; ` +
      `SQLite (default durability), ${runs} runs, poll every ${options.pollMs} ms, loopback`,
  );

  const createPki = async (displayName: string): Promise<string> => {
    const created = (await expectStatus(await fetch(server.url + COLLECTION, { method: 'POST', headers, body: JSON.stringify({ displayName }) }), 201, 'create PKI')) as { id: string };
    return created.id;
  };

  const results: Run[] = [];
  for (let i = 1; i <= runs; i++) {
    await waitForQuiet(options.quietWait);
    const pkiId = await createPki(`Ingest run ${i}`);
    current = { pkiId };
    const machineBefore = machineMicros();
    const cpuBefore = cpuMicros(server.pid);
    const selfBefore = process.cpuUsage();
    const posted = now();
    const response = await fetch(`${server.url}${COLLECTION}/${pkiId}/upload`, { method: 'POST', headers, body: JSON.stringify({ uploadUrl, sha256FileHash: hash }) });
    await expectStatus(response, 204, 'upload');
    const answered = now();

    let polls = 0;
    let longestPollMs = 0;
    let status = 'running';
    let details: string | null = null;
    let succeededAt = 0;
    const deadline = posted + 30_000;
    while (status === 'running') {
      if (now() > deadline) throw new Error(`run ${i}: still running after 30 s`);
      const pollStarted = now();
      const body = (await expectStatus(await fetch(`${server.url}${COLLECTION}/${pkiId}`, { headers }), 200, 'poll')) as { status: string; statusDetails: string | null };
      polls++;
      status = body.status;
      details = body.statusDetails;
      succeededAt = now();
      longestPollMs = Math.max(longestPollMs, succeededAt - pollStarted);
      if (status === 'running') await sleep(Math.max(0, options.pollMs - (now() - pollStarted)));
    }
    const selfCpu = process.cpuUsage(selfBefore);
    const cpuAfter = cpuMicros(server.pid);
    const machineAfter = machineMicros();
    if (status !== 'succeeded') throw new Error(`run ${i}: upload ended ${status}: ${details}`);
    const job = jobOf.get(pkiId);
    const claimAt = current.claimAt;
    if (!job || job.finished_at === null || claimAt === undefined || current.downloadAt === undefined) {
      throw new Error(`run ${i}: claim not observed (job ${JSON.stringify(job)})`);
    }
    const serverCpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    const wallUs = (succeededAt - posted) * 1000;
    const otherCores =
      machineBefore && machineAfter && serverCpu !== undefined
        ? Math.max(0, (machineAfter.busy - machineBefore.busy - serverCpu - selfCpu.user - selfCpu.system) / wallUs)
        : undefined;
    const run: Run = {
      requestMs: answered - posted,
      enqueueToClaimMs: claimAt - Number(job.created_at),
      claimToDownloadMs: current.downloadAt - claimAt,
      claimToCommitMs: Number(job.finished_at) - claimAt,
      claimToSucceededMs: succeededAt - claimAt,
      postToSucceededMs: succeededAt - posted,
      polls,
      longestPollMs,
      otherCores,
      serverCpuMs: serverCpu === undefined ? undefined : serverCpu / 1000,
    };
    results.push(run);
    process.stdout.write(
      `run ${i}: 204 in ${fmt(run.requestMs, 1)} ms; claim → download ${fmt(run.claimToDownloadMs, 1)} ms, → commit ${fmt(run.claimToCommitMs, 0)} ms, ` +
        `→ succeeded seen ${fmt(run.claimToSucceededMs, 0)} ms (${polls} polls, longest ${fmt(longestPollMs, 0)} ms); POST → succeeded ${fmt(run.postToSucceededMs, 0)} ms; ` +
        `server CPU ${fmt(run.serverCpuMs, 0)} ms; other processes ${fmt(otherCores, 2)} cores — ${details}\n`,
    );
    current = undefined;
  }

  // Baseline: the same certificates one POST …/certificateAuthorities at a time.
  await waitForQuiet(options.quietWait);
  const baselinePki = await createPki('Ingest baseline');
  const oneByOneStarted = now();
  for (const ca of cas) {
    await expectStatus(
      await fetch(`${server.url}${COLLECTION}/${baselinePki}/certificateAuthorities`, { method: 'POST', headers, body: JSON.stringify({ certificate: ca.base64 }) }),
      201,
      'add CA',
    );
  }
  const oneByOneMs = now() - oneByOneStarted;
  process.stdout.write(`baseline: ${cas.length} × POST …/certificateAuthorities (sequential) in ${oneByOneMs.toFixed(0)} ms\n`);

  const stat = (pick: (r: Run) => number) => {
    const values = results.map(pick);
    return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
  };
  const claimToSucceeded = stat((r) => r.claimToSucceededMs);
  const rows: string[][] = [['measure (ms)', 'min', 'median', 'max', 'median / baseline', 'target', '']];
  const row = (label: string, pick: (r: Run) => number, digits: number, extra: string[] = ['', '', '']) => {
    const s = stat(pick);
    rows.push([label, fmt(s.min, digits), fmt(s.median, digits), fmt(s.max, digits), ...extra]);
  };
  row('upload POST → 204', (r) => r.requestMs, 1);
  row('enqueue → claim (server clock)', (r) => r.enqueueToClaimMs, 0);
  row('claim → download request', (r) => r.claimToDownloadMs, 1);
  row('claim → commit (server clock)', (r) => r.claimToCommitMs, 0);
  row('claim → `succeeded` seen by poll', (r) => r.claimToSucceededMs, 0, [
    `${(claimToSucceeded.median / oneByOneMs).toFixed(3)}×`,
    `< ${TARGET_MS}`,
    verdict(claimToSucceeded.max < TARGET_MS),
  ]);
  row('POST → `succeeded` seen by poll', (r) => r.postToSucceededMs, 0, [`${(stat((r) => r.postToSucceededMs).median / oneByOneMs).toFixed(3)}×`, '', '']);
  row('longest poll GET during the job', (r) => r.longestPollMs, 0);
  row('server CPU per upload', (r) => r.serverCpuMs ?? Number.NaN, 0);
  rows.push([`baseline: ${cas.length} CAs one POST at a time`, '', fmt(oneByOneMs, 0), '', '1×', '', '']);
  process.stdout.write(`\n${table(rows)}\n\n`);
  const disturbed = results.filter((r) => (r.otherCores ?? 0) > 0.15).length;
  if (disturbed > 0) process.stdout.write(`Disturbed: other processes used > 0.15 cores during ${disturbed} of ${runs} runs.\n`);
  process.stdout.write(
    `${verdict(claimToSucceeded.max < TARGET_MS)}: claim → succeeded max ${claimToSucceeded.max.toFixed(0)} ms (median ${claimToSucceeded.median.toFixed(0)} ms) against < ${TARGET_MS} ms for every run.\n`,
  );
  return 0;
}

runMain('bench/ingest', main);
