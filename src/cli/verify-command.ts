// `graph-pki verify LEAF`: verifies a certificate offline, with no server, from trusted certificates,
// intermediates and CRLs in files; or, with --url, through a running server's verification API (its
// trust store, CRLs and x509 policy). Exit 0 trusted, 1 not trusted, 2 bad usage or unreadable input.
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
import { GraphClient, type GraphConnectionOptions, withGraphConnection } from './graph-client.ts';
import { parseInteger, parseTime } from './options.ts';
import { ServerCallError } from './server-call.ts';

interface VerifyOptions extends Omit<GraphConnectionOptions, 'url'> {
  url?: string;
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
  initialPolicy: string[];
  requireExplicitPolicy: boolean;
  inhibitPolicyMapping: boolean;
  inhibitAnyPolicy: boolean;
  userPrincipalName?: string;
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

/** Options that only the offline check has: with --url the server's trust store, CRLs and policy decide. */
const OFFLINE_ONLY = [
  'trust', 'crl', 'revocation', 'purpose', 'dns', 'ip', 'email', 'maxDepth', 'allowSha1',
  'initialPolicy', 'requireExplicitPolicy', 'inhibitPolicyMapping', 'inhibitAnyPolicy',
] as const;
/** Options that only a check through a server has. */
const SERVER_ONLY = ['token', 'data', 'database', 'tenant', 'timeoutMs', 'userPrincipalName'] as const;

export function verifyCommand(output: CommandOutput = PROCESS_OUTPUT, done: (code: number) => void = (code) => (process.exitCode = code)): Command {
  const command = new Command('verify')
    .description(
      'Verify a certificate offline against trusted certificates and CRLs in files (PEM or DER), or with --url through a running server ' +
        '(POST /graph-pki/v1/verify: its trust store, CRLs and x509 policy). Exit 0 trusted, 1 not trusted, 2 bad usage or unreadable input.',
    )
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
    .addOption(new Option('--initial-policy <oid>', 'RFC 5280 user-initial-policy-set: a certificate policy OID the path must be valid for; repeatable (default: any policy, 2.5.29.32.0)').argParser(collectOid).default([]))
    .option('--require-explicit-policy', 'RFC 5280 initial-explicit-policy: the path must be valid for a policy of the initial set', false)
    .option('--inhibit-policy-mapping', 'RFC 5280 initial-policy-mapping-inhibit: policy mappings in CA certificates are not followed', false)
    .option('--inhibit-any-policy', 'RFC 5280 initial-any-policy-inhibit: anyPolicy in a CA certificate does not stand for every policy', false)
    .option('--user-principal-name <upn>', 'with --url: the name typed at sign-in; the tenant\'s certificate bindings are tried against that user (without it: against every user, a username-less sign-in); exit 1 unless that user would sign in')
    .option('--json', 'print the verdict as JSON (the same object the verification API returns)', false);
  return withGraphConnection(command, { offlineByDefault: true }).action(async (leafFile: string, options: VerifyOptions, self: Command) => {
    const given = (names: readonly string[]) => names.filter((name) => self.getOptionValueSource(name) === 'cli');
    const flag = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (options.url !== undefined && given(OFFLINE_ONLY).length > 0) {
      self.error(`error: ${given(OFFLINE_ONLY).map(flag).join(', ')} apply to the offline check; with --url the server's trust store, CRLs and policy decide`, { exitCode: 2 });
    }
    if (options.url === undefined && given(SERVER_ONLY).length > 0) {
      self.error(`error: ${given(SERVER_ONLY).map(flag).join(', ')} apply only with --url (verification through a running server)`, { exitCode: 2 });
    }
    done(options.url === undefined ? await run(leafFile, options, output) : await runThroughServer(leafFile, { ...options, url: options.url }, output));
  });
}

/** Sends the leaf and intermediates to the server's verification API; exit 0 trusted, 1 not trusted or refused. */
async function runThroughServer(leafFile: string, options: VerifyOptions & { url: string }, output: CommandOutput): Promise<number> {
  let leaf: Certificate;
  let intermediates: Certificate[];
  try {
    leaf = singleLeaf(leafFile);
    intermediates = options.intermediates.flatMap(certificatesIn);
  } catch (error) {
    if (!(error instanceof UnreadableInput)) throw error;
    output.err(`graph-pki verify: ${error.message}\n`);
    return 2;
  }
  let verdict: ServerVerdict;
  try {
    verdict = await new GraphClient(options).call<ServerVerdict>('POST', '/graph-pki/v1/verify', {
      certificate: leaf.der.toString('base64'),
      ...(intermediates.length > 0 ? { intermediates: intermediates.map((c) => c.der.toString('base64')) } : {}),
      ...(options.at ? { validationTime: options.at.toISOString() } : {}),
      ...(options.userPrincipalName !== undefined ? { userPrincipalName: options.userPrincipalName } : {}),
    });
  } catch (error) {
    if (!(error instanceof ServerCallError)) throw error;
    output.err(`graph-pki verify: ${error.message}\n`);
    return 1;
  }
  output.out(options.json ? `${JSON.stringify(verdict, null, 2)}\n` : describe(verdict));
  // With a typed name the question is "would this user sign in", so a failed sign-in is exit 1 too.
  if (options.userPrincipalName !== undefined && !verdict.signIn.succeeded) return 1;
  return verdict.trusted ? 0 : 1;
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
    leaf = singleLeaf(leafFile);
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
    policyInputs: {
      ...(options.initialPolicy.length > 0 ? { initialPolicySet: options.initialPolicy } : {}),
      requireExplicitPolicy: options.requireExplicitPolicy,
      inhibitPolicyMapping: options.inhibitPolicyMapping,
      inhibitAnyPolicy: options.inhibitAnyPolicy,
    },
  });
  output.out(options.json ? `${JSON.stringify(verdict, null, 2)}\n` : describe(verdict));
  return verdict.trusted ? 0 : 1;
}

function singleLeaf(leafFile: string): Certificate {
  const [leaf, ...rest] = certificatesIn(leafFile);
  if (!leaf) throw new UnreadableInput(`${leafFile} holds no certificate`);
  if (rest.length > 0) throw new UnreadableInput(`${leafFile} holds ${rest.length + 1} certificates; give the leaf alone and the others with --intermediates`);
  return leaf;
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

/** The server's verdict: the offline one plus the x509 policy's (null when not trusted). */
interface ServerVerdict extends PathVerdict {
  readonly policy: {
    readonly authenticationMode: string;
    readonly requiredAffinityLevel: string;
    readonly userBindingCandidates: readonly { readonly userProperty: string; readonly affinity: string; readonly values: readonly string[]; readonly usable: boolean }[];
  } | null;
  readonly signIn: {
    readonly succeeded: boolean;
    readonly user: { readonly id: string; readonly userPrincipalName: string } | null;
    readonly binding: { readonly priority: number; readonly x509CertificateField: string; readonly userProperty: string; readonly trustAffinityLevel: string; readonly value: string } | null;
    readonly authenticationRequirement: string | null;
    readonly error: { readonly code: string; readonly message: string; readonly detail: string } | null;
  };
}

interface RevocationDetails {
  checked?: boolean;
  why?: string;
  crlUrl?: string;
  crlNumber?: string;
  deltaCrlUrl?: string;
  deltaCrlNumber?: string;
}

/** ", CRL 7 from http://… checked" (the URL when a server checked it), or why it was not checked. */
function describeRevocation(revocation: RevocationDetails | undefined): string {
  if (revocation === undefined) return '';
  if (!revocation.checked) return revocation.why ? `, CRL not checked: ${revocation.why}` : ', no CRL given';
  const base = `, CRL ${revocation.crlNumber}${revocation.crlUrl ? ` from ${revocation.crlUrl}` : ''} checked`;
  return revocation.deltaCrlNumber ? `${base}, delta CRL ${revocation.deltaCrlNumber}${revocation.deltaCrlUrl ? ` from ${revocation.deltaCrlUrl}` : ''}` : base;
}

function describe(verdict: PathVerdict | ServerVerdict): string {
  const lines = verdict.trusted ? [`TRUSTED: ${verdict.message}`] : [`NOT TRUSTED (${verdict.reason}): ${verdict.message}`];
  for (const [depth, entry] of verdict.path.entries()) {
    const crl = describeRevocation(entry.revocation as RevocationDetails | undefined);
    lines.push(`  ${depth} ${entry.role.padEnd(12)} ${entry.subject} (serial ${entry.serialNumber}, valid to ${entry.notAfter}${crl})`);
  }
  const policy = 'policy' in verdict ? verdict.policy : null;
  if (policy) {
    lines.push(`policy: ${policy.authenticationMode}, user binding affinity ${policy.requiredAffinityLevel} required; certificateUserIds candidates:`);
    for (const candidate of policy.userBindingCandidates) {
      if (candidate.values.length === 0) continue;
      lines.push(`  ${candidate.usable ? 'usable  ' : 'unusable'} ${candidate.affinity.padEnd(13)} ${candidate.userProperty}: ${candidate.values.join(', ')}`);
    }
  }
  if ('signIn' in verdict) lines.push(describeSignIn(verdict.signIn));
  return `${lines.join('\n')}\n`;
}

/** "sign-in: alice@… (id …) through PrincipalName → userPrincipalName …", or the AADSTS error. */
function describeSignIn(signIn: ServerVerdict['signIn']): string {
  const { user, binding, error } = signIn;
  if (signIn.succeeded && user && binding) {
    return (
      `sign-in: ${user.userPrincipalName} (id ${user.id}) through ${binding.x509CertificateField} → ${binding.userProperty} ` +
      `(priority ${binding.priority}, ${binding.trustAffinityLevel} affinity, ${binding.value}), ${signIn.authenticationRequirement}`
    );
  }
  return `sign-in refused: ${error?.code}: ${error?.message} (${error?.detail}${user ? `; user ${user.userPrincipalName}` : ''})`;
}
