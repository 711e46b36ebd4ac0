// Entry point of the `graph-pki` command line.
import { Command } from 'commander';
import { caCommand } from './ca-command.ts';
import { crlCommand } from './crl-command.ts';
import { hashCommand } from './hash-command.ts';
import { migrateCommand } from './migrate-command.ts';
import { migrateClassicCommand } from './migrate-classic-command.ts';
import { pkiCommand } from './pki-command.ts';
import { readBooleanEnvironment } from './options.ts';
import { resetCommand } from './reset-command.ts';
import { serveCommand } from './serve-command.ts';
import { snapshotCommand } from './snapshot-command.ts';
import { tokenCommand } from './token-command.ts';
import { uploadCommand } from './upload-command.ts';
import { verifyCommand } from './verify-command.ts';

const program = new Command('graph-pki')
  .description('A self-hosted Microsoft Graph PKI trust store for certificate-based authentication.')
  .version('0.1.0')
  .showHelpAfterError()
  .hook('preAction', (_program, actionCommand) => readBooleanEnvironment(actionCommand))
  .addCommand(serveCommand())
  .addCommand(tokenCommand())
  .addCommand(hashCommand())
  .addCommand(pkiCommand())
  .addCommand(caCommand())
  .addCommand(uploadCommand())
  .addCommand(migrateCommand())
  .addCommand(migrateClassicCommand())
  .addCommand(snapshotCommand())
  .addCommand(resetCommand())
  .addCommand(verifyCommand())
  .addCommand(crlCommand());

// Usage errors exit 2; --help and --version exit 0. Subcommands added with addCommand do not inherit this.
const allCommands = (command: Command): Command[] => [command, ...command.commands.flatMap(allCommands)];
for (const command of allCommands(program)) {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`graph-pki: ${(error as Error).message}\n`);
  process.exit(1);
}
