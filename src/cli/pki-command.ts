// `graph-pki pki list|create|show|delete`: the certificateBasedAuthPki objects of a tenant, through the
// Graph API of a running server.
import { Command } from 'commander';
import { type CertificateAuthority, CA_PROPERTIES, formatCaTable } from './ca-command.ts';
import { GraphClient, type GraphConnectionOptions, PKIS_PATH, paths, withGraphConnection } from './graph-client.ts';
import { runServerCommand } from './server-call.ts';
import { formatFields, formatTable, printJson } from './table-output.ts';

export interface Pki {
  id: string;
  displayName: string | null;
  status: string | null;
  statusDetails: string | null;
  lastModifiedDateTime: string | null;
}

export function pkiCommand(): Command {
  const pki = new Command('pki').description('List, create, show and delete the PKIs (certificateBasedAuthPki) of a tenant on a running server.');
  pki.addCommand(
    withGraphConnection(new Command('list').description('List the PKIs: id, name, status, last change.')).action((options: GraphConnectionOptions) =>
      runServerCommand('pki list', async () => {
        const pkis = await new GraphClient(options).getAll<Pki>(`${PKIS_PATH}?$top=999&$orderby=displayName`);
        if (options.json) return printJson(pkis);
        if (pkis.length === 0) return void process.stdout.write('no PKIs\n');
        process.stdout.write(formatTable(['ID', 'NAME', 'STATUS', 'LAST MODIFIED'], pkis.map((p) => [p.id, p.displayName, p.status, p.lastModifiedDateTime])));
      }),
    ),
  );
  pki.addCommand(
    withGraphConnection(new Command('create').description('Create a PKI and print its id.').argument('<name>', 'its displayName')).action(
      (name: string, options: GraphConnectionOptions) =>
        runServerCommand('pki create', async () => {
          const created = await new GraphClient(options).call<Pki>('POST', PKIS_PATH, { displayName: name });
          if (options.json) return printJson(created);
          process.stdout.write(`created PKI ${created.displayName ?? ''} with id ${created.id}\n`);
        }),
    ),
  );
  pki.addCommand(
    withGraphConnection(new Command('show').description('Show a PKI (status, statusDetails of its last upload) and its CAs.').argument('<id>', 'the PKI id')).action(
      (id: string, options: GraphConnectionOptions) =>
        runServerCommand('pki show', async () => {
          const client = new GraphClient(options);
          const found = await client.call<Pki>('GET', paths.pki(id));
          const cas = await client.getAll<CertificateAuthority>(`${paths.cas(id)}?$top=999&$orderby=expirationDateTime&$select=${CA_PROPERTIES}`);
          if (options.json) return printJson({ ...found, certificateAuthorities: cas });
          process.stdout.write(
            formatFields([
              ['id', found.id],
              ['name', found.displayName],
              ['status', found.status],
              ['status details', found.statusDetails],
              ['last modified', found.lastModifiedDateTime],
              ['certificate authorities', cas.length],
            ]),
          );
          if (cas.length > 0) process.stdout.write(`\n${formatCaTable(cas)}`);
        }),
    ),
  );
  pki.addCommand(
    withGraphConnection(
      new Command('delete').description('Delete a PKI and its CAs (a soft delete: restorable from deleted items, as in Graph).').argument('<id>', 'the PKI id'),
    ).action((id: string, options: GraphConnectionOptions) =>
      runServerCommand('pki delete', async () => {
        await new GraphClient(options).call('DELETE', paths.pki(id));
        if (options.json) return printJson({ deleted: id });
        process.stdout.write(`deleted PKI ${id} (restorable from deleted items until the retention period ends)\n`);
      }),
    ),
  );
  return pki;
}
