// The streaming CRL index (src/pki/crl.ts): agreement with @peculiar/x509 on generated CRLs, delta
// CRLs, optional fields, extensions we report or refuse, malformed input, signatures, and a 500 000
// entry CRL written as raw DER (time and heap budget).
import { akiOf, bigCrl, ECDSA_SHA256, extension, generalizedTime, issuerNameOf, oidDer, REASON, utcTime } from '../helpers/crl-der.ts';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { KeyObject, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CrlProblem, crlDerFromPem, IndexBudgetExceeded, indexCrl, mostEntriesIn, serialKey } from '../../src/pki/crl.ts';
import { verifySignature } from '../../src/pki/signature.ts';
import { createCa, createCrl, derInteger, derTlv, toPem, type KeyKind, type TestCert, x509 } from '../helpers/certs.ts';

const STRICT = { allowSha1: false };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function problemOf(run: () => unknown): CrlProblem {
  try {
    run();
  } catch (error) {
    if (error instanceof CrlProblem) return error;
    throw error;
  }
  throw new Error('expected a CrlProblem');
}

function keyOf(ca: TestCert): KeyObject {
  return new X509Certificate(ca.der).publicKey;
}

function skiOf(ca: TestCert): string {
  const ski = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  assert.ok(ski);
  return ski.keyId.toUpperCase();
}

/** Serial hex as @peculiar/x509 shows it (lowercase, maybe a 00 sign octet) → our key form. */
/** The lookup key of a serial given as unsigned hex, as @peculiar/x509 reports serial numbers. */
function keyOfHex(hex: string): string {
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return serialKey((bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}


// ---------------------------------------------------------------------------------------------
// Raw DER writer for CRLs @peculiar/x509 cannot make (entry extensions, versions, GeneralizedTime,
// 500 000 entries).







interface RawEntry {
  serial: Buffer;
  date: Buffer;
  extensions?: Buffer[];
}

interface RawCrlOptions {
  signer: TestCert;
  /** null = omit; default 1 (v2). */
  version?: number | null;
  thisUpdate?: Buffer;
  nextUpdate?: Buffer | null;
  entries?: RawEntry[];
  /** Pre-encoded revokedCertificates SEQUENCE (overrides entries). */
  revokedDer?: Buffer;
  extensions?: Buffer[];
  innerAlgorithm?: Buffer;
}



/** A CRL signed with the P-256 signer's key via node:crypto (ECDSA with SHA-256). */
function rawCrl(options: RawCrlOptions): Buffer {
  const now = Date.now();
  const parts: Buffer[] = [];
  const version = options.version === undefined ? 1 : options.version;
  if (version !== null) parts.push(derInteger(version));
  parts.push(options.innerAlgorithm ?? ECDSA_SHA256, issuerNameOf(options.signer), options.thisUpdate ?? utcTime(new Date(now - HOUR)));
  const nextUpdate = options.nextUpdate === undefined ? utcTime(new Date(now + DAY)) : options.nextUpdate;
  if (nextUpdate) parts.push(nextUpdate);
  if (options.revokedDer) parts.push(options.revokedDer);
  else if (options.entries) {
    parts.push(derTlv(0x30, ...options.entries.map((e) => derTlv(0x30, derTlv(0x02, e.serial), e.date, ...(e.extensions ? [derTlv(0x30, ...e.extensions)] : [])))));
  }
  const extensions = options.extensions ?? [akiOf(options.signer), extension('2.5.29.20', false, derInteger(1))];
  if (extensions.length) parts.push(derTlv(0xa0, derTlv(0x30, ...extensions)));
  const tbs = derTlv(0x30, ...parts);
  const signature = sign('sha256', tbs, { key: KeyObject.from(options.signer.keys.privateKey), dsaEncoding: 'der' });
  return derTlv(0x30, tbs, ECDSA_SHA256, derTlv(0x03, Buffer.from([0]), signature));
}

let p256Signer: Promise<TestCert> | undefined;
function signer(): Promise<TestCert> {
  p256Signer ??= createCa({ subject: 'CN=Raw CRL Signer, O=graph-pki tests', key: 'p256' });
  return p256Signer;
}

// ---------------------------------------------------------------------------------------------

describe('indexCrl agrees with @peculiar/x509', () => {
  for (const key of ['p256', 'rsa2048', 'ed25519'] as KeyKind[]) {
    it(`${key}: issuer, dates, number, AKI, every serial and reason; the signature verifies`, async () => {
      const ca = await createCa({ subject: `CN=${key} CRL CA, O=graph-pki tests`, key });
      const now = Date.now();
      const revoked = [
        { serialNumber: '01', reason: 1, date: new Date(now - 5 * DAY) },
        { serialNumber: '7f112233445566778899aabbccddeeff', date: new Date(now - 4 * DAY) },
        { serialNumber: '80aabbcc', reason: 0, date: new Date(now - 3 * DAY) }, // needs a 00 sign octet
        { serialNumber: '00ff', reason: 4, date: new Date(now - 2 * DAY), invalidity: new Date(now - 9 * DAY) },
        { serialNumber: '4a0000000000000000000000000000000000ab', reason: 6, date: new Date(now - DAY) },
      ];
      const { der, crl } = await createCrl({ issuer: ca, revoked, crlNumber: 42 });
      const index = indexCrl(der);

      assert.deepEqual(index.issuer, Buffer.from(crl.issuerName.toArrayBuffer()));
      assert.deepEqual(index.issuer, Buffer.from(ca.cert.subjectName.toArrayBuffer()));
      assert.equal(index.thisUpdate.getTime(), crl.thisUpdate.getTime());
      assert.equal(index.nextUpdate?.getTime(), crl.nextUpdate?.getTime());
      assert.equal(index.crlNumber, 42n);
      assert.equal(index.crlNumberCritical, false);
      assert.equal(index.deltaBaseCrlNumber, undefined);
      assert.equal(index.authorityKeyIdentifier, skiOf(ca));
      assert.equal(index.issuingDistributionPoint, undefined);
      assert.deepEqual(index.unknownCriticalExtensions, []);
      assert.equal(index.entryCount, crl.entries.length);
      assert.equal(index.entryCount, revoked.length);
      assert.equal(index.removedFromCrl.size, 0);

      for (const entry of crl.entries) {
        const found = index.lookup(keyOfHex(entry.serialNumber));
        assert.ok(found, entry.serialNumber);
        assert.equal(found.revokedAt.getTime(), entry.revocationDate.getTime());
        const wanted = revoked.find((r) => keyOfHex(r.serialNumber) === keyOfHex(entry.serialNumber));
        assert.equal(found.reason, wanted?.reason);
        if (entry.reason !== undefined) assert.equal(found.reason, entry.reason);
      }
      // Serials are signed: 0080AABBCC is positive, 80AABBCC negative; 00FF is 255, FF is -1. Case and
      // a redundant sign octet do not matter; odd-length hex is read with a leading 0.
      assert.ok(index.lookup('0080AABBCC'));
      assert.ok(index.lookup('0080aabbcc'));
      assert.equal(index.lookup('80aabbcc'), undefined);
      assert.ok(index.lookup('1'));
      assert.ok(index.lookup('0001'));
      assert.ok(index.lookup('00FF'));
      assert.equal(index.lookup('FF'), undefined);
      assert.equal(index.lookup('02'), undefined);
      assert.equal(index.lookup('7F112233445566778899AABBCCDDEEFE'), undefined);
      assert.throws(() => index.lookup('not hex'), RangeError);

      assert.deepEqual(verifySignature(index.signed, keyOf(ca), STRICT), { ok: true });
      const other = await createCa({ subject: 'CN=Other', key, freshKey: true });
      assert.equal(verifySignature(index.signed, keyOf(other), STRICT).ok, false);
    });
  }

  it('an empty CRL (no revokedCertificates) and one with a single entry', async () => {
    const ca = await createCa({ subject: 'CN=Empty CRL CA' });
    const empty = indexCrl((await createCrl({ issuer: ca })).der);
    assert.equal(empty.entryCount, 0);
    assert.equal(empty.lookup('01'), undefined);
    const one = indexCrl((await createCrl({ issuer: ca, revoked: [{ serialNumber: '0a' }] })).der);
    assert.equal(one.entryCount, 1);
    assert.ok(one.lookup('0A'));
  });

  it('serialKey keeps the sign: minimal two\'s complement, upper-case', () => {
    assert.equal(serialKey(Buffer.from('0080ab', 'hex')), '0080AB');
    assert.equal(serialKey(Buffer.from('00ff', 'hex')), '00FF');
    assert.equal(serialKey(Buffer.from('ff', 'hex')), 'FF');
    assert.equal(serialKey(Buffer.from('ffff', 'hex')), 'FF');
    assert.equal(serialKey(Buffer.from('00007f', 'hex')), '7F');
    assert.equal(serialKey(Buffer.from('7f', 'hex')), '7F');
    assert.equal(serialKey(Buffer.from('00', 'hex')), '00');
    assert.equal(serialKey(Buffer.from('ff01', 'hex')), 'FF01');
  });

  it('a CRL entry for -1 (FF) does not match the serial 255 (00FF), and the other way round', async () => {
    const ca = await signer();
    const date = utcTime(new Date());
    const minusOne = indexCrl(rawCrl({ signer: ca, entries: [{ serial: Buffer.from([0xff]), date }] }));
    assert.equal(minusOne.lookup(serialKey(Buffer.from('00ff', 'hex'))), undefined);
    assert.ok(minusOne.lookup(serialKey(Buffer.from('ff', 'hex'))));
    const plus255 = indexCrl(rawCrl({ signer: ca, entries: [{ serial: Buffer.from('00ff', 'hex'), date }] }));
    assert.equal(plus255.lookup(serialKey(Buffer.from('ff', 'hex'))), undefined);
    assert.ok(plus255.lookup(serialKey(Buffer.from('00ff', 'hex'))));
  });
});

describe('delta CRLs and optional fields', () => {
  it('reads deltaCRLIndicator and lists removeFromCRL entries', async () => {
    const ca = await createCa({ subject: 'CN=Delta CA' });
    const { der } = await createCrl({
      issuer: ca,
      crlNumber: 8,
      deltaBaseCrlNumber: 5,
      revoked: [
        { serialNumber: '11', reason: 8 },
        { serialNumber: '12', reason: 1 },
        { serialNumber: '13' },
      ],
    });
    const delta = indexCrl(der);
    assert.equal(delta.crlNumber, 8n);
    assert.equal(delta.deltaBaseCrlNumber, 5n);
    assert.deepEqual(delta.unknownCriticalExtensions, [], 'deltaCRLIndicator is critical but understood');
    assert.deepEqual([...delta.removedFromCrl], ['11']);
    assert.equal(delta.lookup('11')?.reason, 8);
    assert.equal(delta.lookup('12')?.reason, 1);
    assert.equal(delta.lookup('13')?.reason, undefined);
    assert.ok(delta.lookup('13'));
  });

  it('handles an absent nextUpdate and an absent CRL number', async () => {
    const ca = await createCa({ subject: 'CN=No Next CA' });
    const index = indexCrl((await createCrl({ issuer: ca, nextUpdate: null, crlNumber: null, revoked: [{ serialNumber: '05' }] })).der);
    assert.equal(index.nextUpdate, undefined);
    assert.equal(index.crlNumber, undefined);
    assert.ok(index.lookup('05'));
  });

  it('reads GeneralizedTime and UTCTime (19xx/20xx windows)', async () => {
    const ca = await signer();
    const der = rawCrl({
      signer: ca,
      thisUpdate: generalizedTime(new Date(Date.UTC(2051, 0, 2, 3, 4, 5))),
      nextUpdate: utcTime(new Date(Date.UTC(1999, 11, 31, 23, 59, 59))),
      entries: [
        { serial: Buffer.from([1]), date: generalizedTime(new Date(Date.UTC(2050, 5, 6, 7, 8, 9))) },
        { serial: Buffer.from([2]), date: utcTime(new Date(Date.UTC(2049, 1, 28))) },
      ],
    });
    const index = indexCrl(der);
    assert.equal(index.thisUpdate.toISOString(), '2051-01-02T03:04:05.000Z');
    assert.equal(index.nextUpdate?.toISOString(), '1999-12-31T23:59:59.000Z');
    assert.equal(index.lookup('01')?.revokedAt.toISOString(), '2050-06-06T07:08:09.000Z');
    assert.equal(index.lookup('02')?.revokedAt.toISOString(), '2049-02-28T00:00:00.000Z');
    assert.deepEqual(verifySignature(index.signed, keyOf(ca), STRICT), { ok: true });
  });

  it('accepts a v1 CRL (no version, no extensions) and refuses extensions without v2', async () => {
    const ca = await signer();
    const v1 = indexCrl(rawCrl({ signer: ca, version: null, extensions: [], entries: [{ serial: Buffer.from([9]), date: utcTime(new Date()) }] }));
    assert.equal(v1.crlNumber, undefined);
    assert.ok(v1.lookup('09'));
    assert.equal(problemOf(() => indexCrl(rawCrl({ signer: ca, version: null }))).reason, 'malformed');
    assert.equal(
      problemOf(() => indexCrl(rawCrl({ signer: ca, version: null, extensions: [], entries: [{ serial: Buffer.from([9]), date: utcTime(new Date()), extensions: [REASON(1)] }] }))).reason,
      'malformed',
    );
    assert.equal(problemOf(() => indexCrl(rawCrl({ signer: ca, version: 0 }))).reason, 'malformed');
    assert.equal(problemOf(() => indexCrl(rawCrl({ signer: ca, version: 2 }))).reason, 'unsupported');
  });
});

describe('extensions', () => {
  it('reports an unknown critical CRL extension, ignores an unknown non-critical one', async () => {
    const ca = await createCa({ subject: 'CN=Ext CA' });
    const { der } = await createCrl({
      issuer: ca,
      extraExtensions: [new x509.Extension('1.2.3.4.5', true, derTlv(0x05)), new x509.Extension('1.2.3.4.6', false, derTlv(0x05))],
    });
    assert.deepEqual(indexCrl(der).unknownCriticalExtensions, ['1.2.3.4.5']);
  });

  it('returns the issuingDistributionPoint, critical or not (the revocation check applies its scope)', async () => {
    const ca = await createCa({ subject: 'CN=IDP CA' });
    const idp = derTlv(0x30, Buffer.from('8101ff', 'hex')); // onlyContainsUserCerts TRUE
    const critical = indexCrl((await createCrl({ issuer: ca, extraExtensions: [new x509.Extension('2.5.29.28', true, idp)] })).der);
    assert.deepEqual(critical.unknownCriticalExtensions, []);
    assert.deepEqual(critical.issuingDistributionPoint, idp);
    const plain = indexCrl((await createCrl({ issuer: ca, extraExtensions: [new x509.Extension('2.5.29.28', false, idp)] })).der);
    assert.deepEqual(plain.unknownCriticalExtensions, []);
    assert.deepEqual(plain.issuingDistributionPoint, idp);
  });

  it('reads Microsoft Next CRL Publish and reports a critical cRLNumber', async () => {
    const ca = await signer();
    const publish = new Date(Date.UTC(2030, 2, 3, 4, 5, 6));
    const index = indexCrl(
      rawCrl({ signer: ca, extensions: [akiOf(ca), extension('2.5.29.20', true, derInteger(300)), extension('1.3.6.1.4.1.311.21.4', false, utcTime(publish))] }),
    );
    assert.equal(index.crlNumber, 300n);
    assert.equal(index.crlNumberCritical, true);
    assert.equal(index.nextCrlPublish?.getTime(), publish.getTime());
  });

  it('certificateIssuer (indirect CRLs) applies to its entry and the ones after it; lookups filter by it', async () => {
    const ca = await signer();
    const other = await createCa({ subject: 'CN=Other CA of an indirect CRL' });
    const date = utcTime(new Date());
    const issuerIs = (name: Buffer) => derTlv(0x30, derTlv(0xa4, name));
    const index = indexCrl(
      rawCrl({
        signer: ca,
        entries: [
          { serial: Buffer.from([1]), date },
          { serial: Buffer.from([2]), date, extensions: [extension('2.5.29.29', true, issuerIs(issuerNameOf(other)))] },
          { serial: Buffer.from([3]), date },
          { serial: Buffer.from([4]), date, extensions: [extension('2.5.29.29', true, issuerIs(issuerNameOf(ca)))] },
        ],
      }),
    );
    assert.equal(index.hasCertificateIssuers, true);
    const isOther = (names: readonly { tag: number; value: Buffer }[] | undefined) => names?.some((n) => n.value.equals(issuerNameOf(other))) === true;
    // The default takes the CRL issuer's own entries only: 1 (before any certificateIssuer).
    assert.ok(index.lookup('01'));
    for (const serial of ['02', '03', '04']) assert.equal(index.lookup(serial), undefined, serial);
    assert.deepEqual(['01', '02', '03', '04'].map((serial) => index.lookup(serial, isOther) !== undefined), [false, true, true, false]);
  });

  it('refuses an entry with an unknown critical entry extension as unsupported', async () => {
    const ca = await signer();
    const date = utcTime(new Date());
    const unknown = problemOf(() => indexCrl(rawCrl({ signer: ca, entries: [{ serial: Buffer.from([1]), date, extensions: [REASON(1), extension('1.2.3.4', true, derTlv(0x05))] }] })));
    assert.equal(unknown.reason, 'unsupported');
    // Non-critical unknown and invalidityDate entry extensions are fine.
    const fine = indexCrl(
      rawCrl({
        signer: ca,
        entries: [{ serial: Buffer.from([1]), date, extensions: [extension('2.5.29.24', false, generalizedTime(new Date())), extension('1.2.3.4', false, derTlv(0x05)), REASON(3)] }],
      }),
    );
    assert.equal(fine.lookup('01')?.reason, 3);
  });

  it('a serial listed twice: a real revocation wins over removeFromCRL', async () => {
    const ca = await signer();
    const date = utcTime(new Date());
    const index = indexCrl(
      rawCrl({
        signer: ca,
        entries: [
          { serial: Buffer.from([7]), date, extensions: [REASON(8)] },
          { serial: Buffer.from([7]), date, extensions: [REASON(1)] },
        ],
      }),
    );
    assert.equal(index.entryCount, 2);
    assert.equal(index.lookup('07')?.reason, 1);
  });
});

describe('malformed input', () => {
  it('every truncation of a CRL is malformed', async () => {
    const ca = await createCa({ subject: 'CN=Cut CA' });
    const { der } = await createCrl({ issuer: ca, revoked: [{ serialNumber: '01', reason: 1 }, { serialNumber: '02' }] });
    for (let cut = 0; cut < der.length; cut++) {
      assert.equal(problemOf(() => indexCrl(der.subarray(0, cut))).reason, 'malformed', `cut at ${cut}`);
    }
    assert.equal(problemOf(() => indexCrl(Buffer.concat([der, Buffer.from([0])]))).reason, 'malformed');
    assert.equal(problemOf(() => indexCrl(Buffer.from('not a crl'))).reason, 'malformed');
    assert.equal(problemOf(() => indexCrl(ca.der)).reason, 'malformed', 'a certificate is not a CRL');
  });

  it('any single-byte corruption gives a CrlProblem or an index, never another exception', async () => {
    const ca = await createCa({ subject: 'CN=Fuzz CA' });
    const { der } = await createCrl({ issuer: ca, revoked: [{ serialNumber: '01', reason: 1 }, { serialNumber: '0203', invalidity: new Date() }] });
    for (let i = 0; i < der.length; i++) {
      for (const value of [0x00, 0xff, (der[i] as number) ^ 0x80, (der[i] as number) + 1]) {
        const copy = Buffer.from(der);
        copy[i] = value & 0xff;
        try {
          const index = indexCrl(copy);
          index.lookup('01');
          index.lookup('0203');
        } catch (error) {
          assert.ok(error instanceof CrlProblem, `byte ${i} = ${value}: ${(error as Error).stack}`);
        }
      }
    }
  });

  it('refuses non-DER details: bad times, non-minimal serials, mismatched inner algorithm, empty extensions', async () => {
    const ca = await signer();
    const entry = (serial: Buffer, date: Buffer, extensions?: Buffer[]): RawEntry[] => [{ serial, date, ...(extensions ? { extensions } : {}) }];
    const now = utcTime(new Date());
    const cases: Array<[string, Buffer]> = [
      ['non-minimal serial', rawCrl({ signer: ca, entries: entry(Buffer.from('0001', 'hex'), now) })],
      ['empty serial', rawCrl({ signer: ca, entries: entry(Buffer.alloc(0), now) })],
      ['UTCTime without seconds', rawCrl({ signer: ca, entries: entry(Buffer.from([1]), derTlv(0x17, Buffer.from('2501010000Z'))) })],
      ['UTCTime with offset', rawCrl({ signer: ca, entries: entry(Buffer.from([1]), derTlv(0x17, Buffer.from('250101000000+0100'))) })],
      ['30 February', rawCrl({ signer: ca, entries: entry(Buffer.from([1]), derTlv(0x17, Buffer.from('250230000000Z'))) })],
      ['fractional GeneralizedTime', rawCrl({ signer: ca, thisUpdate: derTlv(0x18, Buffer.from('20250101000000.5Z')) })],
      ['thisUpdate missing', rawCrl({ signer: ca, thisUpdate: Buffer.alloc(0), nextUpdate: null })],
      ['inner algorithm differs', rawCrl({ signer: ca, innerAlgorithm: derTlv(0x30, oidDer('1.2.840.10045.4.3.3')) })],
      ['duplicate CRL extension', rawCrl({ signer: ca, extensions: [extension('2.5.29.20', false, derInteger(1)), extension('2.5.29.20', false, derInteger(2))] })],
      ['negative CRL number', rawCrl({ signer: ca, extensions: [extension('2.5.29.20', false, Buffer.from('0201ff', 'hex'))] })],
      ['BOOLEAN critical 0x01', rawCrl({ signer: ca, extensions: [derTlv(0x30, oidDer('2.5.29.20'), Buffer.from('010101', 'hex'), derTlv(0x04, derInteger(1)))] })],
      ['reasonCode as INTEGER', rawCrl({ signer: ca, entries: entry(Buffer.from([1]), now, [extension('2.5.29.21', false, derInteger(1))]) })],
    ];
    for (const [label, der] of cases) {
      assert.equal(problemOf(() => indexCrl(der)).reason, 'malformed', label);
    }
  });

  it('accepts empty extension lists (not DER, but @peculiar/x509 writes empty crlEntryExtensions)', async () => {
    const ca = await signer();
    assert.equal(indexCrl(rawCrl({ signer: ca, entries: [{ serial: Buffer.from([1]), date: utcTime(new Date()), extensions: [] }] })).lookup('01')?.reason, undefined);
    assert.deepEqual(indexCrl(rawCrlWithEmptyExtensions(ca)).unknownCriticalExtensions, []);
  });

  it('limits.maxEntries refuses larger CRLs as unsupported', async () => {
    const ca = await signer();
    const date = utcTime(new Date());
    const der = rawCrl({ signer: ca, entries: [1, 2, 3].map((n) => ({ serial: Buffer.from([n]), date })) });
    assert.equal(indexCrl(der, { maxEntries: 3 }).entryCount, 3);
    assert.equal(problemOf(() => indexCrl(der, { maxEntries: 2 })).reason, 'unsupported');
  });

  it('limits.entryBudget stops at the first entry past it with IndexBudgetExceeded; maxEntries still wins when lower', async () => {
    const ca = await signer();
    const date = utcTime(new Date());
    const der = rawCrl({ signer: ca, entries: [1, 2, 3].map((n) => ({ serial: Buffer.from([n]), date })) });
    assert.equal(indexCrl(der, { entryBudget: 3 }).entryCount, 3);
    assert.throws(() => indexCrl(der, { entryBudget: 2 }), (error: unknown) => error instanceof IndexBudgetExceeded && error.entryBudget === 2);
    assert.throws(() => indexCrl(der, { entryBudget: 0 }), IndexBudgetExceeded);
    assert.equal(problemOf(() => indexCrl(der, { maxEntries: 1, entryBudget: 2 })).reason, 'unsupported');
    assert.throws(() => indexCrl(der, { maxEntries: 2, entryBudget: 1 }), IndexBudgetExceeded);
    // 20 bytes is the shortest entry there is: mostEntriesIn bounds any CRL's count.
    assert.ok(mostEntriesIn(der.length) >= 3);
    assert.equal(mostEntriesIn(19), 1);
  });
});

function rawCrlWithEmptyExtensions(ca: TestCert): Buffer {
  // [0] { SEQUENCE {} }: Extensions is SIZE (1..MAX).
  const tbs = derTlv(0x30, derInteger(1), ECDSA_SHA256, issuerNameOf(ca), utcTime(new Date()), derTlv(0xa0, derTlv(0x30)));
  const signature = sign('sha256', tbs, { key: KeyObject.from(ca.keys.privateKey), dsaEncoding: 'der' });
  return derTlv(0x30, tbs, ECDSA_SHA256, derTlv(0x03, Buffer.from([0]), signature));
}

describe('PEM', () => {
  it('crlDerFromPem returns every X509 CRL block and skips others', async () => {
    const ca = await createCa({ subject: 'CN=PEM CA' });
    const a = await createCrl({ issuer: ca });
    const b = await createCrl({ issuer: ca, revoked: [{ serialNumber: '01' }] });
    const text = `garbage\n${a.pem}${ca.pem}\r\n${b.pem.replace(/\n/g, '\r\n')}`;
    const ders = crlDerFromPem(text);
    assert.equal(ders.length, 2);
    assert.deepEqual(ders[0], a.der);
    assert.deepEqual(ders[1], b.der);
    assert.deepEqual(crlDerFromPem(ca.pem), []);
    assert.equal(problemOf(() => crlDerFromPem('-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n')).reason, 'malformed');
    assert.equal(problemOf(() => crlDerFromPem('-----BEGIN X509 CRL-----\nAAAA\n')).reason, 'malformed');
  });
});

describe('openssl agrees with the raw DER writer', () => {
  it('openssl verifies a hand-written CRL and lists the same entries', async () => {
    const ca = await signer();
    const date = utcTime(new Date(Date.UTC(2025, 0, 1)));
    const entries: RawEntry[] = Array.from({ length: 300 }, (_, i) => ({
      serial: Buffer.from([0x40, i >> 8, i & 0xff]),
      date,
      ...(i % 3 === 0 ? { extensions: [REASON(1 + (i % 5))] } : {}),
    }));
    const der = rawCrl({ signer: ca, entries });
    const dir = mkdtempSync(path.join(tmpdir(), 'graph-pki-crl-'));
    try {
      writeFileSync(path.join(dir, 'ca.pem'), ca.pem);
      writeFileSync(path.join(dir, 'crl.der'), der);
      const run = spawnSync('/usr/bin/openssl', ['crl', '-inform', 'DER', '-in', path.join(dir, 'crl.der'), '-CAfile', path.join(dir, 'ca.pem'), '-noout', '-text'], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /verify OK/);
      assert.equal((run.stdout.match(/Serial Number:/g) ?? []).length, 300);
      assert.equal((run.stdout.match(/Key Compromise/g) ?? []).length, entries.filter((_, i) => i % 3 === 0 && 1 + (i % 5) === 1).length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const index = indexCrl(der);
    assert.equal(index.entryCount, 300);
    assert.equal(index.lookup('400000')?.reason, 1);
    assert.equal(index.lookup('400001')?.reason, undefined);
    assert.equal(index.lookup('400129')?.reason, 1 + (297 % 5));
    assert.equal(index.lookup('40012B')?.reason, undefined);
    assert.equal(index.lookup('40012C'), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Scale

function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}



describe('scale', () => {
  // The 0.5 s target is measured by `npm run bench` on a quiet machine; here, beside other test files on
  // two cores, the bound only guards against a regression to per-entry work (several seconds).
  it('indexes a 500 000-entry CRL (~18 MB) within a few seconds with < 100 MB of heap, finds entries, verifies', async () => {
    const ca = await signer();
    const COUNT = 500_000;
    const built = bigCrl(ca, COUNT);
    const { der } = built;
    assert.ok(der.length > 17_000_000 && der.length < 21_000_000, `size ${der.length}`);

    const gc = gcFunction();
    // ArrayBuffer backing stores are released after the GC that finds them dead, by a sweeper task.
    const settle = async (): Promise<void> => {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    };
    await settle();
    const before = process.memoryUsage();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const index = indexCrl(der);
    const elapsed = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const peak = process.memoryUsage();
    await settle();
    const retained = process.memoryUsage();
    const mb = (n: number): string => (n / 1_048_576).toFixed(1);
    const heapGrowth = retained.heapUsed - before.heapUsed;
    const bufferGrowth = retained.arrayBuffers - before.arrayBuffers;
    // The 0.5 s budget is checked on the CPU time of the (cold) run: the wall time is printed, but on a
    // busy machine (parallel test files, other work) it mostly measures waiting for a core. A second,
    // warm run is timed for the log.
    const restarted = performance.now();
    assert.equal(indexCrl(der).entryCount, COUNT);
    const again = performance.now() - restarted;
    console.log(
      `# 500k-entry CRL: ${der.length} bytes, indexed in ${elapsed.toFixed(0)} ms wall / ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU ` +
        `(second run ${again.toFixed(0)} ms wall); ` +
        `heapUsed +${mb(peak.heapUsed - before.heapUsed)} MB before gc, +${mb(heapGrowth)} MB retained; ` +
        `arrayBuffers +${mb(bufferGrowth)} MB retained`,
    );
    assert.equal(index.entryCount, COUNT);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    assert.ok(cpuMs < 3000, `indexing took ${cpuMs.toFixed(0)} ms of CPU (${elapsed.toFixed(0)} ms wall)`);
    assert.ok(heapGrowth + bufferGrowth < 100 * 1_048_576, `retained growth ${mb(heapGrowth + bufferGrowth)} MB`);
    assert.ok(peak.heapUsed - before.heapUsed < 100 * 1_048_576, `peak heap growth ${mb(peak.heapUsed - before.heapUsed)} MB`);

    for (const i of [0, 1, COUNT / 2, COUNT / 2 + 7, COUNT - 1]) {
      const found = index.lookup(built.serials(i));
      assert.ok(found, `entry ${i}`);
      assert.equal(found.revokedAt.getTime(), built.dates[i % built.dates.length]?.getTime());
      assert.equal(found.reason, i % 10 === 0 ? 1 + (i % 9) : undefined);
    }
    assert.equal(index.lookup('40' + '00'.repeat(15)), undefined);
    assert.equal(index.lookup(built.serials(5).slice(0, -8) + (COUNT + 5).toString(16).toUpperCase().padStart(8, '0')), undefined);
    assert.equal(index.lookup(built.serials(5).replace(/^../, '3F')), undefined);
    let hits = 0;
    const lookups = performance.now();
    for (let i = 0; i < COUNT; i += 50) if (index.lookup(built.serials(i))) hits++;
    console.log(`# ${COUNT / 50} lookups in ${(performance.now() - lookups).toFixed(0)} ms`);
    assert.equal(hits, COUNT / 50);
    let removed = 0;
    for (let i = 0; i < COUNT; i += 10) if (1 + (i % 9) === 8) removed++;
    assert.equal(index.removedFromCrl.size, removed);
    assert.ok(index.removedFromCrl.has(built.serials(70)));
    assert.equal(index.crlNumber, 123456n);
    assert.equal(index.authorityKeyIdentifier, skiOf(ca));

    const verifying = performance.now();
    assert.deepEqual(verifySignature(index.signed, keyOf(ca), STRICT), { ok: true });
    console.log(`# signature verified in ${(performance.now() - verifying).toFixed(0)} ms`);
  });

  it('reads a multi-megabyte PEM CRL', async () => {
    const ca = await signer();
    const { der } = bigCrl(ca, 100_000);
    const ders = crlDerFromPem(toPem(der, 'X509 CRL'));
    assert.equal(ders.length, 1);
    assert.equal(indexCrl(ders[0] as Buffer).entryCount, 100_000);
  });
});
