// Runs the x509-limbo test vectors (../shared/testdata/x509-limbo) through the offline verification
// engine and classifies each case: right, false accept, false reject, or skipped (the case asks for
// something the engine cannot express; never counted as passed).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Certificate, parseCertificate } from '../../src/pki/certificate.ts';
import { type CrlIndex, indexCrl } from '../../src/pki/crl.ts';
import { pemBlocks } from '../../src/pki/encoding.ts';
import { verifyOffline } from '../../src/pki/offline-verify.ts';
import type { Purpose } from '../../src/pki/path-validation.ts';
import { sharedTestData } from '../helpers/test-inputs.ts';

/** The vectors, in the project's shared folder (absent from a bare clone: the test is then skipped). */
export const LIMBO = sharedTestData('testdata/x509-limbo/limbo.json');

interface LimboCase {
  id: string;
  validation_kind: 'SERVER' | 'CLIENT';
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  extended_key_usage: string[];
  key_usage: string[];
  signature_algorithms: string[];
  expected_peer_name: { kind: 'DNS' | 'IP' | 'RFC822'; value: string } | null;
  expected_peer_names: Array<{ kind: 'DNS' | 'IP' | 'RFC822'; value: string }>;
  max_chain_depth: number | null;
  crls: string[];
  expected_result: 'SUCCESS' | 'FAILURE';
}

export type Outcome = 'right' | 'false_accept' | 'false_reject' | 'skipped';

export interface CaseResult {
  readonly id: string;
  readonly outcome: Outcome;
  readonly expected: 'SUCCESS' | 'FAILURE';
  readonly detail: string;
}

const der = (pem: string) => pemBlocks(pem).map((block) => block.der);

export async function runCase(c: LimboCase): Promise<CaseResult> {
  const done = (accepted: boolean, detail: string): CaseResult => {
    const expectedAccept = c.expected_result === 'SUCCESS';
    const outcome: Outcome = accepted === expectedAccept ? 'right' : accepted ? 'false_accept' : 'false_reject';
    return { id: c.id, outcome, expected: c.expected_result, detail };
  };
  if (c.signature_algorithms.length > 0) return { id: c.id, outcome: 'skipped', expected: c.expected_result, detail: 'signature algorithm restrictions' };
  const purposes = new Set(c.extended_key_usage);
  if ([...purposes].some((p) => p !== 'serverAuth' && p !== 'clientAuth')) {
    return { id: c.id, outcome: 'skipped', expected: c.expected_result, detail: `EKU ${[...purposes].join(',')}` };
  }
  // The webpki:: namespace is the CA/B Forum server-certificate profile: checked as serverAuth.
  const purpose: Purpose = purposes.has('clientAuth') ? 'clientAuth' : purposes.has('serverAuth') || c.id.startsWith('webpki::') ? 'serverAuth' : 'any';

  let leaf: Certificate;
  let trusted: Certificate[];
  let intermediates: Certificate[];
  let crls: CrlIndex[];
  try {
    const [leafDer] = der(c.peer_certificate);
    if (!leafDer) return done(false, 'no peer certificate');
    leaf = parseCertificate(leafDer);
    trusted = c.trusted_certs.flatMap(der).map((d) => parseCertificate(d));
    intermediates = c.untrusted_intermediates.flatMap(der).flatMap((d) => {
      try {
        return [parseCertificate(d)];
      } catch {
        return []; // an unparseable intermediate just cannot be used
      }
    });
    crls = c.crls.flatMap((pem) => pemBlocks(pem).map((block) => indexCrl(block.der)));
  } catch (error) {
    return done(false, `refused while parsing: ${(error as Error).message}`);
  }

  const names = [...(c.expected_peer_name ? [c.expected_peer_name] : []), ...c.expected_peer_names];
  const verdicts = await Promise.all(
    (names.length > 0 ? names : [undefined]).map((name) =>
      verifyOffline({
        leaf,
        trusted,
        intermediates,
        crls,
        validationTime: c.validation_time ? new Date(c.validation_time) : new Date(),
        purpose,
        ...(c.max_chain_depth === null ? {} : { maxDepth: c.max_chain_depth + 1 }),
        dns: name?.kind === 'DNS' ? name.value : undefined,
        ip: name?.kind === 'IP' ? name.value : undefined,
        email: name?.kind === 'RFC822' ? name.value : undefined,
        keyUsage: c.key_usage,
      }),
    ),
  );
  const failed = verdicts.find((v) => !v.trusted);
  return done(!failed, failed ? `${failed.reason}: ${failed.message}` : 'trusted');
}

export async function runLimbo(): Promise<CaseResult[]> {
  const { testcases } = JSON.parse(readFileSync(LIMBO.path, 'utf8')) as { testcases: LimboCase[] };
  const results: CaseResult[] = [];
  for (const c of testcases) results.push(await runCase(c));
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = await runLimbo();
  for (const r of results) if (r.outcome !== 'right') console.log(`${r.outcome.padEnd(13)} ${r.id} (expected ${r.expected}): ${r.detail}`);
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  console.log(`right ${count('right')}, false accepts ${count('false_accept')}, false rejects ${count('false_reject')}, skipped ${count('skipped')} of ${results.length}`);
}
