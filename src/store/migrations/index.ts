// Migrations are imported statically (not scanned from a folder) so they work the same under tsx and
// from the esbuild bundle. Names sort in the order they must run.
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001-initial.ts';

const migrations: Record<string, Migration> = {
  '001-initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

export const KNOWN_MIGRATIONS: readonly string[] = Object.keys(migrations);
