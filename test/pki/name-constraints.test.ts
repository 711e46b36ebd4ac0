// RFC 5280 name constraints (src/pki/name-constraints.ts): parsing, the names of a certificate, the
// matchers, and the check — mostly from real certificates: a CA carrying a nameConstraints extension
// (built here as DER, @peculiar/x509 has no NameConstraintsExtension) and a leaf it issues.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { children, decodeOid, DerError, expectTlv, type Tlv } from '../../src/pki/der.ts';
import {
  type Budget,
  checkNameConstraints,
  type ConstraintVerdict,
  directoryNameMatches,
  dnsNameMatches,
  dnsNameMayMatch,
  emailMatches,
  generalNameFormOfTag,
  ipMatches,
  type NameConstraints,
  parseNameConstraints,
  rdnsOfName,
  type SubjectNames,
  subjectNamesOf,
} from '../../src/pki/name-constraints.ts';
import { createCa, createLeaf, derTlv, type SanType, type TestCert, x509 } from '../helpers/certs.ts';

const OID_NAME_CONSTRAINTS = '2.5.29.30';
const OID_SAN = '2.5.29.17';

// ---------------------------------------------------------------------------------------------
// DER builders

const gn = {
  dns: (value: string) => derTlv(0x82, Buffer.from(value, 'latin1')),
  email: (value: string) => derTlv(0x81, Buffer.from(value, 'latin1')),
  uri: (value: string) => derTlv(0x86, Buffer.from(value, 'latin1')),
  /** '10.0.0.0/8' or '2001:db8::/32' style; IPv6 written as full hex groups by ipBytes. */
  ip: (cidr: string) => {
    const [address = '', bits = ''] = cidr.split('/');
    const bytes = ipBytes(address);
    return derTlv(0x87, bytes, maskBytes(bytes.length, Number(bits)));
  },
  ipRaw: (content: Buffer) => derTlv(0x87, content),
  directoryName: (name: string | Buffer) => derTlv(0xa4, typeof name === 'string' ? nameDer(name) : name),
  /** otherName UPN (1.3.6.1.4.1.311.20.2.3). */
  upn: (value: string) =>
    derTlv(0xa0, Buffer.from('060a2b060104018237140203', 'hex'), derTlv(0xa0, derTlv(0x0c, Buffer.from(value, 'utf8')))),
  registeredID: () => derTlv(0x88, Buffer.from('2a03', 'hex')),
};

function ipBytes(text: string): Buffer {
  if (text.includes('.') && !text.includes(':')) return Buffer.from(text.split('.').map(Number));
  const [head = '', tail = ''] = text.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = text.includes('::') ? groups(tail) : [];
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function maskBytes(length: number, bits: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < bits; i++) out[i >> 3] = (out[i >> 3] as number) | (0x80 >> (i & 7));
  return out;
}

/** DER Name C=US (PrintableString), O=<text> with the given string tag. */
function countryAndOrganization(tag: number, text: string): Buffer {
  const atv = (oidHex: string, valueTag: number, value: string) => derTlv(0x31, derTlv(0x30, Buffer.from(oidHex, 'hex'), derTlv(valueTag, Buffer.from(value, 'utf8'))));
  return derTlv(0x30, atv('0603550406', 0x13, 'US'), atv('060355040a', tag, text));
}

function nameDer(name: string): Buffer {
  return Buffer.from(new x509.Name(name).toArrayBuffer());
}

/** GeneralSubtree: base plus optional raw fields (minimum / maximum). */
function subtree(base: Buffer, ...extra: Buffer[]): Buffer {
  return derTlv(0x30, base, ...extra);
}

function ncDer(options: { permitted?: Buffer[]; excluded?: Buffer[] }): Buffer {
  const parts: Buffer[] = [];
  if (options.permitted) parts.push(derTlv(0xa0, ...options.permitted.map((b) => subtree(b))));
  if (options.excluded) parts.push(derTlv(0xa1, ...options.excluded.map((b) => subtree(b))));
  return derTlv(0x30, ...parts);
}

function ncExtension(options: { permitted?: Buffer[]; excluded?: Buffer[] }): x509.Extension {
  return new x509.Extension(OID_NAME_CONSTRAINTS, true, ncDer(options));
}

// ---------------------------------------------------------------------------------------------
// Reading real certificates with der.ts

interface CertParts {
  subject: Buffer;
  extensions: Map<string, Buffer>;
}

function partsOf(cert: TestCert): CertParts {
  const der = cert.der;
  const certificate = expectTlv(der, 0, 0x30, 'Certificate');
  const tbs = expectTlv(der, certificate.valueStart, 0x30, 'TBSCertificate', certificate.end);
  const fields = [...children(der, tbs)];
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // version
  const subjectTlv = fields[offset + 4];
  assert.ok(subjectTlv);
  const extensions = new Map<string, Buffer>();
  const explicit = fields.find((f) => f.tag === 0xa3);
  if (explicit) {
    const list = expectTlv(der, explicit.valueStart, 0x30, 'Extensions', explicit.end);
    for (const ext of children(der, list)) {
      const items = [...children(der, ext)];
      const oid = decodeOid(der, items[0] as Tlv);
      const value = items[items.length - 1] as Tlv;
      extensions.set(oid, der.subarray(value.valueStart, value.end));
    }
  }
  return { subject: der.subarray(subjectTlv.start, subjectTlv.end), extensions };
}

function constraintsOf(ca: TestCert): NameConstraints {
  const value = partsOf(ca).extensions.get(OID_NAME_CONSTRAINTS);
  assert.ok(value, 'the CA has a nameConstraints extension');
  return parseNameConstraints(value);
}

function namesOf(cert: TestCert): SubjectNames {
  const parts = partsOf(cert);
  return subjectNamesOf(parts.subject, parts.extensions.get(OID_SAN));
}

interface Scenario {
  permitted?: Buffer[];
  excluded?: Buffer[];
  subject?: string;
  san?: Array<{ type: SanType; value: string }>;
  /** A raw SAN extension value (GeneralNames contents), instead of `san`. */
  rawSan?: Buffer[];
  isLeaf?: boolean;
  checkCommonNameAsDns?: boolean;
  budget?: number;
}

/** CA with the constraints → leaf with the names → verdict of the check. */
async function verdictOf(s: Scenario): Promise<ConstraintVerdict> {
  const ca = await createCa({ subject: 'CN=Constrained CA, O=graph-pki tests', extraExtensions: [ncExtension(s)] });
  const extraExtensions = s.rawSan ? [new x509.Extension(OID_SAN, false, derTlv(0x30, ...s.rawSan))] : [];
  const leaf = await createLeaf({
    subject: s.subject ?? 'CN=Test User, O=graph-pki tests',
    issuer: ca,
    ...(s.san ? { subjectAltNames: s.san } : {}),
    extraExtensions,
  });
  const options = { isLeaf: s.isLeaf ?? true, ...(s.checkCommonNameAsDns === undefined ? {} : { checkCommonNameAsDns: s.checkCommonNameAsDns }) };
  return checkNameConstraints(constraintsOf(ca), namesOf(leaf), options, { remaining: s.budget ?? 10_000 });
}

function assertOk(verdict: ConstraintVerdict): void {
  assert.deepEqual(verdict, { ok: true });
}

function assertFails(verdict: ConstraintVerdict, reason: string, message?: RegExp): void {
  assert.equal(verdict.ok, false, 'expected a failing verdict');
  if (verdict.ok) return;
  assert.equal(verdict.reason, reason, verdict.message);
  if (message) assert.match(verdict.message, message);
}

const san = (type: SanType, ...values: string[]) => values.map((value) => ({ type, value }));

// ---------------------------------------------------------------------------------------------

describe('parseNameConstraints', () => {
  it('parses every supported form from a real CA certificate', async () => {
    const ca = await createCa({
      subject: 'CN=Parse CA',
      extraExtensions: [
        ncExtension({
          permitted: [gn.dns('example.com'), gn.email('.example.com'), gn.ip('10.0.0.0/8'), gn.ip('2001:db8::/32'), gn.directoryName('C=US, O=Contoso'), gn.uri('.example.com')],
          excluded: [gn.dns('bad.example.com'), gn.upn('x@y'), gn.registeredID()],
        }),
      ],
    });
    const nc = constraintsOf(ca);
    assert.deepEqual(nc.permitted[0], { form: 'dns', value: 'example.com' });
    assert.deepEqual(nc.permitted[1], { form: 'email', value: '.example.com' });
    assert.deepEqual(nc.permitted[2], { form: 'ip', address: Buffer.from([10, 0, 0, 0]), mask: Buffer.from([255, 0, 0, 0]) });
    const v6 = nc.permitted[3];
    assert.ok(v6?.form === 'ip');
    assert.equal(v6.address.toString('hex'), '20010db8000000000000000000000000');
    assert.equal(v6.mask.toString('hex'), 'ffffffff000000000000000000000000');
    const dn = nc.permitted[4];
    assert.ok(dn?.form === 'directoryName');
    assert.deepEqual(dn.rdns, rdnsOfName(nameDer('C=US, O=Contoso')));
    assert.equal(dn.rdns.length, 2);
    assert.deepEqual(nc.permitted[5], { form: 'uri', value: '.example.com' });
    assert.deepEqual(nc.excluded, [{ form: 'dns', value: 'bad.example.com' }, { form: 'other', tag: 0 }, { form: 'other', tag: 8 }]);
    assert.equal(generalNameFormOfTag(6), 'uri');
    assert.equal(generalNameFormOfTag(0), 'otherName');
  });

  it('parses excluded-only and permitted-only constraints', () => {
    assert.deepEqual(parseNameConstraints(ncDer({ excluded: [gn.dns('')] })), { permitted: [], excluded: [{ form: 'dns', value: '' }] });
    assert.deepEqual(parseNameConstraints(ncDer({ permitted: [gn.email('a@example.com')] })), { permitted: [{ form: 'email', value: 'a@example.com' }], excluded: [] });
  });

  it('tolerates an explicitly encoded minimum of 0', () => {
    const der = derTlv(0x30, derTlv(0xa0, subtree(gn.dns('example.com'), derTlv(0x80, Buffer.from([0])))));
    assert.deepEqual(parseNameConstraints(der).permitted, [{ form: 'dns', value: 'example.com' }]);
  });

  const malformed: Array<[string, Buffer]> = [
    ['a minimum other than 0', derTlv(0x30, derTlv(0xa0, subtree(gn.dns('example.com'), derTlv(0x80, Buffer.from([1])))))],
    ['a maximum', derTlv(0x30, derTlv(0xa0, subtree(gn.dns('example.com'), derTlv(0x81, Buffer.from([2])))))],
    ['a maximum after minimum 0', derTlv(0x30, derTlv(0xa0, subtree(gn.dns('example.com'), derTlv(0x80, Buffer.from([0])), derTlv(0x81, Buffer.from([0])))))],
    ['an IPv4 address without mask (4 octets)', ncDer({ permitted: [gn.ipRaw(Buffer.from([10, 0, 0, 0]))] })],
    ['an IP of 5 octets', ncDer({ permitted: [gn.ipRaw(Buffer.alloc(5))] })],
    ['an IP of 16 octets (IPv6 without mask)', ncDer({ permitted: [gn.ipRaw(Buffer.alloc(16))] })],
    ['a non-contiguous mask', ncDer({ permitted: [gn.ipRaw(Buffer.from([10, 0, 0, 0, 255, 0, 255, 0]))] })],
    ['no subtrees at all', derTlv(0x30)],
    ['an empty permittedSubtrees', derTlv(0x30, derTlv(0xa0))],
    ['an empty excludedSubtrees', derTlv(0x30, derTlv(0xa1))],
    ['excluded before permitted', derTlv(0x30, derTlv(0xa1, subtree(gn.dns('a.com'))), derTlv(0xa0, subtree(gn.dns('b.com'))))],
    ['trailing data', Buffer.concat([ncDer({ permitted: [gn.dns('example.com')] }), Buffer.from([0])])],
    ['a wildcard dNSName constraint', ncDer({ permitted: [gn.dns('*.example.com')] })],
    ['a dNSName constraint with an empty label', ncDer({ excluded: [gn.dns('example..com')] })],
    ['a dNSName constraint with a trailing dot', ncDer({ excluded: [gn.dns('example.com.')] })],
    ['a non-IA5 dNSName constraint', ncDer({ excluded: [gn.dns('exämple.com')] })],
    ['an rfc822Name constraint with an empty local part', ncDer({ excluded: [gn.email('@example.com')] })],
    ['an unknown GeneralName tag', ncDer({ permitted: [derTlv(0x89, Buffer.from('x'))] })],
    ['a primitive directoryName', ncDer({ permitted: [derTlv(0x84, Buffer.from('x'))] })],
    ['a directoryName with an empty RDN', ncDer({ permitted: [derTlv(0xa4, derTlv(0x30, derTlv(0x31)))] })],
    ['a GeneralSubtree that is not a SEQUENCE', derTlv(0x30, derTlv(0xa0, derTlv(0x31, gn.dns('example.com'))))],
    ['BER indefinite length', Buffer.from('3080a0800000', 'hex')],
  ];
  for (const [what, der] of malformed) {
    it(`rejects ${what}`, () => {
      assert.throws(() => parseNameConstraints(der), DerError);
    });
  }
});

describe('subjectNamesOf', () => {
  it('collects DNS, IP, email and unsupported forms from a real leaf', async () => {
    const ca = await createCa({ subject: 'CN=Names CA' });
    const leaf = await createLeaf({
      subject: 'CN=host.example.com, E=subject@example.com, O=Org',
      issuer: ca,
      subjectAltNames: [
        { type: 'dns', value: 'a.example.com' },
        { type: 'dns', value: 'B.example.com' },
        { type: 'ip', value: '192.168.1.10' },
        { type: 'ip', value: '2001:db8::1' },
        { type: 'email', value: 'user@example.com' },
        { type: 'upn', value: 'user@contoso.com' },
        { type: 'upn', value: 'other@contoso.com' },
        { type: 'url', value: 'https://example.com/x' },
      ],
    });
    const names = namesOf(leaf);
    assert.deepEqual(names.dns, ['a.example.com', 'B.example.com']);
    assert.deepEqual(names.ips, [Buffer.from([192, 168, 1, 10]), ipBytes('2001:db8::1')]);
    assert.deepEqual(names.emails, ['user@example.com'], 'the SAN rfc822Name wins over the subject emailAddress');
    assert.deepEqual(names.otherForms, ['otherName']);
    assert.deepEqual(names.uris, ['https://example.com/x']);
    assert.deepEqual(names.commonNames, ['host.example.com']);
    assert.deepEqual(names.directoryNames, []);
    assert.deepEqual(names.subject, partsOf(leaf).subject);
  });

  it('takes the subject emailAddress attributes when the SAN has no rfc822Name', async () => {
    const ca = await createCa({ subject: 'CN=Names CA' });
    const noSan = await createLeaf({ subject: 'CN=User, E=one@example.com, E=two@example.org', issuer: ca });
    assert.deepEqual(namesOf(noSan).emails, ['one@example.com', 'two@example.org']);
    const dnsOnly = await createLeaf({ subject: 'CN=User, E=one@example.com', issuer: ca, subjectAltNames: san('dns', 'a.example.com') });
    assert.deepEqual(namesOf(dnsOnly).emails, ['one@example.com']);
  });

  it('collects SAN directoryNames and reports x400/edi/registeredID forms', () => {
    const dn = nameDer('C=US, O=Contoso, CN=Someone');
    const names = subjectNamesOf(nameDer('CN=x'), derTlv(0x30, gn.directoryName(dn), gn.registeredID(), derTlv(0xa3, derTlv(0x30)), derTlv(0xa5, derTlv(0x30))));
    assert.deepEqual(names.directoryNames, [dn]);
    assert.deepEqual(names.otherForms, ['registeredID', 'x400Address', 'ediPartyName']);
  });

  it('accepts an empty subject', () => {
    const names = subjectNamesOf(derTlv(0x30), derTlv(0x30, gn.dns('a.example.com')));
    assert.deepEqual(names.commonNames, []);
    assert.deepEqual(names.dns, ['a.example.com']);
  });

  it('rejects malformed names', () => {
    const subject = nameDer('CN=x');
    assert.throws(() => subjectNamesOf(subject, derTlv(0x30)), DerError, 'empty SAN');
    assert.throws(() => subjectNamesOf(subject, derTlv(0x30, gn.ipRaw(Buffer.alloc(5)))), DerError, '5-octet IP');
    assert.throws(() => subjectNamesOf(subject, derTlv(0x30, gn.ipRaw(Buffer.alloc(8)))), DerError, '8-octet IP');
    assert.throws(() => subjectNamesOf(subject, derTlv(0x30, derTlv(0x89, Buffer.from('x')))), DerError, 'unknown tag');
    assert.throws(() => subjectNamesOf(subject, Buffer.concat([derTlv(0x30, gn.dns('a')), Buffer.from([0])])), DerError, 'trailing data');
    assert.throws(() => subjectNamesOf(derTlv(0x30, derTlv(0x31)), undefined), DerError, 'empty RDN');
    assert.throws(() => subjectNamesOf(derTlv(0x31), undefined), DerError, 'subject not a SEQUENCE');
  });
});

describe('matchers', () => {
  it('dnsNameMatches: host covers itself and subdomains, .host only subdomains, case-insensitive', () => {
    assert.ok(dnsNameMatches('example.com', 'example.com'));
    assert.ok(dnsNameMatches('a.example.com', 'example.com'));
    assert.ok(dnsNameMatches('x.y.example.com', 'example.com'));
    assert.ok(dnsNameMatches('A.EXAMPLE.com', 'Example.COM'));
    assert.ok(!dnsNameMatches('badexample.com', 'example.com'));
    assert.ok(!dnsNameMatches('example.com.evil', 'example.com'));
    assert.ok(!dnsNameMatches('com', 'example.com'));
    assert.ok(dnsNameMatches('a.example.com', '.example.com'));
    assert.ok(!dnsNameMatches('example.com', '.example.com'));
    assert.ok(!dnsNameMatches('badexample.com', '.example.com'));
    assert.ok(dnsNameMatches('anything.test', ''));
    assert.ok(dnsNameMatches('*.example.com', 'example.com'));
    assert.ok(!dnsNameMatches('*.example.com', 'a.example.com'));
    // No Unicode case folding: U+212A KELVIN SIGN is not 'k'.
    assert.ok(!dnsNameMatches('\u212a.example.com', 'k.example.com'));
  });

  it('dnsNameMayMatch: a wildcard may cover a host one label below its base', () => {
    assert.ok(dnsNameMayMatch('*.example.com', 'a.example.com'));
    assert.ok(dnsNameMayMatch('*.example.com', 'A.Example.com'));
    assert.ok(!dnsNameMayMatch('*.example.com', 'b.a.example.com'));
    assert.ok(!dnsNameMayMatch('*.example.com', '.a.example.com'));
    assert.ok(!dnsNameMayMatch('*.example.com', 'a.example.org'));
    assert.ok(!dnsNameMayMatch('a.example.com', 'b.example.com'));
  });

  it('emailMatches: mailbox exactly, host, .host', () => {
    assert.ok(emailMatches('a@example.com', 'a@example.com'));
    assert.ok(emailMatches('a@EXAMPLE.com', 'a@example.COM'), 'domain case-insensitive');
    assert.ok(!emailMatches('A@example.com', 'a@example.com'), 'local part case-sensitive');
    assert.ok(!emailMatches('b@example.com', 'a@example.com'));
    assert.ok(!emailMatches('a@sub.example.com', 'a@example.com'));
    assert.ok(emailMatches('anyone@example.com', 'example.com'));
    assert.ok(emailMatches('anyone@Example.Com', 'example.com'));
    assert.ok(!emailMatches('anyone@sub.example.com', 'example.com'), 'a host does not cover subdomains');
    assert.ok(!emailMatches('anyone@badexample.com', 'example.com'));
    assert.ok(emailMatches('anyone@sub.example.com', '.example.com'));
    assert.ok(emailMatches('anyone@x.sub.example.com', '.example.com'));
    assert.ok(!emailMatches('anyone@example.com', '.example.com'));
    assert.ok(!emailMatches('anyone@badexample.com', '.example.com'));
    assert.ok(emailMatches('anyone@anywhere.test', ''));
    assert.ok(!emailMatches('not-an-address', ''));
    assert.ok(!emailMatches('@example.com', 'example.com'));
  });

  it('ipMatches: same family and (addr & mask) == (base & mask)', () => {
    const v4 = { address: Buffer.from([10, 1, 0, 0]), mask: Buffer.from([255, 255, 0, 0]) };
    assert.ok(ipMatches(Buffer.from([10, 1, 2, 3]), v4));
    assert.ok(ipMatches(Buffer.from([10, 1, 255, 255]), v4));
    assert.ok(!ipMatches(Buffer.from([10, 2, 0, 1]), v4));
    assert.ok(!ipMatches(ipBytes('::ffff:10.1.2.3'), v4), 'IPv6 never matches an IPv4 subtree');
    const v6 = { address: ipBytes('2001:db8::'), mask: maskBytes(16, 32) };
    assert.ok(ipMatches(ipBytes('2001:db8:1::5'), v6));
    assert.ok(!ipMatches(ipBytes('2001:db9::5'), v6));
    assert.ok(!ipMatches(Buffer.from([32, 1, 13, 184]), v6), 'IPv4 never matches an IPv6 subtree');
    assert.ok(ipMatches(Buffer.from([1, 2, 3, 4]), { address: Buffer.alloc(4), mask: Buffer.alloc(4) }), '0.0.0.0/0 covers all IPv4');
    assert.ok(ipMatches(Buffer.from([10, 1, 2, 3]), { address: Buffer.from([10, 1, 2, 3]), mask: Buffer.from([255, 255, 255, 255]) }));
  });

  it('directoryNameMatches: RDN prefix, RDN by RDN', () => {
    const full = rdnsOfName(nameDer('C=US, O=Contoso, OU=Sales, CN=User'));
    assert.ok(directoryNameMatches(full, rdnsOfName(nameDer('C=US, O=Contoso'))));
    assert.ok(directoryNameMatches(full, rdnsOfName(nameDer('C=US, O=Contoso, OU=Sales, CN=User'))));
    assert.ok(directoryNameMatches(full, []), 'an empty constraint covers every name');
    assert.ok(!directoryNameMatches(full, rdnsOfName(nameDer('O=Contoso'))), 'a prefix, not a subsequence');
    assert.ok(!directoryNameMatches(full, rdnsOfName(nameDer('C=US, O=Fabrikam'))));
    assert.ok(!directoryNameMatches(rdnsOfName(nameDer('C=US')), rdnsOfName(nameDer('C=US, O=Contoso'))));
    assert.ok(directoryNameMatches(full, rdnsOfName(nameDer('C=US, O=contoso'))), 'RFC 5280 §7.1: case does not matter');
  });

  it('directoryNameMatches: ignores string type, case and insignificant spaces (RFC 5280 §7.1), for permitted and excluded alike', () => {
    const rdn = (tag: number, text: string) => countryAndOrganization(tag, text);
    const printable = rdnsOfName(rdn(0x13, 'Contoso  Ltd'));
    const utf8 = rdnsOfName(rdn(0x0c, ' contoso ltd '));
    assert.ok(directoryNameMatches(utf8, printable));
    assert.ok(!directoryNameMatches(rdnsOfName(rdn(0x0c, 'Fabrikam')), printable));
    const names = subjectNamesOf(rdn(0x0c, ' contoso ltd '), undefined);
    const permitted = parseNameConstraints(derTlv(0x30, derTlv(0xa0, derTlv(0x30, gn.directoryName(rdn(0x13, 'Contoso  Ltd'))))));
    const excluded = parseNameConstraints(derTlv(0x30, derTlv(0xa1, derTlv(0x30, gn.directoryName(rdn(0x13, 'CONTOSO LTD'))))));
    assertOk(checkNameConstraints(permitted, names, { isLeaf: true }, { remaining: 100 }));
    assertFails(checkNameConstraints(excluded, names, { isLeaf: true }, { remaining: 100 }), 'name_constraint_violation');
  });
});

describe('checkNameConstraints: dNSName', () => {
  it('permits the host itself and its subdomains', async () => {
    assertOk(await verdictOf({ permitted: [gn.dns('example.com')], san: san('dns', 'example.com', 'a.example.com', 'X.Y.EXAMPLE.COM') }));
  });

  it('rejects a name outside every permitted subtree (badexample.com)', async () => {
    assertFails(await verdictOf({ permitted: [gn.dns('example.com')], san: san('dns', 'badexample.com') }), 'name_constraint_violation', /badexample\.com.*not within any permitted/);
  });

  it('requires every DNS name to be permitted', async () => {
    assertFails(await verdictOf({ permitted: [gn.dns('example.com')], san: san('dns', 'a.example.com', 'a.example.org') }), 'name_constraint_violation', /a\.example\.org/);
  });

  it('accepts a name under any of several permitted subtrees', async () => {
    assertOk(await verdictOf({ permitted: [gn.dns('example.com'), gn.dns('example.org')], san: san('dns', 'a.example.com', 'a.example.org') }));
  });

  it('refuses a dNSName constraint with a leading period as malformed (RFC 5280 allows it only for URIs and email)', async () => {
    await assert.rejects(verdictOf({ permitted: [gn.dns('.example.com')], san: san('dns', 'a.example.com') }), /dNSName constraint ".example.com" is not a host name/);
  });

  it('excluded takes precedence over permitted', async () => {
    const constraints = { permitted: [gn.dns('example.com')], excluded: [gn.dns('bad.example.com')] };
    assertOk(await verdictOf({ ...constraints, san: san('dns', 'good.example.com') }));
    assertFails(await verdictOf({ ...constraints, san: san('dns', 'x.BAD.example.com') }), 'name_constraint_violation', /excluded/);
    assertFails(await verdictOf({ ...constraints, san: san('dns', 'bad.example.com') }), 'name_constraint_violation', /excluded/);
  });

  it('an empty excluded constraint excludes every DNS name, an empty permitted one permits every one', async () => {
    assertFails(await verdictOf({ excluded: [gn.dns('')], san: san('dns', 'anything.test') }), 'name_constraint_violation');
    assertOk(await verdictOf({ permitted: [gn.dns('')], san: san('dns', 'anything.test') }));
  });

  it('a wildcard name is excluded when it may cover an excluded host', async () => {
    assertFails(await verdictOf({ excluded: [gn.dns('secret.example.com')], san: san('dns', '*.example.com') }), 'name_constraint_violation', /excluded/);
    assertOk(await verdictOf({ permitted: [gn.dns('example.com')], san: san('dns', '*.example.com') }));
    assertFails(await verdictOf({ permitted: [gn.dns('a.example.com')], san: san('dns', '*.example.com') }), 'name_constraint_violation');
  });

  it('fails closed on a DNS name it cannot parse, only when DNS constraints exist', async () => {
    assertFails(await verdictOf({ excluded: [gn.dns('evil.com')], rawSan: [gn.dns('a.evil.com.')] }), 'name_constraint_violation', /not a valid host name/);
    assertFails(await verdictOf({ excluded: [gn.dns('evil.com')], rawSan: [gn.dns('')] }), 'name_constraint_violation');
    assertOk(await verdictOf({ excluded: [gn.email('evil.com')], rawSan: [gn.dns('a.evil.com.')] }));
  });

  it('ignores DNS constraints for a certificate without DNS names', async () => {
    assertOk(await verdictOf({ permitted: [gn.dns('example.com')], san: san('upn', 'user@contoso.com') }));
    assertOk(await verdictOf({ permitted: [gn.dns('example.com')] }));
  });
});

describe('checkNameConstraints: rfc822Name', () => {
  it('a mailbox constraint matches exactly (local part case-sensitive, domain not)', async () => {
    assertOk(await verdictOf({ permitted: [gn.email('alice@example.com')], san: san('email', 'alice@EXAMPLE.COM') }));
    assertFails(await verdictOf({ permitted: [gn.email('alice@example.com')], san: san('email', 'Alice@example.com') }), 'name_constraint_violation');
    assertFails(await verdictOf({ permitted: [gn.email('alice@example.com')], san: san('email', 'bob@example.com') }), 'name_constraint_violation');
  });

  it('a host constraint matches addresses at that host only', async () => {
    assertOk(await verdictOf({ permitted: [gn.email('example.com')], san: san('email', 'a@example.com', 'b@Example.com') }));
    assertFails(await verdictOf({ permitted: [gn.email('example.com')], san: san('email', 'a@sub.example.com') }), 'name_constraint_violation');
  });

  it('a .host constraint matches addresses in subdomains', async () => {
    assertOk(await verdictOf({ permitted: [gn.email('.example.com')], san: san('email', 'a@sub.example.com') }));
    assertFails(await verdictOf({ permitted: [gn.email('.example.com')], san: san('email', 'a@example.com') }), 'name_constraint_violation');
  });

  it('excluded takes precedence', async () => {
    const constraints = { permitted: [gn.email('example.com')], excluded: [gn.email('mallory@example.com')] };
    assertOk(await verdictOf({ ...constraints, san: san('email', 'alice@example.com') }));
    assertFails(await verdictOf({ ...constraints, san: san('email', 'mallory@example.com') }), 'name_constraint_violation', /excluded/);
  });

  it('applies to the subject emailAddress when the SAN has no rfc822Name', async () => {
    assertFails(await verdictOf({ permitted: [gn.email('example.com')], subject: 'CN=User, E=user@evil.test' }), 'name_constraint_violation', /evil\.test/);
    assertOk(await verdictOf({ permitted: [gn.email('example.com')], subject: 'CN=User, E=user@example.com' }));
    assertFails(
      await verdictOf({ permitted: [gn.email('example.com')], subject: 'CN=User, E=user@evil.test', san: san('upn', 'user@contoso.com') }),
      'name_constraint_violation',
    );
  });

  it('does not check the subject emailAddress when the SAN has an rfc822Name', async () => {
    assertOk(await verdictOf({ permitted: [gn.email('example.com')], subject: 'CN=User, E=user@evil.test', san: san('email', 'user@example.com') }));
  });

  it('fails closed on an address it cannot parse', async () => {
    assertFails(await verdictOf({ excluded: [gn.email('evil.com')], rawSan: [gn.email('no-at-sign')] }), 'name_constraint_violation', /not a mailbox/);
  });
});

describe('checkNameConstraints: iPAddress', () => {
  it('IPv4 inside and outside a permitted subnet', async () => {
    assertOk(await verdictOf({ permitted: [gn.ip('192.168.0.0/16')], san: san('ip', '192.168.4.5') }));
    assertFails(await verdictOf({ permitted: [gn.ip('192.168.0.0/16')], san: san('ip', '192.169.4.5') }), 'name_constraint_violation', /192\.169\.4\.5/);
  });

  it('IPv6 inside and outside a permitted subnet', async () => {
    assertOk(await verdictOf({ permitted: [gn.ip('2001:db8::/32')], san: san('ip', '2001:db8:aa::1') }));
    assertFails(await verdictOf({ permitted: [gn.ip('2001:db8::/32')], san: san('ip', '2001:db9::1') }), 'name_constraint_violation');
  });

  it('an address of the other family is not permitted by a subtree of one family', async () => {
    assertFails(await verdictOf({ permitted: [gn.ip('10.0.0.0/8')], san: san('ip', '2001:db8::1') }), 'name_constraint_violation');
    assertOk(await verdictOf({ permitted: [gn.ip('10.0.0.0/8'), gn.ip('2001:db8::/32')], san: san('ip', '2001:db8::1', '10.9.8.7') }));
  });

  it('excluded takes precedence, and covers IPv4-mapped IPv6 addresses', async () => {
    const constraints = { permitted: [gn.ip('10.0.0.0/8')], excluded: [gn.ip('10.66.0.0/16')] };
    assertOk(await verdictOf({ ...constraints, san: san('ip', '10.1.1.1') }));
    assertFails(await verdictOf({ ...constraints, san: san('ip', '10.66.1.1') }), 'name_constraint_violation', /excluded/);
    assertFails(await verdictOf({ excluded: [gn.ip('10.66.0.0/16')], rawSan: [gn.ipRaw(ipBytes('::ffff:a42:101'))] }), 'name_constraint_violation', /excluded/);
  });
});

describe('checkNameConstraints: directoryName', () => {
  it('permits a subject under the constraint and rejects one outside', async () => {
    assertOk(await verdictOf({ permitted: [gn.directoryName('C=US, O=Contoso')], subject: 'C=US, O=Contoso, CN=User' }));
    assertFails(await verdictOf({ permitted: [gn.directoryName('C=US, O=Contoso')], subject: 'C=US, O=Fabrikam, CN=User' }), 'name_constraint_violation', /directoryName/);
    assertFails(await verdictOf({ permitted: [gn.directoryName('C=US, O=Contoso')], subject: 'O=Contoso, C=US, CN=User' }), 'name_constraint_violation');
  });

  it('excluded takes precedence, also across string types and case', async () => {
    assertFails(await verdictOf({ permitted: [gn.directoryName('C=US')], excluded: [gn.directoryName('C=US, O=Evil')], subject: 'C=US, O=Evil, CN=User' }), 'name_constraint_violation', /excluded/);
    const utf8Evil = countryAndOrganization(0x0c, 'EVIL');
    assertFails(await verdictOf({ excluded: [gn.directoryName(utf8Evil)], subject: 'C=US, O=Evil, CN=User' }), 'name_constraint_violation', /excluded/);
  });

  it('exempts an empty subject', async () => {
    const names = subjectNamesOf(derTlv(0x30), derTlv(0x30, gn.dns('a.example.com')));
    const nc = parseNameConstraints(ncDer({ permitted: [gn.directoryName('C=US, O=Contoso')] }));
    assertOk(checkNameConstraints(nc, names, { isLeaf: true }, { remaining: 100 }));
  });

  it('checks SAN directoryNames too', async () => {
    const permitted = [gn.directoryName('C=US, O=Contoso')];
    assertOk(await verdictOf({ permitted, subject: 'C=US, O=Contoso, CN=User', rawSan: [gn.directoryName('C=US, O=Contoso, CN=Alias')] }));
    assertFails(await verdictOf({ permitted, subject: 'C=US, O=Contoso, CN=User', rawSan: [gn.directoryName('C=US, O=Other, CN=Alias')] }), 'name_constraint_violation');
  });
});

describe('checkNameConstraints: uniformResourceIdentifier (the host of the URI, RFC 5280 §4.2.1.10)', () => {
  it('.domain permits hosts under the domain, not the domain itself', async () => {
    assertOk(await verdictOf({ permitted: [gn.uri('.example.com')], san: san('url', 'https://a.example.com/x', 'ldap://user@B.Example.COM:389/cn=x') }));
    assertFails(await verdictOf({ permitted: [gn.uri('.example.com')], san: san('url', 'https://example.com/') }), 'name_constraint_violation', /not within any permitted uniformResourceIdentifier/);
    assertFails(await verdictOf({ permitted: [gn.uri('.example.com')], san: san('url', 'https://badexample.com/') }), 'name_constraint_violation');
  });

  it('a host constraint matches that host only (an excluded host does not exclude its subdomains)', async () => {
    assertOk(await verdictOf({ permitted: [gn.uri('example.com')], san: san('url', 'http://EXAMPLE.com:8080/') }));
    assertFails(await verdictOf({ permitted: [gn.uri('example.com')], san: san('url', 'http://a.example.com/') }), 'name_constraint_violation');
    assertFails(await verdictOf({ excluded: [gn.uri('evil.com')], san: san('url', 'ftp://evil.com:21/x') }), 'name_constraint_violation', /excluded subtree "evil.com"/);
    assertOk(await verdictOf({ excluded: [gn.uri('evil.com')], san: san('url', 'https://www.evil.com/') }));
  });

  it('a URI without a host name (urn:, an IP address) cannot satisfy URI constraints', async () => {
    assertFails(await verdictOf({ permitted: [gn.uri('.example.com')], san: san('url', 'urn:uuid:1234') }), 'name_constraint_violation', /has no host name/);
    assertFails(await verdictOf({ excluded: [gn.uri('evil.com')], san: san('url', 'https://10.0.0.1/') }), 'name_constraint_violation', /has no host name/);
    assertFails(await verdictOf({ excluded: [gn.uri('evil.com')], san: san('url', 'https://[::1]/') }), 'name_constraint_violation');
  });

  it('a malformed URI constraint makes the CA malformed', () => {
    assert.throws(() => parseNameConstraints(derTlv(0x30, derTlv(0xa0, derTlv(0x30, gn.uri('http://example.com/'))))), /not a host or \.domain/);
  });
});

describe('checkNameConstraints: forms that are not supported', () => {
  it('an otherName constraint fails closed for a certificate with a UPN', async () => {
    assertFails(await verdictOf({ excluded: [gn.upn('x@contoso.com')], san: san('upn', 'user@contoso.com') }), 'unsupported_name_constraint', /otherName/);
  });

  it('is fine when the certificate has no name of that form', async () => {
    assertOk(await verdictOf({ permitted: [gn.uri('.example.com'), gn.upn('x@y')], san: san('dns', 'a.example.com') }));
  });

  it('names of unsupported forms are fine when no constraint of that form exists', async () => {
    assertOk(await verdictOf({ permitted: [gn.dns('example.com')], san: [...san('dns', 'a.example.com'), ...san('url', 'https://anything.test/'), ...san('upn', 'u@contoso.com')] }));
  });

  it('wins over a violation elsewhere (fail closed first)', async () => {
    assertFails(await verdictOf({ permitted: [gn.dns('example.com'), gn.upn('x@y')], san: [...san('dns', 'evil.test'), ...san('upn', 'u@contoso.com')] }), 'unsupported_name_constraint');
  });
});

describe('checkNameConstraints: commonName as dNSName', () => {
  const permitted = [gn.dns('example.com')];

  it('is off by default', async () => {
    assertOk(await verdictOf({ permitted, subject: 'CN=evil.test' }));
  });

  it('checks a host-like CN when the SAN has no dNSName', async () => {
    assertFails(await verdictOf({ permitted, subject: 'CN=evil.test', checkCommonNameAsDns: true }), 'name_constraint_violation', /evil\.test/);
    assertOk(await verdictOf({ permitted, subject: 'CN=www.example.com', checkCommonNameAsDns: true }));
    assertFails(await verdictOf({ permitted, subject: 'CN=evil.test', san: san('email', 'a@b.test'), checkCommonNameAsDns: true }), 'name_constraint_violation');
    assertFails(await verdictOf({ excluded: [gn.dns('evil.test')], subject: 'CN=*.evil.test', checkCommonNameAsDns: true }), 'name_constraint_violation');
  });

  it('ignores the CN when the SAN has a dNSName', async () => {
    assertOk(await verdictOf({ permitted, subject: 'CN=evil.test', san: san('dns', 'a.example.com'), checkCommonNameAsDns: true }));
  });

  it('ignores a CN that does not look like a host name', async () => {
    assertOk(await verdictOf({ permitted, subject: 'CN=Test User', checkCommonNameAsDns: true }));
  });

  it('applies to the leaf only', async () => {
    assertOk(await verdictOf({ permitted, subject: 'CN=evil.test', checkCommonNameAsDns: true, isLeaf: false }));
  });
});

describe('checkNameConstraints: budget', () => {
  it('charges one per name/subtree comparison and shares the budget across calls', () => {
    const nc = parseNameConstraints(ncDer({ permitted: [gn.dns('a.test'), gn.dns('b.test'), gn.dns('c.test')], excluded: [gn.dns('x.test')] }));
    const names = subjectNamesOf(nameDer('CN=x'), derTlv(0x30, gn.dns('c.test'), gn.dns('a.test')));
    // c.test: 1 excluded + 3 permitted; a.test: 1 excluded + 1 permitted.
    const budget: Budget = { remaining: 6 };
    assertOk(checkNameConstraints(nc, names, { isLeaf: true }, budget));
    assert.equal(budget.remaining, 0);
    assertFails(checkNameConstraints(nc, names, { isLeaf: true }, budget), 'name_constraint_budget');
    assertFails(checkNameConstraints(nc, names, { isLeaf: true }, { remaining: 5 }), 'name_constraint_budget');
  });

  it('costs nothing without constraints of the names’ forms', () => {
    const nc = parseNameConstraints(ncDer({ permitted: [gn.email('example.com')] }));
    const names = subjectNamesOf(nameDer('CN=x'), derTlv(0x30, gn.dns('c.test')));
    const budget: Budget = { remaining: 0 };
    assertOk(checkNameConstraints(nc, names, { isLeaf: true }, budget));
  });

  it('stops an explosion (1024 subtrees × 1024 names) quickly with name_constraint_budget', async () => {
    const subtrees = Array.from({ length: 1024 }, (_, i) => gn.dns(`permitted${i}.example.com`));
    const ca = await createCa({ subject: 'CN=Explosion CA', extraExtensions: [ncExtension({ permitted: subtrees })] });
    // Every name is within the last subtree only, so a full run would cost 1024 × 1024 comparisons.
    const leaf = await createLeaf({
      subject: 'CN=Explosion Leaf',
      issuer: ca,
      subjectAltNames: Array.from({ length: 1024 }, (_, i) => ({ type: 'dns' as const, value: `name${i}.permitted1023.example.com` })),
    });
    const nc = constraintsOf(ca);
    const names = namesOf(leaf);
    assert.equal(nc.permitted.length, 1024);
    assert.equal(names.dns.length, 1024);
    const budget: Budget = { remaining: 10_000 };
    const started = performance.now();
    const verdict = checkNameConstraints(nc, names, { isLeaf: true }, budget);
    const elapsed = performance.now() - started;
    assertFails(verdict, 'name_constraint_budget');
    assert.equal(budget.remaining, 0);
    assert.ok(elapsed < 2_000, `took ${elapsed.toFixed(1)} ms`);
    // The same with enough budget passes.
    assertOk(checkNameConstraints(nc, names, { isLeaf: true }, { remaining: 1024 * 1024 }));
  });

  it('excluded subtrees are charged as well', () => {
    const excluded = Array.from({ length: 1024 }, (_, i) => gn.dns(`excluded${i}.example.com`));
    const nc = parseNameConstraints(ncDer({ excluded }));
    const names = subjectNamesOf(nameDer('CN=x'), derTlv(0x30, ...Array.from({ length: 1024 }, (_, i) => gn.dns(`n${i}.example.org`))));
    const budget: Budget = { remaining: 10_000 };
    assertFails(checkNameConstraints(nc, names, { isLeaf: true }, budget), 'name_constraint_budget');
  });
});
