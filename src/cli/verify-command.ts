// `graph-pki verify LEAF`: verifies a certificate offline, with no server, from trusted certificates,
// intermediates and CRLs in files. Exit 0 trusted, 1 not trusted, 2 bad usage or unreadable input.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type Certificate, CertificateParseError, parseCertificate } from '../pki/certificate.ts';
import { certificatesOfFile } from '../pki/certificate-bundle.ts';
import { type CrlIndex, CrlProblem, crlDerFromPem, indexCrl } from '../pki/crl.ts';
import { looksLikePem } from '../pki/encoding.ts';
import { verifyOffline } from '../pki/offline-verify.ts';
import { DEFAULT_VALIDATION_LIMITS, ipBytes, type Purpose } from '../pki/path-validation.ts';
import type { PathVerdict } from '../pki/verdict.ts';
import { parseInteger } from './options.ts';

interface VerifyOptions {
  trust: string[];
  intermediates: string[];
  crl: string[];
  at?: Date;
  purpose: Purpose;
  dns?: string;
  ip?: string;
  email?: string;
  maxDepth: number;
  json: boolean;
  allowSha1: boolean;
  initialPolicy: string[];
  requireExplicitPolicy: boolean;
  inhibitPolicyMapping: boolean;
  inhibitAnyPolicy: boolean;
}

/** Input that cannot be read or parsed: exit 2. */
class UnreadableInput extends Error {}

const collect = (value: string, previous: string[]) => [...previous, value];

export function verifyCommand(): Command {
  return new Command('verify')
    .description('Verify a certificate offline against trusted certificates and CRLs in files (PEM or DER). Exit 0 trusted, 1 not trusted, 2 bad usage or unreadable input.')
    .argument('<leaf>', 'the certificate to verify (PEM or DER)')
    .option('--trust <file>', 'trusted CA certificates; repeatable; PEM files may hold several', collect, [])
    .option('--intermediates <file>', 'untrusted intermediate certificates that may help build the path; repeatable', collect, [])
    .option('--crl <file>', 'CRLs (PEM with several, or DER); repeatable. An issuer without a CRL here is not checked for revocation', collect, [])
    .addOption(new Option('--at <iso-time>', 'validation time (default: now)').argParser(parseTime))
    .addOption(new Option('--purpose <purpose>', 'what the certificate is for').choices(['clientAuth', 'serverAuth', 'any']).default('clientAuth'))
    .option('--dns <name>', 'the certificate must be valid for this DNS name')
    .option('--ip <address>', 'the certificate must be valid for this IP address')
    .option('--email <address>', 'the certificate must be valid for this email address')
    .addOption(new Option('--max-depth <n>', 'most CA certificates in the path').default(DEFAULT_VALIDATION_LIMITS.maxDepth).argParser(parseInteger(1, 64)))
    .option('--allow-sha1', 'accept SHA-1 signatures (refused by default)', false)
    .addOption(new Option('--initial-policy <oid>', 'RFC 5280 user-initial-policy-set: a certificate policy OID the path must be valid for; repeatable (default: any policy, 2.5.29.32.0)').argParser(collectOid).default([]))
    .option('--require-explicit-policy', 'RFC 5280 initial-explicit-policy: the path must be valid for a policy of the initial set', false)
    .option('--inhibit-policy-mapping', 'RFC 5280 initial-policy-mapping-inhibit: policy mappings in CA certificates are not followed', false)
    .option('--inhibit-any-policy', 'RFC 5280 initial-any-policy-inhibit: anyPolicy in a CA certificate does not stand for every policy', false)
    .option('--json', 'print the verdict as JSON (the same object the verification API returns)', false)
    .action(async (leafFile: string, options: VerifyOptions) => {
      process.exitCode = await run(leafFile, options);
    });
}

async function run(leafFile: string, options: VerifyOptions): Promise<number> {
  if (options.ip !== undefined && !ipBytes(options.ip)) return usage(`--ip ${options.ip} is not an IPv4 or IPv6 address`);
  if (options.trust.length === 0) return usage('give at least one --trust file');
  let leaf: Certificate;
  let trusted: Certificate[];
  let intermediates: Certificate[];
  let crls: CrlIndex[];
  try {
    const [leafCertificate, ...rest] = certificatesIn(leafFile);
    if (!leafCertificate) throw new UnreadableInput(`${leafFile} holds no certificate`);
    if (rest.length > 0) throw new UnreadableInput(`${leafFile} holds ${rest.length + 1} certificates; give the leaf alone and the others with --intermediates`);
    leaf = leafCertificate;
    trusted = options.trust.flatMap(certificatesIn);
    intermediates = options.intermediates.flatMap(certificatesIn);
    crls = options.crl.flatMap(crlsIn);
  } catch (error) {
    if (error instanceof UnreadableInput) {
      process.stderr.write(`graph-pki verify: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const verdict = await verifyOffline({
    leaf,
    trusted,
    intermediates,
    crls,
    validationTime: options.at ?? new Date(),
    purpose: options.purpose,
    maxDepth: options.maxDepth,
    dns: options.dns,
    ip: options.ip,
    email: options.email,
    signaturePolicy: { allowSha1: options.allowSha1 },
    policyInputs: {
      ...(options.initialPolicy.length > 0 ? { initialPolicySet: options.initialPolicy } : {}),
      requireExplicitPolicy: options.requireExplicitPolicy,
      inhibitPolicyMapping: options.inhibitPolicyMapping,
      inhibitAnyPolicy: options.inhibitAnyPolicy,
    },
  });
  process.stdout.write(options.json ? `${JSON.stringify(verdict, null, 2)}\n` : describe(verdict));
  return verdict.trusted ? 0 : 1;
}

function usage(message: string): number {
  process.stderr.write(`graph-pki verify: ${message}\n`);
  return 2;
}

function read(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UnreadableInput(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function certificatesIn(file: string): Certificate[] {
  try {
    return certificatesOfFile(read(file)).map((der) => parseCertificate(der));
  } catch (error) {
    if (error instanceof UnreadableInput) throw error;
    const reason = error instanceof CertificateParseError ? error.message : (error as Error).message;
    throw new UnreadableInput(`${file}: ${reason}`);
  }
}

function crlsIn(file: string): CrlIndex[] {
  const bytes = read(file);
  try {
    const ders = looksLikePem(bytes) ? crlDerFromPem(bytes.toString('latin1')) : [bytes];
    if (ders.length === 0) throw new UnreadableInput(`${file} holds no X509 CRL`);
    return ders.map((der) => indexCrl(der));
  } catch (error) {
    if (error instanceof UnreadableInput) throw error;
    if (error instanceof CrlProblem) throw new UnreadableInput(`${file}: ${error.message}`);
    throw error;
  }
}

function collectOid(value: string, previous: string[]): string[] {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(value)) throw new InvalidArgumentError('expected an object identifier such as 2.16.840.1.101.3.2.1.48.1.');
  return [...previous, value];
}

function parseTime(value: string): Date {
  const time = Date.parse(value);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new InvalidArgumentError('expected an ISO 8601 time such as 2026-01-01T00:00:00Z.');
  return new Date(time);
}

function describe(verdict: PathVerdict): string {
  const lines = verdict.trusted ? [`TRUSTED: ${verdict.message}`] : [`NOT TRUSTED (${verdict.reason}): ${verdict.message}`];
  for (const [depth, entry] of verdict.path.entries()) {
    const revocation = entry.revocation as { checked?: boolean; crlNumber?: string } | undefined;
    const crl = revocation === undefined ? '' : revocation.checked ? `, CRL ${revocation.crlNumber} checked` : ', no CRL given';
    lines.push(`  ${depth} ${entry.role.padEnd(12)} ${entry.subject} (serial ${entry.serialNumber}, valid to ${entry.notAfter}${crl})`);
  }
  return `${lines.join('\n')}\n`;
}
