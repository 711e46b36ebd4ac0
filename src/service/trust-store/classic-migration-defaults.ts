// The classic-store migration's defaults, apart from its service so that the CLI's help can name them
// without loading the service (and with it the store) at every command's start.

/** displayName of the PKI the migration copies into when the request names none. */
export const DEFAULT_MIGRATION_PKI_NAME = 'Migrated from the classic store';
