// Deleted PKIs and CAs (the directory's deletedItems), newest first, each with Restore and a
// permanent delete.
import type { Api } from './api.ts';
import { byId, h } from './dom.ts';
import { formatUtc } from './format.ts';
import { paths, type CertificateAuthority, type Pki } from './graph-types.ts';
import { reportFailure, showStatus } from './messages.ts';

interface DeletedRow {
  readonly id: string;
  readonly name: string;
  readonly kind: 'PKI' | 'CA';
  readonly deletedDateTime: string | null;
}

export class DeletedItems {
  constructor(
    private readonly api: Api,
    /** A restore or purge happened: the PKI list (and open PKI) may need reloading. */
    private readonly changed: () => Promise<void>,
  ) {}

  async load(): Promise<void> {
    const query = '?$top=999&$orderby=deletedDateTime desc';
    const [pkis, cas] = await Promise.all([
      this.api.getAll<Pki>(`${paths.deletedPkis}${query}&$select=id,displayName,deletedDateTime`),
      this.api.getAll<CertificateAuthority>(`${paths.deletedCas}${query}&$select=id,displayName,thumbprint,deletedDateTime`),
    ]);
    const rows: DeletedRow[] = [
      ...pkis.map((p) => ({ id: p.id, name: p.displayName ?? '(no name)', kind: 'PKI' as const, deletedDateTime: p.deletedDateTime })),
      ...cas.map((c) => ({ id: c.id, name: c.displayName ?? c.thumbprint, kind: 'CA' as const, deletedDateTime: c.deletedDateTime })),
    ].sort((a, b) => (b.deletedDateTime ?? '').localeCompare(a.deletedDateTime ?? ''));
    this.render(rows);
  }

  private render(rows: readonly DeletedRow[]): void {
    const elements = rows.map((row) =>
      h(
        'tr',
        { attrs: { 'data-deleted-id': row.id } },
        h('td', null, row.name),
        h('td', null, row.kind),
        h('td', null, formatUtc(row.deletedDateTime)),
        h(
          'td',
          null,
          h('button', { attrs: { type: 'button', 'aria-label': `Restore ${row.kind} ${row.name}` }, onClick: () => this.restore(row) }, 'Restore'),
          h('button', { className: 'danger', attrs: { type: 'button', 'aria-label': `Delete ${row.kind} ${row.name} permanently` }, onClick: () => this.purge(row) }, 'Delete permanently'),
        ),
      ),
    );
    byId('deleted-rows', HTMLTableSectionElement).replaceChildren(...elements);
    byId('deleted-empty', HTMLElement).hidden = rows.length > 0;
  }

  private restore(row: DeletedRow): void {
    void reportFailure(`Could not restore the ${row.kind} ${row.name}`, async () => {
      await this.api.post(paths.restore(row.id));
      showStatus(`Restored the ${row.kind} ${row.name}.`);
      await Promise.all([this.load(), this.changed()]);
    });
  }

  private purge(row: DeletedRow): void {
    if (!confirm(`Delete the ${row.kind} "${row.name}" permanently? This cannot be undone.`)) return;
    void reportFailure(`Could not delete the ${row.kind} ${row.name}`, async () => {
      await this.api.delete(paths.deletedItem(row.id));
      showStatus(`Deleted the ${row.kind} ${row.name} permanently.`);
      await this.load();
    });
  }
}
