// Entry point of the `graph-pki` command line.
import { Command } from 'commander';
import { serveCommand } from './serve-command.ts';
import { tokenCommand } from './token-command.ts';

const program = new Command('graph-pki')
  .description('A self-hosted Microsoft Graph PKI trust store for certificate-based authentication.')
  .version('0.1.0')
  .showHelpAfterError()
  .addCommand(serveCommand())
  .addCommand(tokenCommand());

// Usage errors exit 2; --help and --version exit 0. Subcommands added with addCommand do not inherit this.
for (const command of [program, ...program.commands]) {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`graph-pki: ${(error as Error).message}\n`);
  process.exit(1);
}
