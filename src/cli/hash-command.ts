// `graph-pki hash FILE`: the SHA-256 of a file in uppercase hex, as PowerShell's Get-FileHash prints it —
// the value the upload action's sha256FileHash expects.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Command } from 'commander';

export function hashCommand(): Command {
  return new Command('hash')
    .description("Print a file's SHA-256 in uppercase hex (the upload action's sha256FileHash).")
    .argument('<file>', 'the file, e.g. a .p7b bundle')
    .action(async (file: string) => {
      const hash = createHash('sha256');
      try {
        for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
      } catch (error) {
        process.stderr.write(`graph-pki hash: cannot read ${file}: ${(error as Error).message}\n`);
        process.exit(2);
      }
      process.stdout.write(`${hash.digest('hex').toUpperCase()}\n`);
    });
}
