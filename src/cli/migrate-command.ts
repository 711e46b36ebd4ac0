// `graph-pki migrate`: brings a database's schema up to date explicitly (serve also does it on start).
import { Command } from 'commander';
import { DEFAULT_DATA_DIR, databaseLocation } from '../config.ts';
import { envOption, parseDatabaseLocation } from './options.ts';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Apply the database migrations this graph-pki knows (serve applies them on start as well).')
    .addOption(envOption('--data <dir>', 'data folder (for the default SQLite file)').default(DEFAULT_DATA_DIR))
    .addOption(envOption('--database <url>', 'SQLite file, sqlite:<file> or postgres://… (default: <data>/graph-pki.db)').argParser(parseDatabaseLocation))
    .action(async (options: { data: string; database?: string }) => {
      // Loaded here, not with the CLI: other commands start without the database drivers.
      const { migrateToLatest, openDatabase } = await import('../store/database.ts');
      const database = await openDatabase(databaseLocation({ database: options.database, dataDir: options.data }), undefined, false);
      try {
        const applied = await migrateToLatest(database.db);
        process.stdout.write(applied.length > 0 ? `applied ${applied.join(', ')} to ${database.description}\n` : `${database.description} is up to date\n`);
      } finally {
        await database.close();
      }
    });
}
