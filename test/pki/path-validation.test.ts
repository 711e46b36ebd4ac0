// RFC 5280 path validation (src/pki/path-validation.ts) through verifyOffline, on generated chains: one
// test per rule and per failure code, each asserting the exact reason and, where it helps, a good
// counterpart that differs only in the rule under test. Purpose clientAuth unless a test says otherwise.
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { parseCertificate } from '../../src/pki/certificate.ts';
import { indexCrl } from '../../src/pki/crl.ts';
import { type OfflineInput, verifyOffline } from '../../src/pki/offline-verify.ts';
import type { PathVerdict } from '../../src/pki/verdict.ts';
import { createCa, createCrl, createLeaf, derInteger, derTlv, type CertOptions, type TestCert, type TestCrl, x509 } from '../helpers/certs.ts';
import { sharedTestData, skipUnlessFileExists } from '../helpers/test-inputs.ts';

/** PKITS certificates from the project's shared folder (../shared); the test using them is skipped without it. */
const PKITS_CERTS = sharedTestData('testdata/pkits/certs');

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_NAME_CONSTRAINTS = '2.5.29.30';
const OID_POLICY_CONSTRAINTS = '2.5.29.36';
const OID_CRL_NUMBER = '2.5.29.20';
const POLICY = '1.3.6.1.4.1.55555.1.1';
const OTHER_POLICY = '1.3.6.1.4.1.55555.1.2';
const ANY_POLICY = '2.5.29.32.0';
const REASON = { certificateHold: 6, removeFromCRL: 8, keyCompromise: 1 } as const;

interface Material {
  leaf: TestCert;
  trusted: TestCert[];
  intermediates?: TestCert[];
  crls?: TestCrl[];
}

async function check(material: Material, options: Partial<Omit<OfflineInput, 'leaf' | 'trusted' | 'intermediates' | 'crls'>> = {}): Promise<PathVerdict> {
  return verifyOffline({
    leaf: parseCertificate(material.leaf.der),
    trusted: material.trusted.map((c) => parseCertificate(c.der)),
    intermediates: (material.intermediates ?? []).map((c) => parseCertificate(c.der)),
    crls: (material.crls ?? []).map((c) => indexCrl(c.der)),
    validationTime: new Date(),
    purpose: 'clientAuth',
    ...options,
  });
}

function assertTrusted(verdict: PathVerdict): void {
  assert.equal(verdict.trusted, true, `expected trusted, got ${verdict.reason}: ${verdict.message}`);
  assert.equal(verdict.reason, null);
}

function assertReason(verdict: PathVerdict, reason: string, failedAt?: number): void {
  assert.equal(verdict.trusted, false, `expected ${reason}, but the path was trusted`);
  assert.equal(verdict.reason, reason, verdict.message);
  if (failedAt !== undefined) assert.equal(verdict.failedAt, failedAt, `failedAt (${verdict.message})`);
}

let counter = 0;
const unique = (label: string) => `${label} ${++counter}`;

/** root → intermediate → leaf (clientAuth EKU), each customisable. */
async function chain(
  options: { root?: Partial<CertOptions>; intermediate?: Partial<CertOptions>; leaf?: Partial<CertOptions> } = {},
): Promise<{ root: TestCert; intermediate: TestCert; leaf: TestCert; material: Material }> {
  const name = unique('PV');
  const root = await createCa({ subject: `CN=${name} Root, O=graph-pki tests`, ...options.root });
  const intermediate = await createCa({ subject: `CN=${name} Issuing CA, O=graph-pki tests`, issuer: root, ...options.intermediate });
  const leaf = await createLeaf({ subject: `CN=${name} User, O=graph-pki tests`, issuer: intermediate, extendedKeyUsage: [CLIENT_AUTH], ...options.leaf });
  return { root, intermediate, leaf, material: { leaf, trusted: [root], intermediates: [intermediate] } };
}

// ---------------------------------------------------------------------------------------------
// Raw DER for extensions @peculiar/x509 does not build

const ia5 = (tag: number, text: string) => derTlv(tag, Buffer.from(text, 'latin1'));

/** NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees } with one GeneralSubtree per base. */
function permittedSubtrees(...bases: Buffer[]): x509.Extension {
  const value = derTlv(0x30, derTlv(0xa0, ...bases.map((base) => derTlv(0x30, base))));
  return new x509.Extension(OID_NAME_CONSTRAINTS, true, value);
}

/** PolicyConstraints ::= SEQUENCE { requireExplicitPolicy [0] SkipCerts } (critical, as RFC 5280 requires). */
function requireExplicitPolicy(skipCerts: number): x509.Extension {
  return new x509.Extension(OID_POLICY_CONSTRAINTS, true, derTlv(0x30, derTlv(0x80, Buffer.from([skipCerts]))));
}

// ---------------------------------------------------------------------------------------------

describe('a good chain', () => {
  it('trusts root → intermediate → leaf and reports the path leaf first', async () => {
    const { root, intermediate, leaf, material } = await chain();
    const verdict = await check(material);
    assertTrusted(verdict);
    assert.deepEqual(verdict.path.map((p) => p.role), ['leaf', 'intermediate', 'trustAnchor']);
    assert.deepEqual(
      verdict.path.map((p) => p.thumbprint),
      [leaf, intermediate, root].map((c) => parseCertificate(c.der).sha1Thumbprint),
    );
  });

  it('untrusted_root: the same chain with another root trusted', async () => {
    const { material } = await chain();
    const stranger = await createCa({ subject: `CN=${unique('Stranger')} Root` });
    assertReason(await check({ ...material, trusted: [stranger] }), 'untrusted_root');
  });

  it('untrusted_root: the intermediate alone is never trusted as a supplied intermediate', async () => {
    const { leaf, intermediate } = await chain();
    assertReason(await check({ leaf, trusted: [], intermediates: [intermediate] }), 'untrusted_root');
  });
});

describe('validity periods', () => {
  const now = Date.now();

  it('expired: the leaf', async () => {
    const { material } = await chain({ leaf: { notBefore: new Date(now - 10 * DAY), notAfter: new Date(now - DAY) } });
    assertReason(await check(material), 'expired', 0);
  });

  it('expired: the intermediate', async () => {
    const { material } = await chain({ intermediate: { notBefore: new Date(now - 10 * DAY), notAfter: new Date(now - DAY) } });
    assertReason(await check(material), 'expired', 1);
  });

  it('expired: the root, at a validation time after its notAfter', async () => {
    const { material } = await chain({ root: { notAfter: new Date(now + 30 * DAY) } });
    assertTrusted(await check(material));
    assertReason(await check(material, { validationTime: new Date(now + 60 * DAY) }), 'expired', 2);
  });

  it('not_yet_valid: the leaf', async () => {
    const { material } = await chain({ leaf: { notBefore: new Date(now + DAY) } });
    assertReason(await check(material), 'not_yet_valid', 0);
  });

  it('not_yet_valid: the intermediate', async () => {
    const { material } = await chain({ intermediate: { notBefore: new Date(now + DAY) } });
    assertReason(await check(material), 'not_yet_valid', 1);
  });

  it('not_yet_valid: the root, at a validation time before its notBefore', async () => {
    const { material } = await chain({ root: { notBefore: new Date(now - 10 * 60_000) } });
    assertTrusted(await check(material));
    assertReason(await check(material, { validationTime: new Date(now - 30 * 60_000) }), 'not_yet_valid', 2);
  });
});

describe('signatures and keys', () => {
  it('bad_signature: a leaf naming the intermediate (issuer DN and AKI) but signed by another key', async () => {
    const { root, intermediate, material } = await chain();
    const impostor = await createCa({ subject: intermediate.subject, issuer: root });
    const intermediateSki = intermediate.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId as string;
    const forged = await createLeaf({
      subject: 'CN=Forged User, O=graph-pki tests',
      issuer: impostor,
      extendedKeyUsage: [CLIENT_AUTH],
      authorityKeyIdentifier: false,
      extraExtensions: [new x509.AuthorityKeyIdentifierExtension(intermediateSki, false)],
    });
    assert.ok(parseCertificate(forged.der).issuer.equals(parseCertificate(intermediate.der).subject), 'the forged leaf names the intermediate');
    assertReason(await check({ ...material, leaf: forged }), 'bad_signature', 0);
  });

  it('algorithm_not_allowed: a leaf signed with SHA-1 (RSA and ECDSA)', async () => {
    for (const key of ['rsa2048', 'p256'] as const) {
      const { material } = await chain({ root: { key }, intermediate: { key }, leaf: { signatureHash: 'SHA-1' } });
      assertReason(await check(material), 'algorithm_not_allowed', 0);
      // The offline engine can be told to accept SHA-1.
      assertTrusted(await check(material, { signaturePolicy: { allowSha1: true } }));
    }
  });

  it('weak_key: an RSA 1024 intermediate', async () => {
    const { material } = await chain({ intermediate: { key: 'rsa1024' } });
    assertReason(await check(material), 'weak_key');
  });
});

describe('CA and key usage rules', () => {
  it('not_a_ca: an intermediate whose basicConstraints says cA FALSE', async () => {
    const { material } = await chain({
      intermediate: { ca: false, basicConstraintsCritical: true, keyUsage: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign },
    });
    assertReason(await check(material), 'not_a_ca', 1);
  });

  it('not_a_ca: an intermediate without basicConstraints', async () => {
    const { material } = await chain({ intermediate: { basicConstraints: false } });
    assertReason(await check(material), 'not_a_ca', 1);
  });

  it('key_usage: an intermediate whose keyUsage lacks keyCertSign', async () => {
    const { material } = await chain({ intermediate: { keyUsage: x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature } });
    assertReason(await check(material), 'key_usage', 1);
  });

  it('key_usage: a leaf whose keyUsage lacks digitalSignature', async () => {
    const { material } = await chain({ leaf: { keyUsage: x509.KeyUsageFlags.keyEncipherment } });
    assertReason(await check(material), 'key_usage', 0);
  });

  it('key_usage: a leaf lacking a usage the caller requires', async () => {
    const { material } = await chain();
    assertTrusted(await check(material, { keyUsage: ['digitalSignature'] }));
    assertReason(await check(material, { keyUsage: ['nonRepudiation'] }), 'key_usage', 0);
  });

  it('extended_key_usage: a serverAuth-only leaf for clientAuth (and the same leaf for serverAuth)', async () => {
    // A CN repeated in the SAN, as the server profile the engine applies for serverAuth wants.
    const { material } = await chain({ leaf: { subject: 'CN=srv.example.com', extendedKeyUsage: [SERVER_AUTH], subjectAltNames: [{ type: 'dns', value: 'srv.example.com' }] } });
    assertReason(await check(material), 'extended_key_usage', 0);
    assertTrusted(await check(material, { purpose: 'serverAuth' }));
  });

  // Windows CryptoAPI, OpenSSL and Go refuse a leaf whose purpose the issuing CA's extKeyUsage excludes
  // (EKU nesting); the engine does not look at extKeyUsage in CA certificates: a false accept.
  it('extended_key_usage: a clientAuth leaf under an intermediate restricted to serverAuth', async () => {
    const { material } = await chain({ intermediate: { extendedKeyUsage: [SERVER_AUTH] } });
    assertReason(await check(material), 'extended_key_usage', 1);
  });

  it('ca_as_leaf: a CA certificate presented as the client certificate', async () => {
    const { intermediate, material } = await chain();
    const caLeaf = await createCa({ subject: `CN=${unique('Sub CA')}, O=graph-pki tests`, issuer: intermediate, extendedKeyUsage: [CLIENT_AUTH] });
    assertReason(await check({ ...material, leaf: caLeaf }), 'ca_as_leaf', 0);
  });

  it('path_len_exceeded: a root with pathLenConstraint 0 above an intermediate', async () => {
    const { material } = await chain({ root: { pathLength: 0 } });
    assertReason(await check(material), 'path_len_exceeded', 2);
    const { material: allowed } = await chain({ root: { pathLength: 1 } });
    assertTrusted(await check(allowed));
  });

  it('depth_exceeded: three CAs with maxDepth 2 (trusted with maxDepth 3)', async () => {
    const name = unique('Deep');
    const root = await createCa({ subject: `CN=${name} Root` });
    const int1 = await createCa({ subject: `CN=${name} Int 1`, issuer: root });
    const int2 = await createCa({ subject: `CN=${name} Int 2`, issuer: int1 });
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: int2, extendedKeyUsage: [CLIENT_AUTH] });
    const material = { leaf, trusted: [root], intermediates: [int2, int1] };
    assertReason(await check(material, { maxDepth: 2 }), 'depth_exceeded');
    assertTrusted(await check(material, { maxDepth: 3 }));
  });

  it('unknown_critical_extension: a leaf with a critical extension nobody understands', async () => {
    const unknown = new x509.Extension('1.3.6.1.4.1.55555.99', true, derTlv(0x05));
    const { material } = await chain({ leaf: { extraExtensions: [unknown] } });
    assertReason(await check(material), 'unknown_critical_extension', 0);
    const { material: nonCritical } = await chain({ leaf: { extraExtensions: [new x509.Extension('1.3.6.1.4.1.55555.99', false, derTlv(0x05))] } });
    assertTrusted(await check(nonCritical));
  });
});

describe('name constraints', () => {
  const exampleCom = permittedSubtrees(ia5(0x82, 'example.com'));

  it('name_constraint_violation: a root permitting dNSName example.com, a leaf for evil.test', async () => {
    const { material } = await chain({ root: { extraExtensions: [exampleCom] }, leaf: { subjectAltNames: [{ type: 'dns', value: 'evil.test' }] } });
    assertReason(await check(material), 'name_constraint_violation', 0);
  });

  it('a leaf for www.example.com under the same constraint is trusted', async () => {
    const { material } = await chain({ root: { extraExtensions: [exampleCom] }, leaf: { subjectAltNames: [{ type: 'dns', value: 'www.example.com' }] } });
    assertTrusted(await check(material));
  });

  it('the constraint of the intermediate applies too', async () => {
    const { material } = await chain({ intermediate: { extraExtensions: [exampleCom] }, leaf: { subjectAltNames: [{ type: 'dns', value: 'example.com.evil.test' }] } });
    assertReason(await check(material), 'name_constraint_violation', 0);
  });

  it('name_constraint_violation: a URI constraint (host example.com) and a leaf URI on another host', async () => {
    const uriConstraint = permittedSubtrees(ia5(0x86, 'example.com'));
    const { material } = await chain({ root: { extraExtensions: [uriConstraint] }, leaf: { subjectAltNames: [{ type: 'url', value: 'https://evil.test/user' }] } });
    assertReason(await check(material), 'name_constraint_violation', 0);
    const { material: sameHost } = await chain({ root: { extraExtensions: [uriConstraint] }, leaf: { subjectAltNames: [{ type: 'url', value: 'https://example.com/user' }] } });
    assertTrusted(await check(sameHost));
    // Without a URI name in the leaf, the URI constraint has nothing to judge.
    const { material: noUri } = await chain({ root: { extraExtensions: [uriConstraint] }, leaf: { subjectAltNames: [{ type: 'dns', value: 'www.example.com' }] } });
    assertTrusted(await check(noUri));
  });
});

describe('certificate policies', () => {
  it('policy_violation: an intermediate requiring an explicit policy, a leaf without certificatePolicies', async () => {
    // The root asserts anyPolicy so that only the leaf's missing policies can be what fails (see the
    // last test of this group for a root without certificatePolicies).
    const { material } = await chain({ root: { certificatePolicies: [ANY_POLICY] }, intermediate: { extraExtensions: [requireExplicitPolicy(0)], certificatePolicies: [POLICY] } });
    assertReason(await check(material), 'policy_violation');
  });

  it('policy_violation: the leaf asserts another policy than the intermediate', async () => {
    const { material } = await chain({
      root: { certificatePolicies: [ANY_POLICY] },
      intermediate: { extraExtensions: [requireExplicitPolicy(0)], certificatePolicies: [POLICY] },
      leaf: { certificatePolicies: [OTHER_POLICY] },
    });
    assertReason(await check(material), 'policy_violation');
  });

  it('trusted: matching policies in the intermediate and the leaf (root asserting anyPolicy)', async () => {
    const { material } = await chain({
      root: { certificatePolicies: [ANY_POLICY] },
      intermediate: { extraExtensions: [requireExplicitPolicy(0)], certificatePolicies: [POLICY] },
      leaf: { certificatePolicies: [POLICY] },
    });
    assertTrusted(await check(material));
  });

  // RFC 5280 §6.1: the trust anchor is an input to the algorithm, not certificate 1 of the path, so its
  // own certificatePolicies (most roots carry none) do not prune the valid policy tree. The engine runs
  // the anchor through §6.1.3 (d)-(e) like any certificate, so a root without the extension empties the
  // tree and the path below fails as soon as an explicit policy is required: a false reject.
  it('trusted: matching policies when the root carries no certificatePolicies (RFC 5280 §6.1)', async () => {
    const { material } = await chain({
      intermediate: { extraExtensions: [requireExplicitPolicy(0)], certificatePolicies: [POLICY] },
      leaf: { certificatePolicies: [POLICY] },
    });
    assertTrusted(await check(material));
  });
});

describe('malformed certificates', () => {
  it('malformed: a leaf without authorityKeyIdentifier', async () => {
    const { material } = await chain({ leaf: { authorityKeyIdentifier: false } });
    assertReason(await check(material), 'malformed', 0);
  });

  // RFC 5280 §6.1.4 (k), (m) act on basicConstraints whatever its criticality (PKITS 4.6.4, 4.6.5).
  it('a CA whose basicConstraints is not critical is still a CA, and its pathLenConstraint still holds', async () => {
    const { material } = await chain({ intermediate: { basicConstraintsCritical: false } });
    assertTrusted(await check(material));
    const { root, intermediate } = await chain({ intermediate: { basicConstraintsCritical: false, pathLength: 0 } });
    const below = await createCa({ subject: unique('CN=Below'), issuer: intermediate });
    const deepLeaf = await createLeaf({ subject: unique('CN=Deep leaf'), issuer: below, extendedKeyUsage: [CLIENT_AUTH] });
    assertReason(await check({ leaf: deepLeaf, trusted: [root], intermediates: [intermediate, below] }), 'path_len_exceeded');
  });

  // Profile rules kept where PKITS needs no leniency and x509-limbo expects the refusal (see checkExtensionProfile).
  // PKITS 4.1.5: the CA's DSA key inherits its parameters from its issuer, so node cannot import it.
  // Reading the key used to throw out of validatePath (an error, not a verdict).
  it('algorithm_not_allowed, not an error: an issuer whose key cannot be imported (PKITS DSA parameter inheritance)', { skip: skipUnlessFileExists(PKITS_CERTS, import.meta.url) }, async () => {
    const pkits = (file: string) => parseCertificate(readFileSync(path.join(PKITS_CERTS.path, file)));
    const verdict = await verifyOffline({
      leaf: pkits('ValidDSAParameterInheritanceTest5EE.crt'),
      trusted: [pkits('TrustAnchorRootCertificate.crt')],
      intermediates: [pkits('DSACACert.crt'), pkits('DSAParametersInheritedCACert.crt')],
      crls: [],
      validationTime: new Date('2020-01-01T00:00:00Z'),
      purpose: 'any',
    });
    assertReason(verdict, 'algorithm_not_allowed', 0);
    assert.match(verdict.message, /dsa is not allowed/);
  });

  it('malformed: a trust anchor whose basicConstraints is not critical', async () => {
    const { material } = await chain({ root: { basicConstraintsCritical: false } });
    assertReason(await check(material), 'malformed', 2);
  });

  it('malformed: a non-critical policyConstraints in a CA that asserts no certificatePolicies', async () => {
    const nonCritical = new x509.Extension(OID_POLICY_CONSTRAINTS, false, derTlv(0x30, derTlv(0x80, Buffer.from([3]))));
    const { material } = await chain({ intermediate: { extraExtensions: [nonCritical] } });
    assertReason(await check(material, { purpose: 'any' }), 'malformed', 1);
    const { material: withPolicies } = await chain({ intermediate: { extraExtensions: [nonCritical], certificatePolicies: [POLICY] } });
    assertTrusted(await check(withPolicies, { purpose: 'any' }));
  });
});

describe('the identity asked for', () => {
  let material: Material;
  before(async () => {
    ({ material } = await chain({
      leaf: {
        subjectAltNames: [
          { type: 'dns', value: 'www.example.com' },
          { type: 'ip', value: '10.0.0.1' },
          { type: 'email', value: 'alice@example.com' },
        ],
      },
    }));
  });

  it('dns: trusted for www.example.com, name_mismatch for other.example.com', async () => {
    assertTrusted(await check(material, { dns: 'www.example.com' }));
    assertReason(await check(material, { dns: 'other.example.com' }), 'name_mismatch', 0);
  });

  it('ip: trusted for 10.0.0.1, name_mismatch for 10.0.0.2', async () => {
    assertTrusted(await check(material, { ip: '10.0.0.1' }));
    assertReason(await check(material, { ip: '10.0.0.2' }), 'name_mismatch', 0);
  });

  it('email: trusted for alice@example.com, name_mismatch for bob@example.com', async () => {
    assertTrusted(await check(material, { email: 'alice@example.com' }));
    assertReason(await check(material, { email: 'bob@example.com' }), 'name_mismatch', 0);
  });
});

describe('revocation with given CRLs', () => {
  const now = Date.now();

  it('revoked: the leaf is on the intermediate CRL; trusted with an empty CRL', async () => {
    const { intermediate, leaf, material } = await chain();
    const crl = await createCrl({ issuer: intermediate, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.keyCompromise }] });
    assertReason(await check({ ...material, crls: [crl] }), 'revoked', 0);
    const empty = await createCrl({ issuer: intermediate });
    const verdict = await check({ ...material, crls: [empty] });
    assertTrusted(verdict);
    assert.deepEqual(verdict.path[0]?.revocation, { checked: true, source: 'file', crlNumber: '2', deltaCrlNumber: undefined });
  });

  it('revoked: the intermediate is on the root CRL', async () => {
    const { root, intermediate, material } = await chain();
    const crl = await createCrl({ issuer: root, revoked: [{ serialNumber: intermediate.serialNumber }] });
    assertReason(await check({ ...material, crls: [crl] }), 'revoked', 1);
  });

  it('crl_invalid: an expired CRL', async () => {
    const { intermediate, material } = await chain();
    const crl = await createCrl({ issuer: intermediate, thisUpdate: new Date(now - 10 * DAY), nextUpdate: new Date(now - DAY) });
    assertReason(await check({ ...material, crls: [crl] }), 'crl_invalid', 0);
  });

  it('crl_invalid: a CRL without a CRL number', async () => {
    const { intermediate, material } = await chain();
    const crl = await createCrl({ issuer: intermediate, crlNumber: null });
    assertReason(await check({ ...material, crls: [crl] }), 'crl_invalid', 0);
  });

  it('crl_invalid: a CRL naming the intermediate but signed by another CA', async () => {
    const { root, intermediate, material } = await chain();
    const impostor = await createCa({ subject: intermediate.subject, issuer: root });
    // Without an AKI the CRL matches the intermediate by name only, so its signature is checked and fails.
    const crl = await createCrl({ issuer: impostor, authorityKeyIdentifier: false });
    assert.ok(indexCrl(crl.der).issuer.equals(parseCertificate(intermediate.der).subject));
    assertReason(await check({ ...material, crls: [crl] }), 'crl_invalid', 0);
  });

  it('crl_invalid: a CRL whose CRL number is marked critical', async () => {
    const { intermediate, material } = await chain();
    const crl = await createCrl({ issuer: intermediate, crlNumber: null, extraExtensions: [new x509.Extension(OID_CRL_NUMBER, true, derInteger(7))] });
    assertReason(await check({ ...material, crls: [crl] }), 'crl_invalid', 0);
  });

  it('revoked: a delta CRL revokes what its base CRL does not list', async () => {
    const { intermediate, leaf, material } = await chain();
    const base = await createCrl({ issuer: intermediate, crlNumber: 10 });
    const delta = await createCrl({ issuer: intermediate, crlNumber: 11, deltaBaseCrlNumber: 10, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.keyCompromise }] });
    assertTrusted(await check({ ...material, crls: [base] }));
    assertReason(await check({ ...material, crls: [base, delta] }), 'revoked', 0);
  });

  it('trusted: a delta CRL with removeFromCRL takes a held certificate off the base CRL', async () => {
    const { intermediate, leaf, material } = await chain();
    const base = await createCrl({ issuer: intermediate, crlNumber: 20, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.certificateHold }] });
    const delta = await createCrl({ issuer: intermediate, crlNumber: 21, deltaBaseCrlNumber: 20, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.removeFromCRL }] });
    assertReason(await check({ ...material, crls: [base] }), 'revoked', 0);
    const verdict = await check({ ...material, crls: [base, delta] });
    assertTrusted(verdict);
    assert.deepEqual(verdict.path[0]?.revocation, { checked: true, source: 'file', crlNumber: '20', deltaCrlNumber: '21' });
  });

  // A delta CRL lists the changes since its base up to its own number; combined with a complete CRL that
  // is newer than the delta itself, its removeFromCRL entries undo revocations made after it. The engine
  // only checks BaseCRLNumber ≤ the base's number (OpenSSL also requires the delta to be newer than the
  // base), so a revoked certificate is trusted: a false accept.
  it('revoked: an older delta CRL cannot undo a revocation of a newer base CRL', async () => {
    const { intermediate, leaf, material } = await chain();
    const base = await createCrl({ issuer: intermediate, crlNumber: 60, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.keyCompromise }] });
    const staleDelta = await createCrl({ issuer: intermediate, crlNumber: 55, deltaBaseCrlNumber: 50, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.removeFromCRL }] });
    assertReason(await check({ ...material, crls: [base] }), 'revoked', 0);
    const verdict = await check({ ...material, crls: [base, staleDelta] });
    assert.equal(verdict.trusted, false, 'a revoked certificate was trusted');
    assert.ok(verdict.reason === 'revoked' || verdict.reason === 'crl_invalid', `${verdict.reason}: ${verdict.message}`);
  });

  it('crl_unavailable: a delta CRL without its base CRL', async () => {
    const { intermediate, material } = await chain();
    const delta = await createCrl({ issuer: intermediate, crlNumber: 31, deltaBaseCrlNumber: 30 });
    assertReason(await check({ ...material, crls: [delta] }), 'crl_unavailable', 0);
  });

  it('crl_invalid: a delta CRL that needs a newer base than the one given', async () => {
    const { intermediate, material } = await chain();
    const base = await createCrl({ issuer: intermediate, crlNumber: 40 });
    const delta = await createCrl({ issuer: intermediate, crlNumber: 42, deltaBaseCrlNumber: 41 });
    assertReason(await check({ ...material, crls: [base, delta] }), 'crl_invalid', 0);
  });
});
