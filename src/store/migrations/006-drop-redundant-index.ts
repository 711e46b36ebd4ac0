// pki_live_by_id duplicated the primary key (tenant_id, id); every insert paid for a b-tree nobody needed.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('pki_live_by_id').ifExists().execute();
}

export async function down(): Promise<void> {
  // Not recreated: it was redundant.
}
