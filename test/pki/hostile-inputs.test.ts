// Hostile inputs to path building and validation (src/pki/path-validation.ts through verifyOffline): each
// must come back within the time budget with a verdict — a reason code, or trusted where a valid path
// exists — never hang nor throw. Deep chains, many same-name CAs with colliding key identifiers, name
// constraint explosions, very large certificates, and cycles of cross-signed CAs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCertificate } from '../../src/pki/certificate.ts';
import { verifyOffline } from '../../src/pki/offline-verify.ts';
import { DEFAULT_VALIDATION_LIMITS } from '../../src/pki/path-validation.ts';
import type { PathVerdict } from '../../src/pki/verdict.ts';
import { createCa, createLeaf, derTlv, generateKeyPair, type TestCert, x509 } from '../helpers/certs.ts';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
/** Parse and verify must both fit in this (the engine's own wall-clock cap is 2 s). */
const BUDGET_MS = 3_000;

const REASONS = new Set([
  'untrusted_root', 'expired', 'not_yet_valid', 'revoked', 'bad_signature', 'algorithm_not_allowed', 'weak_key', 'not_a_ca', 'ca_as_leaf',
  'path_len_exceeded', 'depth_exceeded', 'key_usage', 'extended_key_usage', 'unknown_critical_extension', 'name_constraint_violation',
  'unsupported_name_constraint', 'policy_violation', 'malformed', 'name_mismatch', 'crl_unavailable', 'crl_invalid', 'budget_exceeded',
]);

interface Timed {
  verdict: PathVerdict;
  ms: number;
}

/** Parses everything and verifies, timing both; asserts the time budget and a well-formed verdict. */
async function timedCheck(leaf: TestCert, trusted: TestCert[], intermediates: TestCert[]): Promise<Timed> {
  const started = performance.now();
  const verdict = await verifyOffline({
    leaf: parseCertificate(leaf.der),
    trusted: trusted.map((c) => parseCertificate(c.der)),
    intermediates: intermediates.map((c) => parseCertificate(c.der)),
    crls: [],
    validationTime: new Date(),
    purpose: 'clientAuth',
  });
  const ms = performance.now() - started;
  if (process.env.GRAPH_PKI_HOSTILE_REPORT) console.log(`${ms.toFixed(0)} ms → ${verdict.trusted ? 'trusted' : verdict.reason}`);
  assert.ok(ms < BUDGET_MS, `took ${ms.toFixed(0)} ms (budget ${BUDGET_MS} ms); verdict ${verdict.reason}: ${verdict.message}`);
  if (verdict.trusted) assert.equal(verdict.reason, null);
  else assert.ok(REASONS.has(verdict.reason as string), `unknown reason ${verdict.reason}`);
  return { verdict, ms };
}

function assertOneOf(verdict: PathVerdict, allowed: ReadonlyArray<string | 'trusted'>): void {
  const got = verdict.trusted ? 'trusted' : (verdict.reason as string);
  assert.ok(allowed.includes(got), `expected one of ${allowed.join(', ')}, got ${got}: ${verdict.message}`);
}

let counter = 0;
const unique = (label: string) => `${label} ${++counter}`;

// ---------------------------------------------------------------------------------------------
// DER helpers

function derOid(text: string): Buffer {
  const arcs = text.split('.').map((a) => BigInt(a));
  const first = (arcs[0] as bigint) * 40n + (arcs[1] as bigint);
  const bytes: number[] = [];
  for (const arc of [first, ...arcs.slice(2)]) {
    const groups: number[] = [];
    let n = arc;
    do {
      groups.unshift(Number(n & 0x7fn));
      n >>= 7n;
    } while (n > 0n);
    for (let i = 0; i < groups.length - 1; i++) groups[i] = (groups[i] as number) | 0x80;
    bytes.push(...groups);
  }
  return derTlv(0x06, Buffer.from(bytes));
}

/** certificatePolicies with `count` distinct policy OIDs (non-critical). */
function manyPolicies(count: number): x509.Extension {
  const infos: Buffer[] = [];
  for (let i = 0; i < count; i++) infos.push(derTlv(0x30, derOid(`1.3.6.1.4.1.55555.7.${i}`)));
  return new x509.Extension('2.5.29.32', false, derTlv(0x30, ...infos));
}

/**
 * certificatePolicies with one policy carrying `count` CPS qualifiers of `bytes` octets each (kept at or
 * below ~50 KB apiece: the asn1js under @peculiar/x509, which the test helper uses to build certificates,
 * overflows the stack decoding a single ~200 KB IA5String).
 */
function hugeQualifiers(count: number, bytes: number): x509.Extension {
  const cps = Array.from({ length: count }, () => derTlv(0x30, derOid('1.3.6.1.5.5.7.2.1'), derTlv(0x16, Buffer.alloc(bytes, 'a'))));
  const info = derTlv(0x30, derOid('1.3.6.1.4.1.55555.8.1'), derTlv(0x30, ...cps));
  return new x509.Extension('2.5.29.32', false, derTlv(0x30, info));
}

// ---------------------------------------------------------------------------------------------

describe('deep chains', () => {
  it('a 30-deep chain answers depth_exceeded (or budget_exceeded) at once', async () => {
    const name = unique('Deep');
    const root = await createCa({ subject: `CN=${name} Root` });
    const intermediates: TestCert[] = [];
    let issuer = root;
    for (let i = 1; i <= 29; i++) {
      issuer = await createCa({ subject: `CN=${name} Int ${i}`, issuer });
      intermediates.push(issuer);
    }
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer, extendedKeyUsage: [CLIENT_AUTH] });
    // Supplied in a shuffled order, as an attacker would.
    const shuffled = [...intermediates].sort(() => Math.random() - 0.5);
    const { verdict } = await timedCheck(leaf, [root], shuffled);
    assertOneOf(verdict, ['depth_exceeded', 'budget_exceeded']);
  });
});

describe('many candidate issuers', () => {
  /** `count` CAs with the same subject and the same SKI but each its own key; `valid` of them (the last ones) issued by `issuer`. */
  async function sameNameCas(subject: string, skiHex: string, issuer: TestCert, count: number): Promise<TestCert[]> {
    const ski = new x509.Extension('2.5.29.14', false, derTlv(0x04, Buffer.from(skiHex, 'hex')));
    const cas: TestCert[] = [];
    for (let i = 0; i < count; i++) cas.push(await createCa({ subject, issuer, subjectKeyIdentifier: false, extraExtensions: [ski] }));
    return cas;
  }

  it('60 same-name CAs with colliding key identifiers, one of them the real issuer (placed last)', async () => {
    const name = unique('Crowd');
    const root = await createCa({ subject: `CN=${name} Root` });
    const cas = await sameNameCas(`CN=${name} Issuing CA`, 'c0ffee'.repeat(4), root, 60);
    const real = cas[cas.length - 1] as TestCert;
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: real, extendedKeyUsage: [CLIENT_AUTH] });
    const { verdict } = await timedCheck(leaf, [root], cas);
    // 60 signature checks fit the budget of 100: the valid path is found.
    assertOneOf(verdict, ['trusted', 'budget_exceeded']);
  });

  it('the same 60 CAs when none of them issued the leaf: bad_signature or budget_exceeded', async () => {
    const name = unique('Crowd');
    const root = await createCa({ subject: `CN=${name} Root` });
    const cas = await sameNameCas(`CN=${name} Issuing CA`, 'c0ffee'.repeat(4), root, 60);
    const outsider = await createCa({ subject: `CN=${name} Issuing CA`, issuer: root, subjectKeyIdentifier: false, extraExtensions: [new x509.Extension('2.5.29.14', false, derTlv(0x04, Buffer.from('c0ffee'.repeat(4), 'hex')))] });
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: outsider, extendedKeyUsage: [CLIENT_AUTH] });
    const { verdict } = await timedCheck(leaf, [root], cas);
    assertOneOf(verdict, ['bad_signature', 'budget_exceeded']);
  });

  it('two layers of 60 same-name CAs (120 candidate signatures) run into the signature budget', async () => {
    const name = unique('Layers');
    const root = await createCa({ subject: `CN=${name} Root` });
    const upper = await sameNameCas(`CN=${name} Upper`, 'aa'.repeat(20), root, 60);
    const realUpper = upper[upper.length - 1] as TestCert;
    const lowerDecoys = await sameNameCas(`CN=${name} Lower`, 'bb'.repeat(20), upper[0] as TestCert, 59);
    const ski = new x509.Extension('2.5.29.14', false, derTlv(0x04, Buffer.from('bb'.repeat(20), 'hex')));
    const realLower = await createCa({ subject: `CN=${name} Lower`, issuer: realUpper, subjectKeyIdentifier: false, extraExtensions: [ski] });
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: realLower, extendedKeyUsage: [CLIENT_AUTH] });
    const { verdict } = await timedCheck(leaf, [root], [...lowerDecoys, realLower, ...upper]);
    assert.ok(DEFAULT_VALIDATION_LIMITS.maxSignatureChecks < 120);
    assertOneOf(verdict, ['budget_exceeded']);
  });
});

describe('name constraint explosion', () => {
  it('1000 permitted dNSName subtrees against a leaf with 1000 SAN names: budget_exceeded or a verdict in time', async () => {
    const name = unique('Explosion');
    const subtrees = Array.from({ length: 1000 }, (_, i) => derTlv(0x30, derTlv(0x82, Buffer.from(`zone${i}.example`, 'latin1'))));
    const constraints = new x509.Extension('2.5.29.30', true, derTlv(0x30, derTlv(0xa0, ...subtrees)));
    const root = await createCa({ subject: `CN=${name} Root` });
    const constrained = await createCa({ subject: `CN=${name} Issuing CA`, issuer: root, extraExtensions: [constraints] });
    // Every name is within the last subtree only, so each one costs 1000 comparisons.
    const sans = Array.from({ length: 1000 }, (_, i) => ({ type: 'dns' as const, value: `host${i}.zone999.example` }));
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: constrained, extendedKeyUsage: [CLIENT_AUTH], subjectAltNames: sans });
    const { verdict } = await timedCheck(leaf, [root], [constrained]);
    assertOneOf(verdict, ['budget_exceeded', 'trusted']);
    // 1000 × 1000 comparisons exceed the default budget of 100 000: the budget is what answers.
    assert.equal(verdict.reason, 'budget_exceeded');
  });

  it('the same constraints against names outside every subtree fail fast with name_constraint_violation', async () => {
    const name = unique('Explosion');
    const subtrees = Array.from({ length: 1000 }, (_, i) => derTlv(0x30, derTlv(0x82, Buffer.from(`zone${i}.example`, 'latin1'))));
    const constraints = new x509.Extension('2.5.29.30', true, derTlv(0x30, derTlv(0xa0, ...subtrees)));
    const root = await createCa({ subject: `CN=${name} Root` });
    const constrained = await createCa({ subject: `CN=${name} Issuing CA`, issuer: root, extraExtensions: [constraints] });
    const sans = Array.from({ length: 1000 }, (_, i) => ({ type: 'dns' as const, value: `host${i}.elsewhere.test` }));
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: constrained, extendedKeyUsage: [CLIENT_AUTH], subjectAltNames: sans });
    const { verdict } = await timedCheck(leaf, [root], [constrained]);
    assertOneOf(verdict, ['name_constraint_violation', 'budget_exceeded']);
  });
});

describe('huge certificates', () => {
  const POLICY_COUNT = 13_500; // ≈ 200 KB of certificatePolicies (≈ 15 octets per PolicyInformation)

  it('a ~200 KB certificatePolicies extension is what it claims', () => {
    const size = manyPolicies(POLICY_COUNT).value.byteLength;
    assert.ok(size > 190_000 && size < 260_000, `${size} octets`);
  });

  it('as the leaf: a verdict in time', async () => {
    const name = unique('Huge');
    const root = await createCa({ subject: `CN=${name} Root` });
    const intermediate = await createCa({ subject: `CN=${name} Issuing CA`, issuer: root });
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: intermediate, extendedKeyUsage: [CLIENT_AUTH], extraExtensions: [manyPolicies(POLICY_COUNT)] });
    assert.ok(leaf.der.length > 190_000);
    const { verdict } = await timedCheck(leaf, [root], [intermediate]);
    // Nothing is wrong with it but its size: the offline engine has no size cap.
    assertOneOf(verdict, ['trusted']);
  });

  it('as the intermediate: a verdict in time', async () => {
    const name = unique('Huge');
    const root = await createCa({ subject: `CN=${name} Root` });
    const intermediate = await createCa({ subject: `CN=${name} Issuing CA`, issuer: root, extraExtensions: [manyPolicies(POLICY_COUNT)] });
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: intermediate, extendedKeyUsage: [CLIENT_AUTH] });
    const { verdict } = await timedCheck(leaf, [root], [intermediate]);
    assertOneOf(verdict, ['trusted']);
  });

  it('a single policy with 200 KB of CPS qualifiers, as leaf and as intermediate', async () => {
    const name = unique('Huge');
    const root = await createCa({ subject: `CN=${name} Root` });
    const intermediate = await createCa({ subject: `CN=${name} Issuing CA`, issuer: root, extraExtensions: [hugeQualifiers(4, 50_000)] });
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: intermediate, extendedKeyUsage: [CLIENT_AUTH], extraExtensions: [hugeQualifiers(4, 50_000)] });
    const { verdict } = await timedCheck(leaf, [root], [intermediate]);
    assertOneOf(verdict, ['trusted']);
  });

  // parseCertificate() runs before validatePath() and so outside its wall-clock cap; decodePolicies()
  // checks for duplicate OIDs with Array.includes, quadratic in the number of policies. A leaf the size
  // a verify request can carry (1 MB body: ~700 KB base64 → ~36 000 policies) blocks the event loop for
  // seconds (measured: 27 000 policies 0.8 s, 50 000 policies 3.3 s).
  it('a leaf as large as a verify request can carry (36 000 policies) parses in well under a second', async () => {
    const name = unique('Huge');
    const root = await createCa({ subject: `CN=${name} Root` });
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: root, extendedKeyUsage: [CLIENT_AUTH], extraExtensions: [manyPolicies(36_000)] });
    assert.ok(leaf.base64.length < 1024 * 1024 - 1024, `${leaf.base64.length} base64 characters fit a verify request`);
    const started = performance.now();
    parseCertificate(leaf.der);
    const ms = performance.now() - started;
    assert.ok(ms < 3_000, `parsing took ${ms.toFixed(0)} ms`);
  });

  it('60 huge same-name intermediates: parse and search still in time', async () => {
    const name = unique('Huge crowd');
    const root = await createCa({ subject: `CN=${name} Root` });
    const big = hugeQualifiers(2, 50_000);
    const cas: TestCert[] = [];
    for (let i = 0; i < 60; i++) cas.push(await createCa({ subject: `CN=${name} Issuing CA`, issuer: root, extraExtensions: [big] }));
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: cas[30] as TestCert, extendedKeyUsage: [CLIENT_AUTH] });
    const { verdict } = await timedCheck(leaf, [root], cas);
    assertOneOf(verdict, ['trusted', 'budget_exceeded']);
  });
});

describe('cycles of cross-signed CAs', () => {
  it('A signs B and B signs A, no anchor reachable: untrusted_root (or budget_exceeded), no loop', async () => {
    const name = unique('Cycle');
    const [keysA, keysB] = await Promise.all([generateKeyPair('p256'), generateKeyPair('p256')]);
    const selfA = await createCa({ subject: `CN=${name} A`, keys: keysA });
    const selfB = await createCa({ subject: `CN=${name} B`, keys: keysB });
    const aByB = await createCa({ subject: `CN=${name} A`, keys: keysA, issuer: selfB });
    const bByA = await createCa({ subject: `CN=${name} B`, keys: keysB, issuer: selfA });
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: selfA, extendedKeyUsage: [CLIENT_AUTH] });
    const stranger = await createCa({ subject: `CN=${name} Unrelated Root` });
    const { verdict } = await timedCheck(leaf, [stranger], [aByB, bByA, selfA, selfB]);
    assertOneOf(verdict, ['untrusted_root', 'budget_exceeded']);
  });

  it('a full mesh of 6 CAs cross-signing each other (30 certificates): untrusted_root or budget_exceeded', async () => {
    const name = unique('Mesh');
    const size = 6;
    const keys = await Promise.all(Array.from({ length: size }, () => generateKeyPair('p256')));
    const selves = await Promise.all(keys.map((k, i) => createCa({ subject: `CN=${name} ${i}`, keys: k })));
    const cross: TestCert[] = [];
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        if (i !== j) cross.push(await createCa({ subject: `CN=${name} ${i}`, keys: keys[i], issuer: selves[j] }));
      }
    }
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: selves[0] as TestCert, extendedKeyUsage: [CLIENT_AUTH] });
    const stranger = await createCa({ subject: `CN=${name} Unrelated Root` });
    const { verdict } = await timedCheck(leaf, [stranger], cross);
    assertOneOf(verdict, ['untrusted_root', 'budget_exceeded', 'depth_exceeded']);
  });

  it('the same mesh with one of its CAs trusted: trusted or budget_exceeded, in time', async () => {
    const name = unique('Mesh');
    const size = 6;
    const keys = await Promise.all(Array.from({ length: size }, () => generateKeyPair('p256')));
    const selves = await Promise.all(keys.map((k, i) => createCa({ subject: `CN=${name} ${i}`, keys: k })));
    const cross: TestCert[] = [];
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        if (i !== j) cross.push(await createCa({ subject: `CN=${name} ${i}`, keys: keys[i], issuer: selves[j] }));
      }
    }
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: selves[0] as TestCert, extendedKeyUsage: [CLIENT_AUTH] });
    const { verdict } = await timedCheck(leaf, [selves[size - 1] as TestCert], cross);
    assertOneOf(verdict, ['trusted', 'budget_exceeded']);
  });
});
