// kill -9 of the server while an upload job runs: after a restart the job is claimed again once its
// lease has expired, and completes exactly once (no duplicate CAs, one final status).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { createCa, p7bOf, sha256Hex } from '../helpers/certs.ts';
import { runCli, startCliServer } from '../helpers/cli.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, send } from '../helpers/test-server.ts';

let dataDir: string;
let files: FileServer;
before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'graph-pki-recovery-'));
  files = await startFileServer();
});
after(async () => {
  await files.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('finishes an upload interrupted by kill -9 exactly once after a restart', async () => {
  const cas = await Promise.all(Array.from({ length: 20 }, (_, i) => createCa({ subject: `CN=Recovered CA ${i}` })));
  const bundle = p7bOf(cas);
  // The first download is slow, so the job is certainly running when the server dies.
  files.set('/bundle.p7b', { body: bundle, delayMs: 5_000 });
  const token = (await runCli(['token', '--data', dataDir])).stdout.trim();
  const args = ['--data', dataDir, '--allow-private-fetch', '--job-lease-ms', '1500'];

  const first = await startCliServer(args);
  const pkiId = (await send(first.url, 'POST', `/beta${PKI_PATH}`, token, { body: { displayName: 'Recovery' } })).body.id;
  const accepted = await send(first.url, 'POST', `/beta${PKI_PATH}/${pkiId}/upload`, token, {
    body: { uploadUrl: `${files.url}/bundle.p7b`, sha256FileHash: sha256Hex(bundle) },
  });
  assert.equal(accepted.status, 204);
  for (let i = 0; i < 300 && !files.hits.get("/bundle.p7b"); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(files.hits.get('/bundle.p7b'), 1, 'the job started downloading');
  first.child.kill('SIGKILL');
  await first.exited;

  files.set('/bundle.p7b', { body: bundle });
  const second = await startCliServer(args);
  try {
    // Still running as the killed server left it, unless the new one already took the job over (its lease
    // of 1.5 s may be over by the time the new server listens) and finished it.
    assert.match((await send(second.url, 'GET', `/beta${PKI_PATH}/${pkiId}`, token)).body.status, /^(running|succeeded)$/);
    let pki: { status: string; statusDetails: string } | undefined;
    for (let i = 0; i < 200; i++) {
      pki = (await send(second.url, 'GET', `/beta${PKI_PATH}/${pkiId}`, token)).body;
      if (pki?.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(pki?.status, 'succeeded', pki?.statusDetails);
    assert.equal(files.hits.get('/bundle.p7b'), 2, 'downloaded once more after the restart');
    const count = await send(second.url, 'GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/$count`, token);
    assert.equal(count.text, '20');
    // Nothing runs it a third time.
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(files.hits.get('/bundle.p7b'), 2);
    assert.equal((await send(second.url, 'GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/$count`, token)).text, '20');
  } finally {
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  }
});

it('gives a running upload back to the queue on SIGTERM, and the next start finishes it at once', async () => {
  const dir = path.join(dataDir, 'sigterm');
  const cas = await Promise.all(Array.from({ length: 3 }, (_, i) => createCa({ subject: `CN=Graceful CA ${i}` })));
  const bundle = p7bOf(cas);
  files.set('/graceful.p7b', { stall: true });
  const token = (await runCli(['token', '--data', dir])).stdout.trim();
  // A long lease: only the release on shutdown lets the next start take the job at once.
  const args = ['--data', dir, '--allow-private-fetch', '--job-lease-ms', '600000'];
  const first = await startCliServer(args);
  const pkiId = (await send(first.url, 'POST', `/beta${PKI_PATH}`, token, { body: {} })).body.id;
  await send(first.url, 'POST', `/beta${PKI_PATH}/${pkiId}/upload`, token, {
    body: { uploadUrl: `${files.url}/graceful.p7b`, sha256FileHash: sha256Hex(bundle) },
  });
  for (let i = 0; i < 100 && !files.hits.get('/graceful.p7b'); i++) await new Promise((r) => setTimeout(r, 50));
  const stopping = Date.now();
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  assert.ok(Date.now() - stopping < 5_000, 'shutdown does not wait for the stalled download');

  files.set('/graceful.p7b', { body: bundle });
  const second = await startCliServer(args);
  try {
    let status = 'running';
    for (let i = 0; i < 100 && status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await send(second.url, 'GET', `/beta${PKI_PATH}/${pkiId}`, token)).body.status;
    }
    assert.equal(status, 'succeeded');
    assert.equal((await send(second.url, 'GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/$count`, token)).text, '3');
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
});
