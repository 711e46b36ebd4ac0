// `graph-pki crl check`: the CRL health of a running server's trust store (GET /graph-pki/v1/crlHealth,
// or a download now with --refresh), as a table or JSON; exit 1 when anything fails.
// `graph-pki crl inspect FILE [--issuer CA.pem]`: the same checks on a file, offline (encoding, size,
// signed by the issuer, extensions, CRL number, validity), with the AADSTS code Entra would give.
// Exit 0 healthy or warning, 1 failing, 2 bad usage or unreadable input.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { DEFAULT_CRL_CONFIG } from '../config.ts';
import { type Certificate, CertificateParseError, parseCertificate } from '../pki/certificate.ts';
import { certificatesOfFile } from '../pki/certificate-bundle.ts';
import { assessCrl, factsOf } from '../pki/crl-health-checks.ts';
import { type CrlHealthThresholds, durationText, type HealthCheck, secondsLeft, signInImpactOf, type SignInImpact } from '../pki/crl-health.ts';
import { GraphClient, type GraphConnectionOptions, withGraphConnection } from './graph-client.ts';
import { parseInteger, parseTime } from './options.ts';
import { runServerCommand } from './server-call.ts';
import { formatTable, printJson } from './table-output.ts';

interface InspectOptions {
  issuer?: string;
  at?: Date;
  maxBytes: number;
  json: boolean;
}

export function crlCommand(): Command {
  return new Command('crl')
    .description("Check CRLs the way Entra will: 'check' a running server's configured CRLs, or 'inspect' a CRL file offline (the same checks).")
    .addCommand(checkCommand())
    .addCommand(inspectCommand());
}

interface CheckOptions extends GraphConnectionOptions {
  refresh: boolean;
}

/** An entry of GET /graph-pki/v1/crlHealth, as far as the table shows it. */
interface HealthEntry {
  readonly certificateAuthorityId: string;
  readonly subject: string;
  readonly kind: string;
  readonly url: string | null;
  readonly status: string;
  readonly timeLeftSeconds: number | null;
  readonly checks: readonly HealthCheck[];
  readonly signInImpact: SignInImpact;
}

function checkCommand(): Command {
  const command = new Command('check')
    .description(
      "The CRL health of a running server's trust store (GET /graph-pki/v1/crlHealth): every CRL configured on a CA, its status, time left and the failing check with its AADSTS code. Exit 0 when nothing fails, 1 when a CRL fails or the server refuses.",
    )
    .option('--refresh', 'download every CRL now (POST /graph-pki/v1/crlHealth/refresh) instead of reading the last checks', false);
  return withGraphConnection(command).action((options: CheckOptions) =>
    runServerCommand('crl check', async () => {
      const client = new GraphClient(options);
      const { value } = options.refresh
        ? await client.call<{ value: HealthEntry[] }>('POST', '/graph-pki/v1/crlHealth/refresh', {})
        : await client.call<{ value: HealthEntry[] }>('GET', '/graph-pki/v1/crlHealth');
      if (options.json) printJson(value);
      else process.stdout.write(healthTable(value));
      if (value.some((e) => e.status === 'failing' || e.signInImpact.result === 'failure')) process.exitCode = 1;
    }),
  );
}

function healthTable(entries: readonly HealthEntry[]): string {
  if (entries.length === 0) return 'No certificate authorities.\n';
  return formatTable(
    ['CA', 'KIND', 'STATUS', 'TIME LEFT', 'SIGN-IN', 'PROBLEM', 'URL'],
    entries.map((e) => {
      const problem = e.checks.find((c) => c.result === 'fail') ?? e.checks.find((c) => c.result === 'warning');
      return [
        e.subject,
        e.kind,
        e.status,
        e.timeLeftSeconds === null ? null : `${e.timeLeftSeconds < 0 ? '-' : ''}${durationText(e.timeLeftSeconds * 1000)}`,
        e.signInImpact.errorCode ?? e.signInImpact.result,
        problem ? `${problem.name}: ${problem.detail}` : null,
        e.url,
      ];
    }),
  );
}

function inspectCommand(): Command {
  return new Command('inspect')
    .description(
      'Run the CRL health checks on a CRL file (DER, or PEM which Entra refuses): encoding, size, signature by --issuer, extensions, CRL number, validity. Exit 0 healthy or warning, 1 failing, 2 bad usage or unreadable input.',
    )
    .argument('<file>', 'the CRL (DER or PEM)')
    .option('--issuer <file>', 'the CA certificate (PEM or DER) that must have signed the CRL; without it the signature is not checked')
    .addOption(new Option('--at <iso-time>', 'judge validity at this time (default: now)').argParser(parseTime))
    .addOption(new Option('--max-bytes <n>', "size limit (Entra's interactive limit)").default(DEFAULT_CRL_CONFIG.maxCrlBytes).argParser(parseInteger(1, 1024 * 1024 * 1024)))
    .option('--json', 'print the checks as JSON', false)
    .action((file: string, options: InspectOptions) => {
      process.exitCode = inspect(file, options);
    });
}

function inspect(file: string, options: InspectOptions): number {
  let body: Buffer;
  let issuer: Certificate | undefined;
  try {
    body = readFileSync(file);
    issuer = options.issuer === undefined ? undefined : issuerOf(options.issuer);
  } catch (error) {
    process.stderr.write(`graph-pki crl inspect: ${(error as Error).message}\n`);
    return 2;
  }
  const now = options.at ?? new Date();
  const thresholds: CrlHealthThresholds = {
    downloadTimeoutMs: DEFAULT_CRL_CONFIG.crlDownloadTimeoutMs,
    maxCrlBytes: options.maxBytes,
    warningShare: DEFAULT_CRL_CONFIG.crlHealthWarningShare,
    warningMinimumMs: DEFAULT_CRL_CONFIG.crlHealthWarningMinimumMs,
  };
  const assessment = assessCrl({ kind: 'base', url: null, download: { kind: 'body', body, durationMs: null }, ca: issuer, now, thresholds });
  const facts = assessment.crl ? factsOf(assessment.crl) : null;
  const impact = signInImpactOf(assessment.checks, null);
  const report = {
    file,
    status: assessment.status,
    ...(facts ?? {}),
    timeLeftSeconds: facts ? secondsLeft(facts.nextUpdate ? new Date(facts.nextUpdate) : null, now) : null,
    sizeBytes: assessment.sizeBytes,
    checks: assessment.checks,
    signInImpact: impact,
  };
  if (options.json) printJson(report);
  else process.stdout.write(describe(file, assessment.status, facts ? `${facts.issuer}, CRL number ${facts.crlNumber ?? '-'}, ${facts.entryCount} entries, thisUpdate ${facts.thisUpdate}, nextUpdate ${facts.nextUpdate ?? '-'}` : null, assessment.checks, impact));
  return assessment.status === 'failing' ? 1 : 0;
}

export function describe(what: string, status: string, summary: string | null, checks: readonly HealthCheck[], impact: SignInImpact): string {
  const head = `${what}: ${status}\n${summary ? `${summary}\n` : ''}`;
  const table = formatTable(
    ['CHECK', 'RESULT', 'CODE', 'DETAIL'],
    checks.map((c) => [c.name, c.result, c.errorCode, c.detail]),
  );
  return `${head}${table}sign-in: ${impact.result}${impact.errorCode ? ` ${impact.errorCode}: ${impact.message}` : `: ${impact.message}`}\n`;
}

function issuerOf(file: string): Certificate {
  const ders = certificatesOfFile(readFileSync(file));
  const [first, ...rest] = ders;
  if (!first) throw new Error(`${file} holds no certificate`);
  if (rest.length > 0) throw new Error(`${file} holds ${ders.length} certificates; give the CRL's issuer alone`);
  try {
    return parseCertificate(first);
  } catch (error) {
    if (error instanceof CertificateParseError) throw new Error(`${file}: ${error.message}`);
    throw error;
  }
}
