// `graph-pki ca list|add|set|remove`: a PKI's certificate authorities through the Graph API of a running
// server. `add` adds every CA certificate found in PEM, DER or .p7b files (one POST per certificate),
// with a progress bar on a terminal and a summary of what was added, skipped as a duplicate, or refused
// and why.
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { BundleProblem, certificatesOfFile, describeCertificate } from '../pki/certificate-bundle.ts';
import { GraphClient, type GraphConnectionOptions, paths, withGraphConnection } from './graph-client.ts';
import { envOption, parseHttpUrl } from './options.ts';
import { runServerCommand, ServerCallError, serverMessageOf } from './server-call.ts';
import { formatTable, printJson } from './table-output.ts';

interface CaAddOptions extends GraphConnectionOptions {
  pki: string;
}

interface CaListOptions extends GraphConnectionOptions {
  pki: string;
}

interface CaSetOptions extends GraphConnectionOptions {
  pki: string;
  crlUrl?: string;
  deltaCrlUrl?: string;
  issuerHints?: boolean;
  name?: string;
}

type Outcome = { kind: 'added'; id: string } | { kind: 'skipped'; reason: string } | { kind: 'refused'; reason: string };

export interface CertificateAuthority {
  id: string;
  displayName: string | null;
  certificateAuthorityType: string | null;
  issuer: string | null;
  expirationDateTime: string | null;
  thumbprint: string | null;
  certificateRevocationListUrl: string | null;
  deltaCertificateRevocationListUrl: string | null;
  isIssuerHintEnabled: boolean | null;
}

/** What the CA commands read: everything but the certificate itself (up to 8 KB each). */
export const CA_PROPERTIES = [
  'id',
  'displayName',
  'certificateAuthorityType',
  'issuer',
  'expirationDateTime',
  'thumbprint',
  'certificateRevocationListUrl',
  'deltaCertificateRevocationListUrl',
  'isIssuerHintEnabled',
].join(',');

const pkiOption = () => envOption('--pki <id>', 'id of the certificateBasedAuthPki').makeOptionMandatory();

export function caCommand(): Command {
  const ca = new Command('ca').description('List, add, change and remove the certificate authorities of a PKI through the Graph API of a running server.');
  ca.addCommand(
    withGraphConnection(
      new Command('list').description('List the CAs of a PKI: type, expiry, CRL and delta CRL URLs, issuer hints, thumbprint.').addOption(pkiOption()),
    ).action((options: CaListOptions) =>
      runServerCommand('ca list', async () => {
        const cas = await new GraphClient(options).getAll<CertificateAuthority>(`${paths.cas(options.pki)}?$top=999&$orderby=expirationDateTime&$select=${CA_PROPERTIES}`);
        if (options.json) return printJson(cas);
        process.stdout.write(cas.length === 0 ? 'no certificate authorities\n' : formatCaTable(cas));
      }),
    ),
  );
  ca.addCommand(
    withGraphConnection(
      new Command('add')
        .description('Add each CA certificate in the files (PEM, DER or .p7b) to a PKI, one POST each; duplicates are skipped.')
        .argument('<files...>', 'certificate files')
        .addOption(pkiOption()),
    ).action(async (files: string[], options: CaAddOptions) => {
      process.exitCode = await addCertificates(files, options);
    }),
  );
  ca.addCommand(
    withGraphConnection(
      new Command('set')
        .description("Change a CA's CRL URL, delta CRL URL, issuer hints or name (give at least one).")
        .argument('<ca-id>', 'the CA id (see ca list)')
        .addOption(pkiOption())
        .addOption(new Option('--crl-url <url>', "the CA's CRL URL (http or https); none to remove it").argParser(parseUrlOrNone))
        .addOption(new Option('--delta-crl-url <url>', "the CA's delta CRL URL; none to remove it (needs a CRL URL)").argParser(parseUrlOrNone))
        .addOption(new Option('--issuer-hints <on|off>', 'send the CA in the TLS handshake as an issuer hint').choices(['on', 'off']).argParser((v) => v === 'on'))
        .addOption(new Option('--name <text>', 'its displayName')),
    ).action((caId: string, options: CaSetOptions, command: Command) => {
      const changes = {
        ...(options.crlUrl !== undefined ? { certificateRevocationListUrl: options.crlUrl || null } : {}),
        ...(options.deltaCrlUrl !== undefined ? { deltaCertificateRevocationListUrl: options.deltaCrlUrl || null } : {}),
        ...(options.issuerHints !== undefined ? { isIssuerHintEnabled: options.issuerHints } : {}),
        ...(options.name !== undefined ? { displayName: options.name } : {}),
      };
      if (Object.keys(changes).length === 0) command.error('error: give at least one of --crl-url, --delta-crl-url, --issuer-hints, --name', { exitCode: 2 });
      return runServerCommand('ca set', async () => {
        const client = new GraphClient(options);
        await client.call('PATCH', paths.ca(options.pki, caId), changes);
        const updated = await client.call<CertificateAuthority>('GET', `${paths.ca(options.pki, caId)}?$select=${CA_PROPERTIES}`);
        if (options.json) return printJson(updated);
        process.stdout.write(
          `updated CA ${updated.displayName ?? updated.thumbprint} (${updated.id}): CRL ${updated.certificateRevocationListUrl ?? 'none'}, ` +
            `delta CRL ${updated.deltaCertificateRevocationListUrl ?? 'none'}, issuer hints ${updated.isIssuerHintEnabled ? 'on' : 'off'}\n`,
        );
      });
    }),
  );
  ca.addCommand(
    withGraphConnection(
      new Command('remove')
        .description('Delete CAs from a PKI (a soft delete: restorable from deleted items, as in Graph).')
        .argument('<ca-ids...>', 'the CA ids (see ca list)')
        .addOption(pkiOption()),
    ).action((caIds: string[], options: CaListOptions) =>
      runServerCommand('ca remove', async () => {
        const client = new GraphClient(options);
        for (const caId of caIds) {
          await client.call('DELETE', paths.ca(options.pki, caId));
          if (!options.json) process.stdout.write(`removed CA ${caId}\n`);
        }
        if (options.json) printJson({ removed: caIds });
      }),
    ),
  );
  return ca;
}

/** An http(s) URL, or '' for `none` (commander turns a parser's null into '' anyway): removed, null in the PATCH. */
function parseUrlOrNone(value: string): string {
  return value === 'none' || value === '' ? '' : parseHttpUrl(value);
}

export function formatCaTable(cas: readonly CertificateAuthority[]): string {
  return formatTable(
    ['ID', 'NAME', 'TYPE', 'EXPIRES', 'CRL URL', 'DELTA CRL URL', 'HINTS', 'THUMBPRINT'],
    cas.map((ca) => [
      ca.id,
      ca.displayName,
      ca.certificateAuthorityType,
      ca.expirationDateTime,
      ca.certificateRevocationListUrl,
      ca.deltaCertificateRevocationListUrl,
      ca.isIssuerHintEnabled ? 'on' : 'off',
      ca.thumbprint,
    ]),
  );
}

async function addCertificates(files: readonly string[], options: CaAddOptions): Promise<number> {
  const certificates: Array<{ file: string; der: Buffer }> = [];
  for (const file of files) {
    try {
      for (const der of certificatesOfFile(await readFile(file))) certificates.push({ file, der });
    } catch (error) {
      const reason = error instanceof BundleProblem ? error.message : (error as Error).message;
      process.stderr.write(`graph-pki ca add: cannot read certificates from ${file}: ${reason}\n`);
      return 2;
    }
  }
  const client = new GraphClient(options);
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, format: 'adding CAs [{bar}] {value}/{total}' }) : undefined;
  bar?.start(certificates.length, 0);
  const counts = { added: 0, skipped: 0, refused: 0 };
  const results: AddResult[] = [];
  try {
    for (const { file, der } of certificates) {
      const outcome = await addOne(client, options.pki, der);
      counts[outcome.kind] += 1;
      const subject = describeCertificate(der);
      results.push({ file, subject, ...outcome });
      bar?.increment();
    }
  } catch (error) {
    bar?.stop();
    if (!(error instanceof ServerCallError)) throw error;
    printResults(results, options.json);
    process.stderr.write(`graph-pki ca add: ${error.message}\n`);
    return 1;
  }
  bar?.stop();
  printResults(results, options.json);
  if (!options.json) process.stdout.write(`${counts.added} added, ${counts.skipped} skipped (duplicate), ${counts.refused} refused\n`);
  return counts.refused > 0 ? 1 : 0;
}

type AddResult = { file: string; subject: string } & Outcome;

/** One line per certificate (added as ID, or skipped/refused and why), or the same as JSON. */
function printResults(results: readonly AddResult[], json: boolean): void {
  if (json) return printJson(results);
  for (const r of results) {
    process.stdout.write(r.kind === 'added' ? `added    ${r.subject} (${r.file}) as ${r.id}\n` : `${r.kind.padEnd(8)} ${r.subject} (${r.file}): ${r.reason}\n`);
  }
}

async function addOne(client: GraphClient, pkiId: string, der: Buffer): Promise<Outcome> {
  const answer = await client.send('POST', paths.cas(pkiId), { certificate: der.toString('base64') });
  if (answer.status === 201) return { kind: 'added', id: String((answer.body as { id?: unknown } | undefined)?.id) };
  const message = serverMessageOf(answer);
  if (answer.status === 400 && /Duplicate Certificate exists/.test(message)) return { kind: 'skipped', reason: 'duplicate' };
  if (answer.status === 400) return { kind: 'refused', reason: message };
  // 401, 403, 404 or a server failure: no other certificate would fare better.
  throw client.refusal(answer);
}
