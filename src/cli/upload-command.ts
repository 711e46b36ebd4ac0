// `graph-pki upload --pki ID FILE|URL`: Graph's asynchronous upload action, then the PKI's status read
// until the job has ended. A URL is sent as it is (with --sha256). A local file is served on a loopback
// port of this machine for the duration of the upload, with its SHA-256 computed here, so it works only
// with a server on this machine, and only when that server may download from loopback addresses.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { isLoopbackAddress } from '../net/address-policy.ts';
import { GraphClient, type GraphConnectionOptions, paths, withGraphConnection } from './graph-client.ts';
import { type LoopbackFile, serveFileOnLoopback } from './loopback-file-server.ts';
import { envOption, parseInteger } from './options.ts';
import type { Pki } from './pki-command.ts';
import { runServerCommand, ServerCallError } from './server-call.ts';
import { printJson } from './table-output.ts';

interface UploadOptions extends GraphConnectionOptions {
  pki: string;
  sha256?: string;
  waitMs: number;
}

/** How often the PKI's status is read while its upload runs. */
const POLL_INTERVAL_MS = 250;

/** How long the command waits for the job by default: the server's own download timeout is 30 s. */
const DEFAULT_WAIT_MS = 300_000;

const SHA256_HEX = /^[0-9a-f]{64}$/i;

export function uploadCommand(): Command {
  return withGraphConnection(
    new Command('upload')
      .description(
        "Start Graph's upload action for a PKI and wait until it has ended. SOURCE is a URL the server downloads (give --sha256), " +
          'or a local .p7b file, which is served to a server on this machine on a loopback port while it downloads it ' +
          '(the server must run with --allow-private-fetch). Exit 0 when the upload succeeded, 1 when it failed.',
      )
      .argument('<source>', 'a local .p7b file, or an http(s) URL the server can download')
      .addOption(envOption('--pki <id>', 'id of the certificateBasedAuthPki').makeOptionMandatory())
      .addOption(new Option('--sha256 <hex>', "the file's SHA-256 (graph-pki hash FILE); for a URL only, a local file's is computed"))
      .addOption(envOption('--wait-ms <ms>', 'give up waiting for the upload job after this long').default(DEFAULT_WAIT_MS).argParser(parseInteger(1, 86_400_000))),
  ).action(async (source: string, options: UploadOptions, command: Command) => {
    const isUrl = /^https?:\/\//i.test(source);
    if (isUrl && (options.sha256 === undefined || !SHA256_HEX.test(options.sha256))) {
      command.error('error: a URL needs --sha256 with the file\'s SHA-256 as 64 hex characters (graph-pki hash FILE prints it)', { exitCode: 2 });
    }
    if (!isUrl && options.sha256 !== undefined) command.error('error: --sha256 is for a URL; the SHA-256 of a local file is computed from it', { exitCode: 2 });
    if (!isUrl && !isLoopbackServer(options.url)) {
      command.error(
        `error: a local file can be served only to a server on this machine, and --url is ${options.url}; ` +
          'put the file where the server can download it and give that URL with --sha256',
        { exitCode: 2 },
      );
    }
    let bytes: Buffer | undefined;
    if (!isUrl) {
      try {
        bytes = await readFile(source);
      } catch (error) {
        process.stderr.write(`graph-pki upload: cannot read ${source}: ${(error as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
    }
    await runServerCommand('upload', async () => {
      const served = bytes === undefined ? undefined : await serveFileOnLoopback(bytes, path.basename(source));
      try {
        const hash = bytes === undefined ? (options.sha256 ?? '') : createHash('sha256').update(bytes).digest('hex').toUpperCase();
        process.exitCode = await upload(new GraphClient(options), options, served?.url ?? source, hash, served);
      } finally {
        await served?.close();
      }
    });
  });
}

function isLoopbackServer(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host);
}

async function upload(client: GraphClient, options: UploadOptions, uploadUrl: string, sha256FileHash: string, served: LoopbackFile | undefined): Promise<number> {
  await client.call('POST', paths.upload(options.pki), { uploadUrl, sha256FileHash });
  const pki = await waitForJob(client, options);
  if (options.json) printJson(pki);
  if (pki.status !== 'failed') {
    if (!options.json) process.stdout.write(`${pki.statusDetails ?? `upload ${pki.status}`}\n`);
    return 0;
  }
  process.stderr.write(`graph-pki upload: ${pki.statusDetails ?? 'the upload failed; the server gave no details'}\n`);
  if (served !== undefined && served.downloads() === 0 && pki.statusDetails?.includes('--allow-private-fetch')) {
    process.stderr.write(
      'graph-pki upload: the server refuses to download from loopback addresses, where this command serves the file. ' +
        'Restart the server with --allow-private-fetch (or --fetch-allowed-cidrs 127.0.0.1/32), ' +
        'or put the file at a URL the server may reach and run: graph-pki upload --pki ID URL --sha256 HASH\n',
    );
  }
  return 1;
}

/** Reads the PKI until its status is no longer running; a progress bar of the waiting time on a terminal. */
async function waitForJob(client: GraphClient, options: UploadOptions): Promise<Pki> {
  const started = Date.now();
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, format: 'upload {status} [{bar}] {duration}s', clearOnComplete: true }) : undefined;
  bar?.start(Math.ceil(options.waitMs / 1000), 0, { status: 'running' });
  try {
    for (;;) {
      const pki = await client.call<Pki>('GET', paths.pki(options.pki));
      bar?.update(Math.floor((Date.now() - started) / 1000), { status: pki.status ?? '' });
      if (pki.status !== 'running') return pki;
      if (Date.now() - started >= options.waitMs) {
        throw new ServerCallError(`the upload is still running after ${options.waitMs} ms (--wait-ms); see graph-pki pki show ${options.pki}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  } finally {
    bar?.stop();
  }
}
