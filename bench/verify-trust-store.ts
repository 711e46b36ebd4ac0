// Verification through the trust store (VerificationService.verify, the code behind POST
// /graph-pki/v1/verify, without HTTP) with 2 CAs in the tenant and with 10,000 CAs in 40 PKIs, in the
// same run: the cost must not grow with the store (target: ≥ 0.8× the 2-CA rate). Each store is a real
// SQLite file; the chain is root → issuing CA → client-auth leaf, both CAs with a current CRL served
// by a local HTTP server (downloaded on the first call, then from memory). Two loads per store: the
// same leaf on every call, and a different leaf on every call (a pool of leaves, each used once, so no
// signature verdict of the leaf is remembered). Beside them: one raw signature check (node:crypto).
import { verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CRL_CONFIG, DEFAULT_LIMITS } from '../src/config.ts';
import { GuardedFetcher } from '../src/net/guarded-fetcher.ts';
import { parseCaCertificate } from '../src/pki/ca-certificate.ts';
import { parseCertificate } from '../src/pki/certificate.ts';
import { derivedProperties } from '../src/service/trust-store/ca-service.ts';
import { UserService } from '../src/service/directory/user-service.ts';
import { CrlService } from '../src/service/verification/crl-service.ts';
import { VerificationService } from '../src/service/verification/verification-service.ts';
import { X509PolicyService } from '../src/service/authentication-methods/x509-policy-service.ts';
import type { CaRecord } from '../src/store/ca-repository.ts';
import { openDatabase } from '../src/store/database.ts';
import { Store } from '../src/store/store.ts';
import { startFileServer } from '../test/helpers/file-server.ts';
import { createCa, createCrl, createLeaf, type TestCert } from '../test/helpers/certs.ts';
import { registerCloser, registerTempDir } from './lib.ts';

const TENANT = '00000000-0000-4000-8000-0000000000be';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const LARGE_STORE_CAS = 10_000;
const LARGE_STORE_PKIS = 40;
export const TRUST_STORE_TARGET_RATIO = 0.8;

/** Wall-clock verifications/s, and CPU µs of this process per verification (other processes do not inflate it). */
export interface Rate {
  readonly perS: number;
  readonly cpuUsPer: number;
}

export interface TrustStoreRun {
  readonly cas: number;
  readonly pkis: number;
  readonly sameLeaf: Rate;
  readonly differentLeaf: Rate;
}

export interface TrustStoreResult {
  readonly runs: readonly TrustStoreRun[];
  readonly calls: number;
  /** CPU µs of one node:crypto verify() of a leaf's signature (P-256). */
  readonly rawSignatureUs: number;
}

interface Chain {
  readonly root: TestCert;
  readonly issuing: TestCert;
  readonly leaves: readonly TestCert[];
  readonly crlBase: string;
}

/** `calls`: verifications per load (and leaves in the pool). */
export async function measureTrustStore(calls: number, progress: (text: string) => void): Promise<TrustStoreResult> {
  const files = await startFileServer();
  registerCloser(() => files.close());
  const root = await createCa({ subject: 'CN=Bench Store Root, O=graph-pki bench', key: 'p256' });
  const issuing = await createCa({ subject: 'CN=Bench Store Issuing CA, O=graph-pki bench', issuer: root, key: 'p256' });
  files.set('/root.crl', { body: (await createCrl({ issuer: root })).der });
  files.set('/issuing.crl', { body: (await createCrl({ issuer: issuing })).der });
  progress(`creating ${calls} leaves … `);
  const leaves: TestCert[] = [];
  for (let i = 0; i < calls; i++) leaves.push(await createLeaf({ subject: `CN=Bench User ${i}, O=graph-pki bench`, issuer: issuing, key: 'p256', extendedKeyUsage: [CLIENT_AUTH] }));
  const chain: Chain = { root, issuing, leaves, crlBase: files.url };
  progress(`and ${LARGE_STORE_CAS - 2} unrelated CAs … `);
  const unrelated: TestCert[] = [];
  for (let i = 0; i < LARGE_STORE_CAS - 2; i++) unrelated.push(await createCa({ subject: `CN=Unrelated CA ${i}, O=Bench Other ${i % LARGE_STORE_PKIS}`, key: 'p256' }));

  const runs: TrustStoreRun[] = [];
  for (const [pkis, others] of [[1, []], [LARGE_STORE_PKIS, unrelated]] as const) {
    progress(`${2 + others.length} CAs: `);
    runs.push(await measureStore(chain, pkis, others, progress));
  }
  const leaf = parseCertificate((leaves[0] as TestCert).der);
  const issuerKey = parseCertificate(issuing.der).publicKey;
  const rawSignatureUs = cpuMicrosPer(() => cryptoVerify('sha256', leaf.tbs, issuerKey, leaf.signatureValue), 400);
  return { runs, calls, rawSignatureUs };
}

async function measureStore(chain: Chain, pkis: number, others: readonly TestCert[], progress: (text: string) => void): Promise<TrustStoreRun> {
  const dir = registerTempDir(mkdtempSync(path.join(os.tmpdir(), 'graph-pki-bench-store-')));
  const database = await openDatabase(path.join(dir, 'graph-pki.db'));
  registerCloser(() => database.close());
  const store = new Store(database, DEFAULT_LIMITS.pkiReadCacheEntries);
  await fill(store, chain, pkis, others);
  const fetcher = new GuardedFetcher({ maxBytes: DEFAULT_CRL_CONFIG.maxCrlBytes, connectTimeoutMs: 5000, totalTimeoutMs: 10_000, maxRedirects: 0, allowPrivateAddresses: true });
  const service = new VerificationService(store, new CrlService(store, fetcher, DEFAULT_CRL_CONFIG), new X509PolicyService(store), DEFAULT_LIMITS, new UserService(store, DEFAULT_LIMITS));
  const verify = async (leaf: TestCert) => {
    const verdict = await service.verify(TENANT, { certificate: leaf.base64 });
    if (!verdict.trusted) throw new Error(`not trusted with ${2 + others.length} CAs: ${verdict.reason} ${verdict.message}`);
  };
  // Warm-up: CRLs downloaded and cached, CA certificates parsed, statements prepared.
  for (let i = 0; i < 200; i++) await verify(chain.leaves[0] as TestCert);
  const same = await rate(chain.leaves.length, () => verify(chain.leaves[0] as TestCert));
  let next = 0;
  const different = await rate(chain.leaves.length, () => verify(chain.leaves[next++] as TestCert));
  progress(`same leaf ${same.perS.toFixed(0)}/s (${same.cpuUsPer.toFixed(0)} µs CPU each), a different leaf each call ${different.perS.toFixed(0)}/s (${different.cpuUsPer.toFixed(0)} µs CPU each)\n`);
  await database.close();
  return { cas: 2 + others.length, pkis, sameLeaf: same, differentLeaf: different };
}

/** The tenant's PKIs: the chain's two CAs in the first, the unrelated CAs spread over all of them. */
async function fill(store: Store, chain: Chain, pkis: number, others: readonly TestCert[]): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const pkiIds = Array.from({ length: pkis }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
  for (const [i, id] of pkiIds.entries()) {
    await store.repositories.pkis.insert(TENANT, { id, displayName: `Bench PKI ${i}`, status: 'succeeded', statusDetails: null, lastModifiedDateTime: now, createdDateTime: now, deletedDateTime: null });
  }
  const record = (cert: TestCert, pkiId: string, n: number, crlUrl: string | null): CaRecord => ({
    id: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
    pkiId,
    ...derivedProperties(parseCaCertificate(cert.der, DEFAULT_LIMITS.maxCaCertificateBytes)),
    displayName: cert.subject,
    certificateRevocationListUrl: crlUrl,
    deltaCertificateRevocationListUrl: null,
    isIssuerHintEnabled: false,
    createdDateTime: now,
    deletedDateTime: null,
  });
  const first = pkiIds[0] as string;
  const records = [record(chain.root, first, 1, `${chain.crlBase}/root.crl`), record(chain.issuing, first, 2, `${chain.crlBase}/issuing.crl`)];
  others.forEach((cert, i) => records.push(record(cert, pkiIds[i % pkis] as string, i + 3, null)));
  await store.repositories.cas.insert(TENANT, records);
}

/** Verifications per second and CPU µs per verification over `count` sequential calls. */
async function rate(count: number, call: () => Promise<void>): Promise<Rate> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) await call();
  const cpu = process.cpuUsage(cpuBefore);
  return { perS: count / ((performance.now() - started) / 1000), cpuUsPer: (cpu.user + cpu.system) / count };
}

function cpuMicrosPer(work: () => unknown, ms: number): number {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let count = 0;
  while (performance.now() - started < ms) {
    for (let i = 0; i < 20; i++) work();
    count += 20;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return (cpu.user + cpu.system) / count;
}
