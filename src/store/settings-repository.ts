// Values every instance must share, created once: e.g. the key that signs $skiptoken values.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export class SettingsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The stored value; undefined when none was stored. */
  async find(name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('server_setting').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value;
  }

  /** The stored value, or `create()`'s value stored now; concurrent first calls agree on one value. */
  async getOrCreate(name: string, create: () => string): Promise<string> {
    await this.db.insertInto('server_setting').values({ name, value: create() }).onConflict((oc) => oc.column('name').doNothing()).execute();
    const row = await this.db.selectFrom('server_setting').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }
}
