// Two things for verification that holds on real PKIs:
// 1. Indexes by which a verification looks up the candidate issuers of a certificate (by subject key
//    identifier, and by lower-cased subject name), so its cost does not grow with the tenant's CAs.
// 2. The repair of CRL URLs that earlier uploads took from a CA's *own* CRL distribution point, which
//    names the CRL of the CA's issuer, not the CRL the CA issues. Repaired only where it can be told
//    for sure that the upload did it: the CA is not self-signed, its URL is exactly the first http(s)
//    URL of its own CDP (the value the upload copied), and its issuer is a CA of the same PKI (they came
//    in one bundle). Such a CA gets the URL today's upload rule gives it (the CDP of a CA of the PKI that
//    it signed, else none), and its issuer, when it has no URL, gets the one the same rule gives it
//    (which is then the repaired CA's CDP). Other CAs are left as they are; a verification flags a
//    URL equal to the CA's own CDP.
import { type Kysely, sql } from 'kysely';
import { type Certificate, parseCertificate } from '../../pki/certificate.ts';
import { crlUrlsOfBundle, isIssuedBy, isSelfSigned } from '../../pki/crl-url-assignment.ts';

interface CaRow {
  tenant_id: string;
  pki_id: string;
  id: string;
  certificate: string;
  certificate_authority_type: string;
  certificate_revocation_list_url: string | null;
  created_date_time: string;
}

interface RepairSchema {
  certificate_authority: CaRow;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('certificate_authority_live_by_ski')
    .on('certificate_authority')
    .columns(['tenant_id', 'issuer_subject_key_identifier'])
    .where(sql.ref('deleted_date_time'), 'is', null)
    .execute();
  await db.schema
    .createIndex('certificate_authority_live_by_subject')
    .on('certificate_authority')
    .columns(['tenant_id', 'issuer_key'])
    .where(sql.ref('deleted_date_time'), 'is', null)
    .execute();
  await repairCrlUrlsFromOwnCdp(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('certificate_authority_live_by_ski').ifExists().execute();
  await db.schema.dropIndex('certificate_authority_live_by_subject').ifExists().execute();
}

/** The repair of step 2 (see the top of this file); returns how many CAs got another URL. */
export async function repairCrlUrlsFromOwnCdp<Schema>(untyped: Kysely<Schema>): Promise<number> {
  const db = untyped as unknown as Kysely<RepairSchema>;
  // Only PKIs holding an intermediate with a URL can need a repair; each is then read whole.
  const suspects = await db
    .selectFrom('certificate_authority')
    .select(['tenant_id', 'pki_id'])
    .distinct()
    .where('certificate_authority_type', '=', 'intermediate')
    .where('certificate_revocation_list_url', 'is not', null)
    .orderBy('tenant_id')
    .orderBy('pki_id')
    .execute();
  let repaired = 0;
  for (const { tenant_id, pki_id } of suspects) {
    const rows = await db
      .selectFrom('certificate_authority')
      .selectAll()
      .where('tenant_id', '=', tenant_id)
      .where('pki_id', '=', pki_id)
      .orderBy('created_date_time')
      .orderBy('id')
      .execute();
    const changes = repairsOfPki(rows);
    for (const [id, url] of changes) {
      await db
        .updateTable('certificate_authority')
        .set({ certificate_revocation_list_url: url })
        .where('tenant_id', '=', tenant_id)
        .where('pki_id', '=', pki_id)
        .where('id', '=', id)
        .execute();
    }
    repaired += changes.size;
  }
  return repaired;
}

/** CA id → its repaired URL, for the CAs of one PKI. */
function repairsOfPki(rows: readonly CaRow[]): Map<string, string | null> {
  const cas: { row: CaRow; certificate: Certificate }[] = [];
  for (const row of rows) {
    try {
      cas.push({ row, certificate: parseCertificate(Buffer.from(row.certificate, 'base64')) });
    } catch {
      // A CA this version cannot read is no anchor anyway; it is left as it is.
    }
  }
  const derived = crlUrlsOfBundle(cas.map((ca) => ca.certificate));
  const changes = new Map<string, string | null>();
  cas.forEach(({ row, certificate }, index) => {
    const url = row.certificate_revocation_list_url;
    if (url === null || url !== certificate.crlDistributionUrls[0] || isSelfSigned(certificate)) return;
    const issuers = cas.filter((other) => other !== cas[index] && isIssuedBy(certificate, other.certificate));
    if (issuers.length === 0) return;
    changes.set(row.id, derived[index] ?? null);
    for (const issuer of issuers) {
      const issuerIndex = cas.indexOf(issuer);
      if (issuer.row.certificate_revocation_list_url === null) changes.set(issuer.row.id, derived[issuerIndex] ?? null);
    }
  });
  // A CA whose URL does not change needs no write.
  for (const { row } of cas) if (changes.get(row.id) === row.certificate_revocation_list_url) changes.delete(row.id);
  return changes;
}
