// `graph-pki reset --tenant GUID | --all`: empties one tenant or every tenant of a running server through
// its admin API. --tenant and --all are taken from the command line only (never from the environment), so
// a leftover variable can never wipe data.
import { Command, Option } from 'commander';
import type { TenantContentCounts } from '../store/tenant-repository.ts';
import { type AdminConnectionOptions, callAdminApi, describeCounts, withAdminConnection } from './admin-client.ts';
import { runServerCommand } from './server-call.ts';
import { parseGuid } from './options.ts';

interface ResetOptions extends AdminConnectionOptions {
  tenant?: string;
  all?: boolean;
}

export function resetCommand(): Command {
  return withAdminConnection(
    new Command('reset')
      .description(
        'Remove everything one tenant (--tenant) or every tenant (--all) holds: PKIs, CAs, deleted items, upload jobs, policies, users, ' +
          'OIDC clients, directory roles and sign-in logs. ' +
          'Give exactly one of them.',
      )
      .addOption(new Option('--tenant <guid>', 'the tenant to reset').argParser(parseGuid))
      .addOption(new Option('--all', 'reset every tenant')),
  ).action((options: ResetOptions, command: Command) => {
    if ((options.tenant === undefined) === (options.all === undefined)) {
      command.error('error: give exactly one of --tenant GUID (one tenant) or --all (every tenant)', { exitCode: 2 });
    }
    return runServerCommand('reset', async () => {
      if (options.tenant !== undefined) {
        const answer = (await callAdminApi(options, 'DELETE', `/tenants/${options.tenant}`)) as { deleted: TenantContentCounts };
        process.stdout.write(`reset tenant ${options.tenant}: removed ${describeCounts(answer.deleted)}\n`);
        return;
      }
      const answer = (await callAdminApi(options, 'DELETE', '/tenants')) as { tenants: number; deleted: TenantContentCounts };
      process.stdout.write(`reset every tenant (${answer.tenants} held data): removed ${describeCounts(answer.deleted)}\n`);
    });
  });
}
