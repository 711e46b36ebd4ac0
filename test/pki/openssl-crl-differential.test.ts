// Differential test of revocation against OpenSSL on PKIs shaped like Active Directory Certificate
// Services writes them: a root and an issuing CA whose certificates carry one distribution point with
// an LDAP and an HTTP name, CRLs with a critical issuingDistributionPoint naming those URLs ("Include in
// the IDP extension of issued CRLs"), Next CRL Publish and CA Version, delta CRLs, and after a CA key
// renewal one CRL per key (the renewed key's URL ending in "(1)"). Each case is judged by verifyOffline
// (--revocation require) and by `openssl verify -crl_check_all -extended_crl -use_deltas`; they must
// agree, or the case names why we are the stricter side. We are never the laxer one.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCertificate } from '../../src/pki/certificate.ts';
import { indexCrl } from '../../src/pki/crl.ts';
import { verifyOffline } from '../../src/pki/offline-verify.ts';
import type { PathVerdict } from '../../src/pki/verdict.ts';
import { OPENSSL, opensslVerify } from '../helpers/openssl-verify.ts';
import { createCa, createCrl, type CrlOptions, createLeaf, derInteger, derTlv, type TestCert, type TestCrl, x509 } from '../helpers/certs.ts';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const AT_SECONDS = Math.floor(Date.now() / 1000);
const AT = new Date(AT_SECONDS * 1000);
const DAY = 86_400_000;

const OID_CDP = '2.5.29.31';
const OID_IDP = '2.5.29.28';
const OID_FRESHEST_CRL = '2.5.29.46';
const OID_MS_CA_VERSION = '1.3.6.1.4.1.311.21.1';
const OID_MS_NEXT_CRL_PUBLISH = '1.3.6.1.4.1.311.21.4';

let counter = 0;

/** The two names AD CS writes for a CRL: its LDAP location in the directory and its HTTP URL. */
function crlNames(caName: string, suffix: string): Buffer[] {
  const ldap = `ldap:///CN=${caName}${suffix},CN=ca-host,CN=CDP,CN=Public Key Services,CN=Services,CN=Configuration,DC=contoso,DC=test?certificateRevocationList?base?objectClass=cRLDistributionPoint`;
  const http = `http://pki.contoso.test/CertEnroll/${encodeURIComponent(caName)}${encodeURIComponent(suffix)}.crl`;
  return [ldap, http].map((uri) => derTlv(0x86, Buffer.from(uri, 'latin1')));
}

const fullName = (names: Buffer[]) => derTlv(0xa0, derTlv(0xa0, ...names));
const cdp = (names: Buffer[]) => new x509.Extension(OID_CDP, false, derTlv(0x30, derTlv(0x30, fullName(names))));
const idp = (names: Buffer[]) => new x509.Extension(OID_IDP, true, derTlv(0x30, fullName(names)));
const caVersion = (renewals: number) => new x509.Extension(OID_MS_CA_VERSION, false, derInteger(renewals * 0x10001));
function utcTime(date: Date): Buffer {
  const two = (n: number) => String(n).padStart(2, '0');
  const text = `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return derTlv(0x17, Buffer.from(text, 'latin1'));
}
const nextCrlPublish = () => new x509.Extension(OID_MS_NEXT_CRL_PUBLISH, false, utcTime(new Date(Date.now() + 3 * DAY)));

interface AdcsPki {
  root: TestCert;
  /** The issuing CA's certificate for its first key, and (after a renewal with a new key) for its second. */
  issuing: TestCert[];
  rootCrl: TestCrl;
  /** A leaf under each issuing key. */
  leaves: TestCert[];
  caName: string;
}

/** Root → issuing CA (one key, or two after a renewal) → a client-auth user certificate per key. */
async function adcsPki(renewed: boolean): Promise<AdcsPki> {
  const id = ++counter;
  const rootName = `Contoso Root CA ${id}`;
  const caName = `Contoso Issuing CA ${id}`;
  const root = await createCa({ subject: `CN=${rootName}, DC=contoso, DC=test`, key: 'rsa2048', extraExtensions: [caVersion(0)] });
  const rootCdp = cdp(crlNames(rootName, ''));
  const issuing: TestCert[] = [];
  for (let key = 0; key < (renewed ? 2 : 1); key++) {
    issuing.push(
      await createCa({ subject: `CN=${caName}, DC=contoso, DC=test`, issuer: root, key: 'rsa2048', freshKey: key > 0, crlDistributionPoints: [], extraExtensions: [rootCdp, caVersion(key)] }),
    );
  }
  const leaves: TestCert[] = [];
  for (const [key, ca] of issuing.entries()) {
    leaves.push(
      await createLeaf({
        subject: `CN=User ${id}-${key}, DC=contoso, DC=test`,
        issuer: ca,
        key: 'p256',
        extendedKeyUsage: [CLIENT_AUTH],
        extraExtensions: [cdp(crlNames(caName, key === 0 ? '' : `(${key})`))],
      }),
    );
  }
  // No IDP on the root's CRL: openssl -crl_check_all checks the root itself against it too, and the root
  // names no distribution point, so an IDP would put it out of scope for OpenSSL.
  const rootCrl = await createCrl({ issuer: root, extraExtensions: [nextCrlPublish()] });
  return { root, issuing, rootCrl, leaves, caName };
}

/** A CRL of the issuing CA's key `key`, with AD CS's critical IDP naming that key's URLs. */
function issuingCrl(pki: AdcsPki, key: number, options: Partial<CrlOptions> = {}): Promise<TestCrl> {
  const names = crlNames(pki.caName, key === 0 ? '' : `(${key})`);
  const extensions = [idp(names), nextCrlPublish(), caVersion(key)];
  if (options.deltaBaseCrlNumber === undefined) extensions.push(new x509.Extension(OID_FRESHEST_CRL, false, derTlv(0x30, derTlv(0x30, fullName(crlNames(pki.caName, `${key === 0 ? '' : `(${key})`}+`))))));
  return createCrl({ issuer: pki.issuing[key] as TestCert, ...options, extraExtensions: [...extensions, ...(options.extraExtensions ?? [])] });
}

interface Material {
  root: TestCert;
  intermediates: TestCert[];
  leaf: TestCert;
  crls: TestCrl[];
}

interface Case {
  readonly name: string;
  readonly build: () => Promise<Material>;
  /** Our reason code, or null for trusted. */
  readonly ours: string | null;
  readonly openssl: boolean;
  /** Required when we reject what OpenSSL accepts. */
  readonly whyWeDiffer?: string;
}

const revoke = (cert: TestCert, reason = 1) => ({ serialNumber: cert.serialNumber, reason });

const CASES: readonly Case[] = [
  {
    name: 'good user certificate, CRLs with a critical IDP naming the CDP URLs',
    build: async () => {
      const pki = await adcsPki(false);
      return { root: pki.root, intermediates: pki.issuing, leaf: pki.leaves[0] as TestCert, crls: [pki.rootCrl, await issuingCrl(pki, 0)] };
    },
    ours: null,
    openssl: true,
  },
  {
    name: 'revoked user certificate',
    build: async () => {
      const pki = await adcsPki(false);
      const leaf = pki.leaves[0] as TestCert;
      return { root: pki.root, intermediates: pki.issuing, leaf, crls: [pki.rootCrl, await issuingCrl(pki, 0, { revoked: [revoke(leaf)] })] };
    },
    ours: 'revoked',
    openssl: false,
  },
  {
    name: 'revoked issuing CA (on the root CRL)',
    build: async () => {
      const pki = await adcsPki(false);
      const rootCrl = await createCrl({ issuer: pki.root, revoked: [revoke(pki.issuing[0] as TestCert, 2)] });
      return { root: pki.root, intermediates: pki.issuing, leaf: pki.leaves[0] as TestCert, crls: [rootCrl, await issuingCrl(pki, 0)] };
    },
    ours: 'revoked',
    openssl: false,
  },
  {
    name: 'the CRL names another distribution point than the certificate (IDP mismatch)',
    build: async () => {
      const pki = await adcsPki(false);
      const other = await createCrl({ issuer: pki.issuing[0] as TestCert, extraExtensions: [idp(crlNames(pki.caName, '-partition2'))] });
      return { root: pki.root, intermediates: pki.issuing, leaf: pki.leaves[0] as TestCert, crls: [pki.rootCrl, other] };
    },
    ours: 'crl_unavailable',
    openssl: false,
  },
  {
    name: 'base and delta CRL, the user revoked in the delta only',
    build: async () => {
      const pki = await adcsPki(false);
      const leaf = pki.leaves[0] as TestCert;
      const base = await issuingCrl(pki, 0, { crlNumber: 7 });
      const delta = await issuingCrl(pki, 0, { crlNumber: 8, deltaBaseCrlNumber: 7, revoked: [revoke(leaf)] });
      return { root: pki.root, intermediates: pki.issuing, leaf, crls: [pki.rootCrl, base, delta] };
    },
    ours: 'revoked',
    openssl: false,
  },
  {
    name: 'base and delta CRL, the user on hold in the base, removeFromCRL in the delta',
    build: async () => {
      const pki = await adcsPki(false);
      const leaf = pki.leaves[0] as TestCert;
      const base = await issuingCrl(pki, 0, { crlNumber: 7, revoked: [revoke(leaf, 6)] });
      const delta = await issuingCrl(pki, 0, { crlNumber: 8, deltaBaseCrlNumber: 7, revoked: [revoke(leaf, 8)] });
      return { root: pki.root, intermediates: pki.issuing, leaf, crls: [pki.rootCrl, base, delta] };
    },
    ours: null,
    openssl: true,
  },
  {
    name: 'a delta CRL for a newer base than the one given',
    build: async () => {
      const pki = await adcsPki(false);
      const base = await issuingCrl(pki, 0, { crlNumber: 7 });
      const delta = await issuingCrl(pki, 0, { crlNumber: 9, deltaBaseCrlNumber: 8 });
      return { root: pki.root, intermediates: pki.issuing, leaf: pki.leaves[0] as TestCert, crls: [pki.rootCrl, base, delta] };
    },
    ours: 'crl_invalid',
    openssl: true,
    whyWeDiffer: 'OpenSSL drops a delta CRL that does not fit the base it holds and goes on with the base alone; we refuse: the delta says newer revocation data exists that the base held cannot have',
  },
  {
    name: 'after a key renewal: one CRL per key, user under the old key',
    build: async () => {
      const pki = await adcsPki(true);
      return { root: pki.root, intermediates: pki.issuing, leaf: pki.leaves[0] as TestCert, crls: [pki.rootCrl, await issuingCrl(pki, 0), await issuingCrl(pki, 1)] };
    },
    ours: null,
    openssl: true,
  },
  {
    name: 'after a key renewal: user under the new key revoked on the new key\'s CRL',
    build: async () => {
      const pki = await adcsPki(true);
      const leaf = pki.leaves[1] as TestCert;
      return { root: pki.root, intermediates: pki.issuing, leaf, crls: [pki.rootCrl, await issuingCrl(pki, 0), await issuingCrl(pki, 1, { revoked: [revoke(leaf)] })] };
    },
    ours: 'revoked',
    openssl: false,
  },
  {
    name: 'after a key renewal: user under the old key, only the new key\'s CRL given',
    build: async () => {
      const pki = await adcsPki(true);
      return { root: pki.root, intermediates: pki.issuing, leaf: pki.leaves[0] as TestCert, crls: [pki.rootCrl, await issuingCrl(pki, 1)] };
    },
    ours: 'crl_unavailable',
    openssl: false,
  },
  {
    name: 'certificate under the old key, its CRL (old key\'s URL) signed by the new key, revoking it',
    build: async () => {
      const pki = await adcsPki(true);
      const leaf = pki.leaves[0] as TestCert;
      const crl = await createCrl({ issuer: pki.issuing[1] as TestCert, extraExtensions: [idp(crlNames(pki.caName, ''))], revoked: [revoke(leaf)] });
      return { root: pki.root, intermediates: pki.issuing, leaf, crls: [pki.rootCrl, crl] };
    },
    ours: 'revoked',
    openssl: false,
  },
  {
    name: 'a CRL of the issuing CA\'s name signed by another key that has no path to the root',
    build: async () => {
      const pki = await adcsPki(false);
      const impostor = await createCa({ subject: `CN=${pki.caName}, DC=contoso, DC=test`, key: 'rsa2048', freshKey: true });
      const crl = await createCrl({ issuer: impostor, extraExtensions: [idp(crlNames(pki.caName, ''))] });
      return { root: pki.root, intermediates: [...pki.issuing, impostor], leaf: pki.leaves[0] as TestCert, crls: [pki.rootCrl, crl] };
    },
    ours: 'crl_invalid',
    openssl: false,
  },
  {
    name: 'an expired issuing-CA CRL',
    build: async () => {
      const pki = await adcsPki(false);
      const crl = await issuingCrl(pki, 0, { thisUpdate: new Date(Date.now() - 9 * DAY), nextUpdate: new Date(Date.now() - DAY) });
      return { root: pki.root, intermediates: pki.issuing, leaf: pki.leaves[0] as TestCert, crls: [pki.rootCrl, crl] };
    },
    ours: 'crl_invalid',
    openssl: false,
  },
];

const work = mkdtempSync(path.join(tmpdir(), 'graph-pki-openssl-crl-'));
after(() => rmSync(work, { recursive: true, force: true }));

function runOurs(material: Material): Promise<PathVerdict> {
  return verifyOffline({
    leaf: parseCertificate(material.leaf.der),
    trusted: [parseCertificate(material.root.der)],
    intermediates: material.intermediates.map((c) => parseCertificate(c.der)),
    crls: material.crls.map((c) => indexCrl(c.der)),
    validationTime: AT,
    purpose: 'clientAuth',
    revocation: 'require',
  });
}

describe('revocation on AD CS-shaped PKIs: differential against openssl verify -crl_check_all -extended_crl -use_deltas', { skip: existsSync(OPENSSL) ? false : `${OPENSSL} is not installed` }, () => {
  for (const [index, testCase] of CASES.entries()) {
    it(testCase.name, async () => {
      const material = await testCase.build();
      const dir = path.join(work, String(index));
      mkdirSync(dir, { recursive: true });
      const theirs = opensslVerify(dir, material, ['-purpose', 'sslclient', '-attime', String(AT_SECONDS), '-crl_check_all', '-extended_crl', '-use_deltas']);
      const ours = await runOurs(material);
      if (ours.trusted) assert.equal(theirs.accepted, true, `we trust '${testCase.name}' but openssl rejects it:\n${theirs.output}`);
      assert.equal(ours.trusted ? null : ours.reason, testCase.ours, `our verdict: ${ours.message}`);
      assert.equal(theirs.accepted, testCase.openssl, `openssl's verdict:\n${theirs.output}`);
      if (ours.trusted !== theirs.accepted) assert.ok(testCase.whyWeDiffer, `we say ${ours.reason}, openssl accepts, and the case gives no reason`);
      else assert.equal(testCase.whyWeDiffer, undefined, 'listed as a disagreement but both agree');
    });
  }
});
