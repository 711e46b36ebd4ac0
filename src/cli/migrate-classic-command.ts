// `graph-pki migrate-classic`: copies the classic store's CAs (organization certificateBasedAuthConfiguration)
// into a PKI through a running server (POST /graph-pki/v1/migrate-classic) and prints what it did per CA:
// created, already present, or skipped with why. The classic store stays unless --delete-classic is
// given, and even then only when every one of its CAs is in the PKI afterwards. Exit 0 when every CA is
// in the PKI (or would be, with --dry-run), 3 when some were skipped, 1 when the server refused or could
// not be reached (no classic store, no such PKI, no permission), 2 for bad usage.
import { Command } from 'commander';
import { PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_READ_WRITE } from '../auth/permissions.ts';
import type { ClassicMigrationReport } from '../service/trust-store/classic-migration-service.ts';
import { DEFAULT_MIGRATION_PKI_NAME } from '../service/trust-store/classic-migration-defaults.ts';
import { GraphClient, type GraphConnectionOptions, withGraphConnection } from './graph-client.ts';
import { runServerCommand } from './server-call.ts';
import { formatTable, printJson } from './table-output.ts';

/** Some CAs were skipped: the PKI does not hold the whole classic list. */
export const EXIT_SOME_SKIPPED = 3;

interface MigrateClassicOptions extends GraphConnectionOptions {
  pki?: string;
  pkiName?: string;
  dryRun: boolean;
  deleteClassic: boolean;
}

export function migrateClassicCommand(): Command {
  return withGraphConnection(
    new Command('migrate-classic')
      .description(
        "Copy the classic store's CAs (organization certificateBasedAuthConfiguration) into a PKI on a running server, reporting per CA: created, already present, or skipped with why. The classic store is kept unless --delete-classic. Exit 0: every CA is in the PKI; 3: some were skipped; 1: the server refused.",
      )
      .option('--pki <id>', 'copy into this PKI')
      .option('--pki-name <name>', `copy into the PKI with this displayName, created when there is none (default: "${DEFAULT_MIGRATION_PKI_NAME}")`)
      .option('--dry-run', 'check and report what would be done, change nothing', false)
      .option('--delete-classic', 'delete the classic store afterwards, when every one of its CAs is in the PKI', false),
  ).action((options: MigrateClassicOptions, command: Command) => {
    if (options.pki !== undefined && options.pkiName !== undefined) command.error('error: give --pki or --pki-name, not both', { exitCode: 2 });
    return runServerCommand('migrate-classic', async () => {
      const client = new GraphClient(options, [PERMISSION_READ_WRITE, PERMISSION_ORGANIZATION_READ_WRITE]);
      const report = await client.call<ClassicMigrationReport>('POST', '/graph-pki/v1/migrate-classic', {
        ...(options.pki !== undefined ? { pkiId: options.pki } : {}),
        ...(options.pkiName !== undefined ? { displayName: options.pkiName } : {}),
        dryRun: options.dryRun,
        deleteClassic: options.deleteClassic,
      });
      if (options.json) printJson(report);
      else process.stdout.write(describeReport(report));
      if (report.certificateAuthorities.some((ca) => ca.action === 'skipped')) process.exitCode = EXIT_SOME_SKIPPED;
    });
  });
}

const ACTION_TEXT = { created: 'created', alreadyPresent: 'already present', skipped: 'skipped' } as const;

function describeReport(report: ClassicMigrationReport): string {
  const pki = report.publicKeyInfrastructure;
  const would = report.dryRun ? 'would ' : '';
  const target = pki.created
    ? `${would}create PKI "${pki.displayName ?? ''}"${pki.id ? ` (${pki.id})` : ''}`
    : `into PKI "${pki.displayName ?? ''}" (${pki.id ?? ''})`;
  const rows = report.certificateAuthorities.map((ca) => [
    report.dryRun && ca.action === 'created' ? 'would create' : ACTION_TEXT[ca.action],
    ca.issuer,
    ca.thumbprint,
    ca.certificateAuthorityId,
    ca.reason,
  ]);
  const counts = (['created', 'alreadyPresent', 'skipped'] as const).map((action) => `${report.certificateAuthorities.filter((ca) => ca.action === action).length} ${ACTION_TEXT[action]}`);
  const classic = report.classicStoreDeleted
    ? 'the classic store was deleted'
    : report.classicStoreKeptBecause
      ? `the classic store was kept: ${report.classicStoreKeptBecause}`
      : 'the classic store was kept (delete it with --delete-classic once sign-ins no longer use it)';
  return [
    `${report.dryRun ? 'dry run: ' : ''}${target}: ${counts.join(', ')}\n`,
    rows.length > 0 ? formatTable(['ACTION', 'ISSUER', 'THUMBPRINT', 'CA ID', 'WHY'], rows) : 'the classic store holds no CAs\n',
    `${classic}\n`,
  ].join('');
}
