// Signature verification under the allow-list (src/pki/signature.ts): real certificates from the test
// factory and from openssl (RSASSA-PSS, MD5, SHA-224, Ed448), tampering, weak keys, mismatched keys.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSecretKey, generateKeyPairSync, KeyObject, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DerError } from '../../src/pki/der.ts';
import { signedObjectOf, type SignedObject, type SignatureVerdict, verifySignature } from '../../src/pki/signature.ts';
import { createCa, createLeaf, derInteger, derTlv, type KeyKind, type SignatureHash, type TestCert } from '../helpers/certs.ts';

const STRICT = { allowSha1: false };
const LEGACY = { allowSha1: true };

function keyOf(cert: TestCert | Buffer): KeyObject {
  return new X509Certificate(Buffer.isBuffer(cert) ? cert : cert.der).publicKey;
}

function flipped(buffer: Buffer, index: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

function failure(verdict: SignatureVerdict): string {
  assert.equal(verdict.ok, false, 'expected a refusal');
  return verdict.ok ? '' : verdict.reason;
}

async function issued(key: KeyKind, signatureHash?: SignatureHash): Promise<{ ca: TestCert; leaf: TestCert }> {
  const ca = await createCa({ subject: `CN=${key} ${signatureHash ?? 'default'} CA`, key });
  const leaf = await createLeaf({ subject: 'CN=Leaf', issuer: ca, key: 'p256', ...(signatureHash ? { signatureHash } : {}) });
  return { ca, leaf };
}

describe('verifySignature: allowed algorithms', () => {
  const cases: Array<{ key: KeyKind; hash?: SignatureHash; oid: string }> = [
    { key: 'rsa2048', hash: 'SHA-256', oid: '1.2.840.113549.1.1.11' },
    { key: 'rsa2048', hash: 'SHA-384', oid: '1.2.840.113549.1.1.12' },
    { key: 'rsa2048', hash: 'SHA-512', oid: '1.2.840.113549.1.1.13' },
    { key: 'rsa3072', hash: 'SHA-256', oid: '1.2.840.113549.1.1.11' },
    { key: 'p256', hash: 'SHA-256', oid: '1.2.840.10045.4.3.2' },
    { key: 'p256', hash: 'SHA-512', oid: '1.2.840.10045.4.3.4' },
    { key: 'p384', hash: 'SHA-384', oid: '1.2.840.10045.4.3.3' },
    { key: 'p521', hash: 'SHA-512', oid: '1.2.840.10045.4.3.4' },
    { key: 'ed25519', oid: '1.3.101.112' },
  ];
  for (const { key, hash, oid } of cases) {
    it(`${key}${hash ? ` with ${hash}` : ''}: verifies, and fails on a flipped bit in the signature or the TBS`, async () => {
      const { ca, leaf } = await issued(key, hash);
      const signed = signedObjectOf(leaf.der);
      assert.equal(signed.algorithmOid, oid);
      assert.deepEqual(verifySignature(signed, keyOf(ca), STRICT), { ok: true });
      // Also with node's own view of the same signature, as a cross-check of tbs/signature slicing.
      assert.equal(new X509Certificate(leaf.der).verify(keyOf(ca)), true);

      for (const index of [0, Math.floor(signed.signature.length / 2), signed.signature.length - 1]) {
        assert.equal(failure(verifySignature({ ...signed, signature: flipped(signed.signature, index) }, keyOf(ca), STRICT)), 'bad_signature');
      }
      assert.equal(failure(verifySignature({ ...signed, tbs: flipped(signed.tbs, signed.tbs.length - 5) }, keyOf(ca), STRICT)), 'bad_signature');
      // A different key of the same type.
      const other = await createCa({ subject: 'CN=Other', key, freshKey: true });
      assert.equal(failure(verifySignature(signed, keyOf(other), STRICT)), 'bad_signature');
    });
  }

  it('accepts RSA PKCS#1 v1.5 with the NULL parameters omitted, refuses other parameters', async () => {
    const { ca, leaf } = await issued('rsa2048', 'SHA-256');
    const signed = signedObjectOf(leaf.der);
    assert.deepEqual(signed.algorithmParams, Buffer.from('0500', 'hex'));
    assert.deepEqual(verifySignature({ ...signed, algorithmParams: undefined }, keyOf(ca), STRICT), { ok: true });
    assert.equal(failure(verifySignature({ ...signed, algorithmParams: derInteger(1) }, keyOf(ca), STRICT)), 'algorithm_not_allowed');
  });

  it('refuses ECDSA and Ed25519 identifiers that carry parameters', async () => {
    for (const key of ['p256', 'ed25519'] as KeyKind[]) {
      const { ca, leaf } = await issued(key);
      const signed = signedObjectOf(leaf.der);
      assert.equal(signed.algorithmParams, undefined);
      assert.equal(failure(verifySignature({ ...signed, algorithmParams: Buffer.from('0500', 'hex') }, keyOf(ca), STRICT)), 'algorithm_not_allowed');
    }
  });
});

describe('verifySignature: SHA-1, weak keys, key mismatch', () => {
  for (const key of ['rsa2048', 'p256'] as KeyKind[]) {
    it(`refuses ${key} with SHA-1 unless allowSha1`, async () => {
      const { ca, leaf } = await issued(key, 'SHA-1');
      const signed = signedObjectOf(leaf.der);
      assert.equal(signed.algorithmOid, key === 'p256' ? '1.2.840.10045.4.1' : '1.2.840.113549.1.1.5');
      const refused = verifySignature(signed, keyOf(ca), STRICT);
      assert.equal(failure(refused), 'algorithm_not_allowed');
      assert.match(refused.ok ? '' : refused.message, /SHA-1/);
      assert.deepEqual(verifySignature(signed, keyOf(ca), LEGACY), { ok: true });
      assert.equal(failure(verifySignature({ ...signed, signature: flipped(signed.signature, 3) }, keyOf(ca), LEGACY)), 'bad_signature');
    });
  }

  it('refuses an RSA 1024 key as weak_key (the signature itself is valid)', async () => {
    const { ca, leaf } = await issued('rsa1024', 'SHA-256');
    assert.equal(new X509Certificate(leaf.der).verify(keyOf(ca)), true);
    const verdict = verifySignature(signedObjectOf(leaf.der), keyOf(ca), LEGACY);
    assert.equal(failure(verdict), 'weak_key');
    assert.match(verdict.ok ? '' : verdict.message, /1024/);
  });

  it('refuses a P-192 key as weak_key for ECDSA', async () => {
    const { leaf } = await issued('p256');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime192v1' });
    assert.equal(failure(verifySignature(signedObjectOf(leaf.der), publicKey, STRICT)), 'weak_key');
  });

  it('refuses keys whose type does not fit the algorithm as key_mismatch', async () => {
    const rsa = await issued('rsa2048');
    const ec = await issued('p256');
    const ed = await issued('ed25519');
    assert.equal(failure(verifySignature(signedObjectOf(ec.leaf.der), keyOf(rsa.ca), STRICT)), 'key_mismatch');
    assert.equal(failure(verifySignature(signedObjectOf(rsa.leaf.der), keyOf(ec.ca), STRICT)), 'key_mismatch');
    assert.equal(failure(verifySignature(signedObjectOf(ed.leaf.der), keyOf(ec.ca), STRICT)), 'key_mismatch');
    assert.equal(failure(verifySignature(signedObjectOf(ec.leaf.der), keyOf(ed.ca), STRICT)), 'key_mismatch');
    assert.equal(failure(verifySignature(signedObjectOf(ec.leaf.der), createSecretKey(Buffer.alloc(32)), STRICT)), 'key_mismatch');
    const { publicKey: x25519 } = generateKeyPairSync('x25519');
    assert.equal(failure(verifySignature(signedObjectOf(ed.leaf.der), x25519, STRICT)), 'key_mismatch');
  });

  it('refuses unknown algorithm OIDs', async () => {
    const { ca, leaf } = await issued('p256');
    const signed: SignedObject = { ...signedObjectOf(leaf.der), algorithmOid: '1.2.3.4' };
    assert.equal(failure(verifySignature(signed, keyOf(ca), LEGACY)), 'algorithm_not_allowed');
  });
});

describe('verifySignature: openssl material (RSASSA-PSS, MD5, SHA-224, Ed448)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'graph-pki-sig-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let counter = 0;
  /** A self-signed certificate made by `openssl req -x509` with the extra arguments; returns its DER. */
  function opensslCert(args: string[]): Buffer {
    const name = `c${++counter}`;
    const keyFile = path.join(dir, `${name}.key`);
    const certFile = path.join(dir, `${name}.der`);
    const run = spawnSync('/usr/bin/openssl', ['req', '-x509', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', keyFile, '-outform', 'DER', '-out', certFile, ...args], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    return readFileSync(certFile);
  }

  it('verifies RSASSA-PSS SHA-256 with the default (maximal) salt length and fails on a flipped bit', () => {
    const der = opensslCert(['-newkey', 'rsa:2048', '-sha256', '-sigopt', 'rsa_padding_mode:pss']);
    const signed = signedObjectOf(der);
    assert.equal(signed.algorithmOid, '1.2.840.113549.1.1.10');
    assert.ok(signed.algorithmParams);
    assert.deepEqual(verifySignature(signed, keyOf(der), STRICT), { ok: true });
    assert.equal(failure(verifySignature({ ...signed, signature: flipped(signed.signature, 100) }, keyOf(der), STRICT)), 'bad_signature');
    assert.equal(failure(verifySignature({ ...signed, tbs: flipped(signed.tbs, 20) }, keyOf(der), STRICT)), 'bad_signature');
  });

  it('verifies RSASSA-PSS SHA-384 and SHA-512 with explicit salt lengths; a wrong salt length in the parameters fails', () => {
    for (const [hash, salt] of [
      ['sha384', 48],
      ['sha512', 64],
    ] as const) {
      const der = opensslCert(['-newkey', 'rsa:2048', `-${hash}`, '-sigopt', 'rsa_padding_mode:pss', '-sigopt', `rsa_pss_saltlen:${salt}`]);
      const signed = signedObjectOf(der);
      assert.deepEqual(verifySignature(signed, keyOf(der), STRICT), { ok: true }, hash);
      // Same parameters re-encoded with another salt length: the signature no longer verifies.
      const params = pssParams(hash, hash, salt + 1);
      assert.equal(failure(verifySignature({ ...signed, algorithmParams: params }, keyOf(der), STRICT)), 'bad_signature');
      assert.deepEqual(verifySignature({ ...signed, algorithmParams: pssParams(hash, hash, salt) }, keyOf(der), STRICT), { ok: true });
    }
  });

  it('verifies RSASSA-PSS made with an RSASSA-PSS (id-RSASSA-PSS) key', () => {
    const der = opensslCert(['-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']);
    assert.equal(keyOf(der).asymmetricKeyType, 'rsa-pss');
    const signed = signedObjectOf(der);
    assert.deepEqual(verifySignature(signed, keyOf(der), STRICT), { ok: true });
    // An RSASSA-PSS key may not verify PKCS#1 v1.5.
    assert.equal(failure(verifySignature({ ...signed, algorithmOid: '1.2.840.113549.1.1.11', algorithmParams: undefined }, keyOf(der), STRICT)), 'key_mismatch');
  });

  it('refuses RSASSA-PSS whose MGF1 hash differs from the message hash', () => {
    const der = opensslCert(['-newkey', 'rsa:2048', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_mgf1_md:sha384']);
    const verdict = verifySignature(signedObjectOf(der), keyOf(der), LEGACY);
    assert.equal(failure(verdict), 'algorithm_not_allowed');
    assert.match(verdict.ok ? '' : verdict.message, /MGF1/);
  });

  it('refuses RSASSA-PSS with SHA-1 (default parameters) unless allowSha1, and malformed parameters always', () => {
    const der = opensslCert(['-newkey', 'rsa:2048', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']);
    const signed = signedObjectOf(der);
    // Absent parameters mean SHA-1 / MGF1-SHA-1 / salt 20: refused without allowSha1; with it, the
    // signature (made with SHA-256) does not verify.
    assert.equal(failure(verifySignature({ ...signed, algorithmParams: undefined }, keyOf(der), STRICT)), 'algorithm_not_allowed');
    assert.equal(failure(verifySignature({ ...signed, algorithmParams: undefined }, keyOf(der), LEGACY)), 'bad_signature');
    assert.equal(failure(verifySignature({ ...signed, algorithmParams: Buffer.from('3003020101', 'hex') }, keyOf(der), STRICT)), 'algorithm_not_allowed');
    assert.equal(failure(verifySignature({ ...signed, algorithmParams: Buffer.from('0500', 'hex') }, keyOf(der), STRICT)), 'algorithm_not_allowed');
    assert.equal(failure(verifySignature({ ...signed, algorithmParams: pssParams('sha256', 'sha256', 32, 2) }, keyOf(der), STRICT)), 'algorithm_not_allowed');
  });

  for (const [label, args, oid] of [
    ['md5WithRSAEncryption', ['-newkey', 'rsa:2048', '-md5'], '1.2.840.113549.1.1.4'],
    ['sha224WithRSAEncryption', ['-newkey', 'rsa:2048', '-sha224'], '1.2.840.113549.1.1.14'],
    ['ecdsa-with-SHA224', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-sha224'], '1.2.840.10045.4.3.1'],
    ['Ed448', ['-newkey', 'ed448'], '1.3.101.113'],
  ] as const) {
    it(`refuses ${label} even with allowSha1`, () => {
      const der = opensslCert([...args]);
      const signed = signedObjectOf(der);
      assert.equal(signed.algorithmOid, oid);
      assert.equal(new X509Certificate(der).verify(keyOf(der)), true, 'node itself would accept it');
      const verdict = verifySignature(signed, keyOf(der), LEGACY);
      assert.equal(failure(verdict), 'algorithm_not_allowed');
      assert.match(verdict.ok ? '' : verdict.message, new RegExp(label));
    });
  }
});

describe('signedObjectOf', () => {
  it('slices TBS, algorithm and signature of a certificate', async () => {
    const { leaf } = await issued('p384');
    const signed = signedObjectOf(leaf.der);
    assert.equal(signed.tbs[0], 0x30);
    assert.ok(leaf.der.includes(signed.tbs));
    assert.equal(signed.algorithmOid, '1.2.840.10045.4.3.3');
    assert.equal(signed.signature[0], 0x30, 'an ECDSA signature is a DER SEQUENCE');
  });

  it('throws DerError on truncated, padded and mis-shaped input', async () => {
    const { leaf } = await issued('p256');
    for (let cut = 0; cut < leaf.der.length; cut += 7) {
      assert.throws(() => signedObjectOf(leaf.der.subarray(0, cut)), DerError, `cut at ${cut}`);
    }
    assert.throws(() => signedObjectOf(Buffer.concat([leaf.der, Buffer.from([0])])), DerError);
    const { tbs } = signedObjectOf(leaf.der);
    const algorithm = derTlv(0x30, Buffer.from('06082a8648ce3d040302', 'hex'));
    assert.throws(() => signedObjectOf(derTlv(0x30, tbs, algorithm)), DerError, 'two elements');
    assert.throws(() => signedObjectOf(derTlv(0x30, tbs, algorithm, derTlv(0x03, Buffer.from([0, 1])), derTlv(0x05))), DerError, 'four elements');
    assert.throws(() => signedObjectOf(derTlv(0x30, tbs, algorithm, derTlv(0x04, Buffer.from([0, 1])))), DerError, 'OCTET STRING signature');
    assert.throws(() => signedObjectOf(derTlv(0x30, tbs, algorithm, derTlv(0x03, Buffer.from([3, 0xf8])))), DerError, 'unused bits');
    assert.throws(() => signedObjectOf(derTlv(0x30, tbs, derTlv(0x30), derTlv(0x03, Buffer.from([0, 1])))), DerError, 'empty AlgorithmIdentifier');
  });
});

const HASH_OID_HEX = { sha256: '608648016503040201', sha384: '608648016503040202', sha512: '608648016503040203' } as const;

/** RSASSA-PSS-params with explicit hash, MGF1 hash, salt length and (optionally) trailer field. */
function pssParams(hash: keyof typeof HASH_OID_HEX, mgfHash: keyof typeof HASH_OID_HEX, salt: number, trailer?: number): Buffer {
  const hashId = (h: keyof typeof HASH_OID_HEX): Buffer => derTlv(0x30, derTlv(0x06, Buffer.from(HASH_OID_HEX[h], 'hex')), Buffer.from('0500', 'hex'));
  const fields = [
    derTlv(0xa0, hashId(hash)),
    derTlv(0xa1, derTlv(0x30, derTlv(0x06, Buffer.from('2a864886f70d010108', 'hex')), hashId(mgfHash))),
    derTlv(0xa2, derInteger(salt)),
  ];
  if (trailer !== undefined) fields.push(derTlv(0xa3, derInteger(trailer)));
  return derTlv(0x30, ...fields);
}
