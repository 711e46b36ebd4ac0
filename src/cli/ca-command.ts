// `graph-pki ca add`: adds every CA certificate found in PEM, DER or .p7b files to a PKI through the
// Graph API (one POST per certificate), with a progress bar on a terminal and a summary of what was
// added, skipped as a duplicate, or refused and why.
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { BundleProblem, certificatesOfFile, describeCertificate } from '../pki/certificate-bundle.ts';
import { envOption, parseHttpUrl } from './options.ts';

interface CaAddOptions {
  url: string;
  token: string;
  pki: string;
}

type Outcome = { kind: 'added'; id: string } | { kind: 'skipped'; reason: string } | { kind: 'refused'; reason: string };

/** Stops the whole command: the API answered in a way that no other certificate would fare better with. */
class FatalApiError extends Error {}

export function caCommand(): Command {
  const ca = new Command('ca').description('Manage the certificate authorities of a PKI through the Graph API.');
  ca.command('add')
    .description('Add each CA certificate in the files (PEM, DER or .p7b) to a PKI.')
    .argument('<files...>', 'certificate files')
    .addOption(envOption('--url <base>', 'server base URL, e.g. http://127.0.0.1:8080 (or …/beta, …/v1.0)').argParser(parseHttpUrl).makeOptionMandatory())
    .addOption(envOption('--token <jwt>', 'bearer token with PublicKeyInfrastructure.ReadWrite.All').makeOptionMandatory())
    .addOption(envOption('--pki <id>', 'id of the certificateBasedAuthPki').makeOptionMandatory())
    .action(async (files: string[], options: CaAddOptions) => {
      process.exitCode = await addCertificates(files, options);
    });
  return ca;
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
  const endpoint = `${apiBase(options.url)}/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations/${encodeURIComponent(options.pki)}/certificateAuthorities`;
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, format: 'adding CAs [{bar}] {value}/{total}' }) : undefined;
  bar?.start(certificates.length, 0);
  const counts = { added: 0, skipped: 0, refused: 0 };
  const lines: string[] = [];
  try {
    for (const { file, der } of certificates) {
      const outcome = await addOne(endpoint, options.token, der);
      counts[outcome.kind] += 1;
      const subject = describeCertificate(der);
      if (outcome.kind === 'added') lines.push(`added    ${subject} (${file}) as ${outcome.id}`);
      else lines.push(`${outcome.kind.padEnd(8)} ${subject} (${file}): ${outcome.reason}`);
      bar?.increment();
    }
  } catch (error) {
    bar?.stop();
    if (!(error instanceof FatalApiError)) throw error;
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    process.stderr.write(`graph-pki ca add: ${error.message}\n`);
    return 1;
  }
  bar?.stop();
  process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  process.stdout.write(`${counts.added} added, ${counts.skipped} skipped (duplicate), ${counts.refused} refused\n`);
  return counts.refused > 0 ? 1 : 0;
}

async function addOne(endpoint: string, token: string, der: Buffer): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ certificate: der.toString('base64') }),
    });
  } catch (error) {
    throw new FatalApiError(`cannot reach ${endpoint}: ${(error as Error).message}`);
  }
  const text = await response.text();
  const body = parseJson(text);
  if (response.status === 201) return { kind: 'added', id: String(body?.id) };
  const message = body?.error?.message ?? `HTTP ${response.status}`;
  if (response.status === 400 && /Duplicate Certificate exists/.test(message)) return { kind: 'skipped', reason: 'duplicate' };
  if (response.status === 400) return { kind: 'refused', reason: message };
  throw new FatalApiError(`the server answered HTTP ${response.status}: ${message}`);
}

function apiBase(url: string): string {
  return /\/(beta|v1\.0)$/.test(url) ? url : `${url}/beta`;
}

interface ApiBody {
  id?: unknown;
  error?: { message?: string };
}

function parseJson(text: string): ApiBody | undefined {
  try {
    return JSON.parse(text) as ApiBody;
  } catch {
    return undefined;
  }
}
