// `graph-pki snapshot export|import`: a tenant's snapshot through the admin API of a running server.
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { text as readStream } from 'node:stream/consumers';
import { Command } from 'commander';
import type { TenantContentCounts } from '../store/tenant-repository.ts';
import { type AdminConnectionOptions, callAdminApi, describeCounts, withAdminConnection } from './admin-client.ts';
import { runServerCommand } from './server-call.ts';
import { envOption, parseGuid } from './options.ts';

interface ExportOptions extends AdminConnectionOptions {
  tenant: string;
  out?: string;
}

interface ImportOptions extends AdminConnectionOptions {
  tenant: string;
  in: string;
}

export function snapshotCommand(): Command {
  const snapshot = new Command('snapshot').description(
    "Export a tenant's snapshot (everything it holds, deleted items and finished uploads included) or import one into an empty tenant, " +
      'through the admin API of a running server.',
  );
  snapshot.addCommand(
    withAdminConnection(
      new Command('export')
        .description('Write the snapshot of a tenant as JSON (to --out, or standard output).')
        .addOption(envOption('--tenant <guid>', 'tenant to export').argParser(parseGuid).makeOptionMandatory())
        .addOption(envOption('--out <file>', 'file to write, mode 0600 (default, or -: standard output)')),
    ).action((options: ExportOptions) =>
      runServerCommand('snapshot export', async () => {
        const document = await callAdminApi(options, 'GET', `/tenants/${options.tenant}/snapshot`);
        const text = `${JSON.stringify(document, null, 2)}\n`;
        if (options.out === undefined || options.out === '-') {
          process.stdout.write(text);
          return;
        }
        await writeSecretFile(options.out, text);
        process.stdout.write(`exported tenant ${options.tenant} to ${options.out}: ${describeCounts(countsOf(document))}\n`);
      }),
    ),
  );
  snapshot.addCommand(
    withAdminConnection(
      new Command('import')
        .description('Import a snapshot file into a tenant that holds nothing yet (ids and times kept; the tenant may differ from the exported one).')
        .addOption(envOption('--tenant <guid>', 'tenant to import into').argParser(parseGuid).makeOptionMandatory())
        .addOption(envOption('--in <file>', 'snapshot file written by snapshot export (- for standard input)').makeOptionMandatory()),
    ).action(async (options: ImportOptions) => {
      let text: string;
      try {
        text = options.in === '-' ? await readStream(process.stdin) : await readFile(options.in, 'utf8');
      } catch (error) {
        process.stderr.write(`graph-pki snapshot import: cannot read ${options.in}: ${(error as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      await runServerCommand('snapshot import', async () => {
        const answer = (await callAdminApi(options, 'PUT', `/tenants/${options.tenant}/snapshot`, text)) as { imported: TenantContentCounts };
        process.stdout.write(`imported into tenant ${options.tenant}: ${describeCounts(answer.imported)}\n`);
      });
    }),
  );
  return snapshot;
}

/**
 * Writes a file only its owner can read, whether or not it existed (writeFile's mode applies only to a
 * new file): a snapshot holds upload URLs, whose queries are often access signatures. Written beside
 * the target and renamed over it, so a reader never sees half a snapshot.
 */
async function writeSecretFile(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** What a snapshot holds, counted as the admin API counts tenant content. */
function countsOf(document: unknown): TenantContentCounts {
  const snapshot = document as {
    certificateBasedAuthConfigurations: { certificateAuthorities: unknown[] }[];
    uploadJobs: unknown[];
    x509CertificatePolicy: unknown;
    classicCertificateBasedAuthConfiguration?: { certificateAuthorities: unknown[] } | null;
    users?: unknown[];
    oidcClients?: unknown[];
    directoryRoleAssignments?: { roleTemplateIds: unknown[] }[];
    signIns?: unknown[];
  };
  return {
    certificateBasedAuthConfigurations: snapshot.certificateBasedAuthConfigurations.length,
    certificateAuthorities: snapshot.certificateBasedAuthConfigurations.reduce((n, pki) => n + pki.certificateAuthorities.length, 0),
    jobs: snapshot.uploadJobs.length,
    x509CertificatePolicies: snapshot.x509CertificatePolicy ? 1 : 0,
    classicCertificateBasedAuthConfigurations: snapshot.classicCertificateBasedAuthConfiguration ? 1 : 0,
    classicCertificateAuthorities: snapshot.classicCertificateBasedAuthConfiguration?.certificateAuthorities.length ?? 0,
    users: snapshot.users?.length ?? 0,
    oidcClients: snapshot.oidcClients?.length ?? 0,
    directoryRoleAssignments: snapshot.directoryRoleAssignments?.reduce((n, user) => n + user.roleTemplateIds.length, 0) ?? 0,
    signIns: snapshot.signIns?.length ?? 0,
  };
}
