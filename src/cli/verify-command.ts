// `graph-pki verify LEAF`: verifies a certificate offline, with no server, from trusted certificates,
// intermediates and CRLs in files. Exit 0 trusted, 1 not trusted, 2 bad usage or unreadable input.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type Certificate, CertificateParseError, parseCertificate } from '../pki/certificate.ts';
import { certificatesOfFile } from '../pki/certificate-bundle.ts';
import { type CrlIndex, CrlProblem, crlDerFromPem, indexCrl } from '../pki/crl.ts';
import { looksLikePem } from '../pki/encoding.ts';
import { verifyOffline } from '../pki/offline-verify.ts';
import { DEFAULT_VALIDATION_LIMITS, ipBytes, type Purpose } from '../pki/path-validation.ts';
import { REVOCATION_MODES, type RevocationMode } from '../pki/revocation-mode.ts';
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
  revocation: RevocationMode;
}

/** Where the command writes: the process's streams, or buffers when it is run in-process (tests). */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_OUTPUT: CommandOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Input that cannot be read or parsed: exit 2. */
class UnreadableInput extends Error {}

const collect = (value: string, previous: string[]) => [...previous, value];

export function verifyCommand(output: CommandOutput = PROCESS_OUTPUT, done: (code: number) => void = (code) => (process.exitCode = code)): Command {
  return new Command('verify')
    .description('Verify a certificate offline against trusted certificates and CRLs in files (PEM or DER). Exit 0 trusted, 1 not trusted, 2 bad usage or unreadable input.')
    .argument('<leaf>', 'the certificate to verify (PEM or DER)')
    .option('--trust <file>', 'trusted CA certificates; repeatable; PEM files may hold several', collect, [])
    .option('--intermediates <file>', 'untrusted intermediate certificates that may help build the path; repeatable', collect, [])
    .option('--crl <file>', 'CRLs (PEM with several, or DER); repeatable. What happens to a certificate whose issuer has no CRL here: see --revocation', collect, [])
    .addOption(
      new Option(
        '--revocation <mode>',
        'require: every certificate below the trust anchor needs its status proven by a CRL given with --crl (as openssl -crl_check_all); given: a certificate is checked where a CRL of its issuer is given, and a given CRL that names a CA of the path but does not validate for it fails; off: no revocation checks',
      )
        .choices(REVOCATION_MODES)
        .default('given'),
    )
    .addOption(new Option('--at <iso-time>', 'validation time (default: now)').argParser(parseTime))
    .addOption(new Option('--purpose <purpose>', 'what the certificate is for').choices(['clientAuth', 'serverAuth', 'any']).default('clientAuth'))
    .option('--dns <name>', 'the certificate must be valid for this DNS name')
    .option('--ip <address>', 'the certificate must be valid for this IP address')
    .option('--email <address>', 'the certificate must be valid for this email address')
    .addOption(new Option('--max-depth <n>', 'most CA certificates in the path').default(DEFAULT_VALIDATION_LIMITS.maxDepth).argParser(parseInteger(1, 64)))
    .option('--allow-sha1', 'accept SHA-1 signatures (refused by default)', false)
    .option('--json', 'print the verdict as JSON (the same object the verification API returns)', false)
    .action(async (leafFile: string, options: VerifyOptions) => {
      done(await run(leafFile, options, output));
    });
}

/**
 * Runs `graph-pki verify ARGS…` in this process (the same command bin/graph-pki runs) and returns its
 * exit code, its output going to `output`: for callers that run it many times, such as the PKITS runner.
 */
export async function runVerifyCommand(args: readonly string[], output: CommandOutput): Promise<number> {
  let code = 0;
  const command = verifyCommand(output, (result) => (code = result))
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.err(text) })
    .exitOverride();
  try {
    await command.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  return code;
}

async function run(leafFile: string, options: VerifyOptions, output: CommandOutput): Promise<number> {
  const usage = (message: string): number => {
    output.err(`graph-pki verify: ${message}\n`);
    return 2;
  };
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
    if (error instanceof UnreadableInput) return usage(error.message);
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
    revocation: options.revocation,
  });
  output.out(options.json ? `${JSON.stringify(verdict, null, 2)}\n` : describe(verdict));
  return verdict.trusted ? 0 : 1;
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
